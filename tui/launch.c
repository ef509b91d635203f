/*
 * tui/launch.c - running a program under libheaptop for `heaptop -- CMD`
 * (see launch.h).  The child reports a failed open or exec through a
 * close-on-exec pipe, so "command not found" is an error here, not a
 * mysteriously missing segment.  HEAPTOP_KEEP_PID makes the library keep the
 * segment's name at exit, so even a program that runs for a millisecond
 * leaves its final counters; launch_remove_segments() cleans up after.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "launch.h"
#include "procfs.h"
#include "segread.h"

#ifndef LIBDIR
#define LIBDIR "/usr/local/lib"
#endif
#define LIB_NAME "libheaptop.so"

/* What the child tells the parent when it could not get to exec. */
struct child_failure {
	int stage;   /* 1: output file, 2: /dev/null, 3: exec */
	int err;
};

/* ---- finding the library ---------------------------------------------- */

static int usable_lib(const char *path, char *buf, size_t cap)
{
	char real[PATH_MAX];

	if (access(path, R_OK) != 0 || !realpath(path, real) || strlen(real) >= cap)
		return 0;
	/* LD_PRELOAD splits on spaces and colons */
	if (strpbrk(real, " :"))
		return 0;
	memcpy(buf, real, strlen(real) + 1);
	return 1;
}

int launch_find_lib(const char *opt, char *buf, size_t cap)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	static const char *const near[] = { "lib/.libs/" LIB_NAME, "../lib/" LIB_NAME,
					    "../lib64/" LIB_NAME };

	if (opt) {
		if (usable_lib(opt, buf, cap))
			return 0;
		fprintf(stderr, "heaptop: cannot use --lib '%s': %s (give the path of libheaptop.so, "
			"without spaces or colons)\n", opt, access(opt, R_OK) ? strerror(errno) : "unusable path");
		return -1;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			slash[1] = '\0';
		for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", exe, near[i]);
			if (usable_lib(path, buf, cap))
				return 0;
		}
	}
	if (usable_lib(LIBDIR "/" LIB_NAME, buf, cap) || usable_lib(LIBDIR "/" LIB_NAME ".0", buf, cap))
		return 0;
	fprintf(stderr, "heaptop: cannot find %s next to this program or in %s "
		"(install heaptop, or pass --lib PATH)\n", LIB_NAME, LIBDIR);
	return -1;
}

/* ---- starting the child --------------------------------------------------- */

static void default_output(char *buf, size_t cap, pid_t pid)
{
	char cwd[PATH_MAX - 64]; /* room for "/heaptop-<pid>.out" in a PATH_MAX buffer */

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	snprintf(buf, cap, "%s/heaptop-%d.out", strcmp(cwd, "/") ? cwd : "", (int)pid);
}

static void child_fail(int fd, int stage)
{
	struct child_failure f = { stage, errno };
	ssize_t w = write(fd, &f, sizeof(f));
	(void)w;
	_exit(127);
}

/* In the child: environment, redirections, exec; never returns. */
static void child_exec(char *const argv[], const char *lib, const struct launch_opts *o, int efd)
{
	char pid[24], out[4096];
	const char *old = getenv("LD_PRELOAD");
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("HEAPTOP_KEEP_PID", pid, 1);
	if (old && *old) {
		size_t n = strlen(lib) + strlen(old) + 2;
		char *v = malloc(n);
		if (v) {
			snprintf(v, n, "%s:%s", lib, old);
			setenv("LD_PRELOAD", v, 1);
		}
	} else {
		setenv("LD_PRELOAD", lib, 1);
	}
	if (o->redirect) {
		setpgid(0, 0); /* keys typed into the view must not signal the program */
		int in = open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0)
			child_fail(efd, 2);
	}
	if (o->output || o->redirect) {
		if (o->output)
			snprintf(out, sizeof(out), "%s", o->output);
		else
			default_output(out, sizeof(out), getpid());
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, 0666);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			child_fail(efd, 1);
	}
	execvp(argv[0], argv);
	child_fail(efd, 3);
}

static void say_child_failure(const struct child_failure *f, const char *cmd, const char *out)
{
	if (f->stage == 1)
		fprintf(stderr, "heaptop: cannot write the program's output to '%s': %s "
			"(choose another file with --output)\n", out, strerror(f->err));
	else if (f->stage == 2)
		fprintf(stderr, "heaptop: cannot open /dev/null: %s\n", strerror(f->err));
	else if (f->err == ENOENT)
		fprintf(stderr, "heaptop: command not found: '%s' (check the name and $PATH)\n", cmd);
	else
		fprintf(stderr, "heaptop: cannot run '%s': %s\n", cmd, strerror(f->err));
}

