/*
 * cputime.c - tiny benchmark runner: runs one command and reports the CPU
 * time (user + sys, from getrusage(RUSAGE_CHILDREN), so it includes any
 * descendants the command waited for), the wall time and the peak RSS.
 * Environment settings given with -e apply to the command only, never to
 * this runner, so a preloaded tracker sees exactly the traced program.
 *
 * Usage: cputime [-o FILE] [-e NAME=VALUE]... [-x] -- COMMAND [ARG]...
 *   -o FILE  append the result line to FILE (default: stderr)
 *   -e N=V   set N=V in the command's environment
 *   -x       exec mode: apply the -e settings and exec COMMAND directly,
 *            measuring nothing (for running under valgrind, where the
 *            tracker must not be loaded into valgrind's own launcher)
 * Result line: "cpu=S user=S sys=S wall=S maxrss_kb=N status=N"
 * Exit status: the command's (128+signal if it was killed).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 16

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: cputime [-o FILE] [-e NAME=VALUE]... [-x] -- COMMAND "
            "[ARG]...\n");
    exit(2);
}

static void exec_command(char **env, int nenv, char **argv)
{
    int i;

    for (i = 0; i < nenv; i++) {
        if (putenv(env[i]) != 0) {
            perror("cputime: putenv");
            _exit(127);
        }
    }
    execvp(argv[0], argv);
    fprintf(stderr, "cputime: cannot run %s: ", argv[0]);
    perror(NULL);
    _exit(127);
}

int main(int argc, char **argv)
{
    const char *out_path = NULL;
    char *env[MAX_ENV];
    int nenv = 0, exec_only = 0, opt, status, code;
    struct rusage ru;
    double start, wall;
    FILE *out = stderr;
    pid_t pid;

    while ((opt = getopt(argc, argv, "+o:e:x")) != -1) {
        switch (opt) {
        case 'o':
            out_path = optarg;
            break;
        case 'e':
            if (nenv == MAX_ENV || !strchr(optarg, '='))
                usage();
            env[nenv++] = optarg;
            break;
        case 'x':
            exec_only = 1;
            break;
        default:
            usage();
        }
    }
    if (optind >= argc)
        usage();
    if (exec_only)
        exec_command(env, nenv, argv + optind);

    start = now_seconds();
    pid = fork();
    if (pid < 0) {
        perror("cputime: fork");
        return 127;
    }
    if (pid == 0)
        exec_command(env, nenv, argv + optind);
    if (waitpid(pid, &status, 0) < 0) {
        perror("cputime: waitpid");
        return 127;
    }
    wall = now_seconds() - start;
    getrusage(RUSAGE_CHILDREN, &ru);

    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (out_path && !(out = fopen(out_path, "a"))) {
        perror("cputime: fopen");
        return 127;
    }
    fprintf(out, "cpu=%.4f user=%.4f sys=%.4f wall=%.4f maxrss_kb=%ld "
            "status=%d\n",
            tv_seconds(ru.ru_utime) + tv_seconds(ru.ru_stime),
            tv_seconds(ru.ru_utime), tv_seconds(ru.ru_stime), wall,
            ru.ru_maxrss, code);
    if (out != stderr)
        fclose(out);
    return code;
}