int launch_start(char *const argv[], const char *lib, const struct launch_opts *o,
		 struct model_child *c)
{
	struct child_failure f;
	int ep[2];

	memset(c, 0, sizeof(*c));
	if (pipe2(ep, O_CLOEXEC) != 0) {
		fprintf(stderr, "heaptop: cannot create a pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "heaptop: cannot fork: %s\n", strerror(errno));
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pid == 0) {
		close(ep[0]);
		child_exec(argv, lib, o, ep[1]);
	}
	close(ep[1]);
	c->launched = 1;
	c->pid = pid;
	c->start_ticks = proc_start_ticks(pid); /* not reaped yet: /proc has it */
	if (o->output)
		snprintf(c->output, sizeof(c->output), "%s", o->output);
	else if (o->redirect)
		default_output(c->output, sizeof(c->output), pid);
	else
		snprintf(c->output, sizeof(c->output), "the terminal");
	ssize_t r;
	do
		r = read(ep[0], &f, sizeof(f));
	while (r < 0 && errno == EINTR);
	close(ep[0]);
	if (r == (ssize_t)sizeof(f)) {
		say_child_failure(&f, argv[0], c->output);
		waitpid(pid, &c->status, 0);
		c->exited = 1;
		return -1;
	}
	return 0;
}

/* ---- waiting ------------------------------------------------------------------ */

static void reap_nohang(struct model_child *c)
{
	if (!c->exited && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = 1;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Installs (on) or restores (!on) the handlers of an unbounded wait. */
static void interruptible(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static struct sigaction old[3];
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], on ? &sa : &old[i], on ? &old[i] : NULL);
	interrupted = 0;
}

enum segread_err launch_wait_segment(struct model_child *c, double timeout_s, struct segread **out)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	long rounds = timeout_s < 0 ? -1 : (long)(timeout_s * 100) + 1;
	enum segread_err err = SEGREAD_NO_SEGMENT;

	if (rounds < 0)
		interruptible(1);
	for (long i = 0; rounds < 0 ? !interrupted : i < rounds; i++) {
		int e, was_exited = c->exited;
		reap_nohang(c);
		err = segread_open_pid(c->pid, c->start_ticks, out, &e);
		if (err == SEGREAD_OK || was_exited) /* one look after the exit: the segment is kept */
			break;
		nanosleep(&tick, NULL);
	}
	if (rounds < 0)
		interruptible(0);
	return err;
}

void launch_wait_exit(struct model_child *c)
{
	struct sigaction ign, old_int, old_quit;

	if (c->exited)
		return;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->exited = 1;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
}

void launch_stop(struct model_child *c)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	reap_nohang(c);
	if (!c->launched || c->exited)
		return;
	kill(c->pid, SIGTERM);
	for (int i = 0; i < 200 && !c->exited; i++) {
		nanosleep(&tick, NULL);
		reap_nohang(c);
	}
	if (!c->exited) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
		c->exited = 1;
	}
}

/* 1 when the segment called name was made by a process that started at start_ticks. */
static int made_by(const char *name, uint64_t start_ticks)
{
	struct segread *r;
	struct seg_snapshot s;
	int e, mine;

	if (segread_open_name(name, &r, &e) != SEGREAD_OK)
		return 0;
	mine = segread_read_header_only(r, &s) == SEGREAD_OK && s.start_time_ticks == start_ticks;
	segread_close(r);
	return mine;
}

int launch_remove_segments(const struct model_child *c)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *de;
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		uint32_t npid, gen;
		struct stat st;
		char name[300];
		if (segread_parse_name(de->d_name, &npid, &gen) != 0 || npid != (uint32_t)c->pid ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != geteuid() ||
		    (c->start_ticks && !made_by(de->d_name, c->start_ticks)))
			continue;
		snprintf(name, sizeof(name), "/%s", de->d_name);
		removed += shm_unlink(name) == 0;
	}
	closedir(d);
	return removed;
}

int launch_exit_code(const struct model_child *c)
{
	if (!c->exited)
		return 0;
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return WEXITSTATUS(c->status);
}
