/*
 * tests/lib/forkexec.c - fork, _Fork, vfork + exec, posix_spawn and exec
 * under the preload (tests/lib/forkexec.sh).
 *
 *   forkexec fork        two threads fork repeatedly while three others
 *                        allocate; every child checks it has a fresh segment
 *                        of its own (name with its pid, counts from zero,
 *                        exactly its own CHILD_ALLOCS allocations); every
 *                        parent thread checks its own shard saw none of them;
 *                        then the same with _Fork, vfork + execve and
 *                        posix_spawn from a single-threaded parent.
 *   forkexec fork-sampling [N]   N forks (default 100) from each of two
 *                        threads at once while three threads allocate with
 *                        every allocation sampled, with a slow loader (every
 *                        dl_iterate_phdr holds the loader's lock 200 us): no
 *                        child may hang on a lock copied locked.
 *   forkexec fork-loader-held   the program's own thread sits inside
 *                        dl_iterate_phdr (the loader's lock held) while
 *                        another forks; the child, every allocation
 *                        sampled, must allocate and exit without waiting
 *                        for that lock (heaptop takes no stacks there and
 *                        says so: the script checks).
 *   forkexec exec-self   exec keeps the pid: the image after exec has a new
 *                        segment (the script checks states and exec_gen with
 *                        segdump; it sets HEAPTOP_KEEP=1).
 *
 * Children report through their exit code (0 = every check passed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "heaptop/segment.h"
#include "htcheck.h"

extern char **environ;

#define CHILD_ALLOCS 50000
#define CHILD_SIZE 3333 /* a size nothing else here uses: bucket 12 */
#define FORKS_PER_THREAD 4

static const char *self_path;

/*
 * In a new process image or fork child: a fresh segment counting only us.
 * Its name is /heaptop.<our pid>.<n>: n is 0 unless a dead process with the
 * same pid left a stale segment behind (segment.h: the first free number).
 */
static int child_checks(const char *how)
{
	struct heaptop_stats a, b;
	char want[64];

	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	snprintf(want, sizeof(want), "/heaptop.%d.", (int)getpid());
	const char *name = heaptop_segment_name();
	if (!CHECK(name && strncmp(name, want, strlen(want)) == 0))
		fprintf(stderr, "  (%s child: segment %s, want %s<n>)\n", how,
			name ? name : "(none)", want);
	CHECK_EQ(heaptop_tracking(), 1);
	check_own_churn(&a, &b, CHILD_ALLOCS, CHILD_SIZE);
	return test_failures ? 1 : 0;
}

/* A fork child: nothing of the parent's counts may show. */
static void fork_child(const char *how)
{
	struct heaptop_stats a;

	test_checks = test_failures = 0; /* the parent's are not ours */
	note_pid();
	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	if (!CHECK_EQ(a.alloc_count, 0))
		fprintf(stderr, "  (%s child starts with the parent's counts)\n", how);
	CHECK_EQ(a.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(CHILD_SIZE)], 0);
	child_checks(how);
	exit(test_failures ? 1 : 0); /* exit(): the child's segment is finished and removed */
}

/*
 * Waits for child pid at most 5 s; a child still running then is stuck
 * (a lock copied from another thread in the middle of it): kill it, fail.
 */
static int wait_child(pid_t pid, const char *how)
{
	int status = 0;

	for (int i = 0; i < 5000; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			test_hard_error("waitpid: %s", strerror(errno));
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(!"child hung");
	fprintf(stderr, "  (%s child %d hung for 5 s: killed)\n", how, (int)pid);
	return status;
}

/* Is /dev/shm/heaptop.<pid>.<gen> a segment made by a child of ours? */
static int our_childs_segment(pid_t pid, int gen)
{
	char path[64];
	struct heaptop_seg_header h;
	int ours = 0;

	snprintf(path, sizeof(path), "/dev/shm/heaptop.%d.%d", (int)pid, gen);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, &h, sizeof(h)) == (ssize_t)sizeof(h))
		ours = h.pid == (uint32_t)pid && h.ppid == (uint32_t)getpid();
	close(fd);
	return ours;
}

/*
 * The child's segment must be gone after its clean exit.  (Stale segments
 * of dead processes that had the same pid may exist: only a segment whose
 * parent is us counts.)
 */
static void check_child_reaped(pid_t pid, int status, const char *how)
{
	if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fprintf(stderr, "  (%s child %d: status %#x)\n", how, (int)pid, status);
	if (!WIFEXITED(status))
		return;
	for (int gen = 0; gen < 8; gen++)
		if (!CHECK(!our_childs_segment(pid, gen)))
			fprintf(stderr, "  (%s child left /dev/shm/heaptop.%d.%d)\n", how, (int)pid, gen);
}

/* The calling thread's own shard: the fork must not have counted the child. */
static void check_parent_shard(const struct heaptop_stats *a, const char *how)
{
	struct heaptop_stats b;

	read_stats(&b, HEAPTOP_SCOPE_THREAD);
	if (!CHECK_EQ(b.alloc_count - a->alloc_count, 0))
		fprintf(stderr, "  (%s: the parent thread's shard counted the child)\n", how);
	CHECK_EQ(b.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(CHILD_SIZE)] -
			 a->hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(CHILD_SIZE)],
		 0);
}

/*
 * The loader's lock, made slow: this executable exports dl_iterate_phdr
 * (tests/lib.am), so heaptop's and libunwind's calls land here first.  With
 * slow_loader set, each call holds the real lock 200 us before its first
 * callback: a walk that a fork does not wait for is then very likely to
 * hold it at the clone.
 */
typedef int (*phdr_cb)(struct dl_phdr_info *, size_t, void *);
static int (*real_iterate)(phdr_cb, void *);
static int slow_loader;

/* libc's dl_iterate_phdr (first from heaptop's constructor, before main). */
static void find_real_iterate(void)
{
	real_iterate = (int (*)(phdr_cb, void *))dlsym(RTLD_NEXT, "dl_iterate_phdr");
	if (!real_iterate)
		test_hard_error("dlsym(RTLD_NEXT, dl_iterate_phdr): %s", dlerror());
}

struct slow_call {
	phdr_cb cb;
	void *data;
	int slept;
};

static int slow_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct slow_call *c = arg;

	if (!c->slept) {
		struct timespec ts = { 0, 200000 };
		c->slept = 1;
		nanosleep(&ts, NULL);
	}
	return c->cb(info, size, c->data);
}

int dl_iterate_phdr(phdr_cb cb, void *data)
{
	struct slow_call c = { cb, data, 0 };

	if (!real_iterate) /* single-threaded: before main, or main's first call */
		find_real_iterate();
	if (!__atomic_load_n(&slow_loader, __ATOMIC_RELAXED))
		return real_iterate(cb, data);
	return real_iterate(slow_cb, &c);
}

/* --- fork from two threads while others allocate ------------------------ */

static int noise_stop;

static void *noise(void *arg)
{
	struct heaptop_stats a, b;
	uint64_t n = 0;

	(void)arg;
	free(malloc(1)); /* own a shard */
	read_stats(&a, HEAPTOP_SCOPE_THREAD);
	while (!__atomic_load_n(&noise_stop, __ATOMIC_RELAXED)) {
		void *p = malloc(64 + n % 256);
		free(p);
		n++;
	}
	read_stats(&b, HEAPTOP_SCOPE_THREAD);
	CHECK_EQ(b.alloc_count - a.alloc_count, n); /* exact, whatever the children did */
	CHECK_EQ(b.dealloc_count - a.dealloc_count, n);
	return NULL;
}

static void *forker(void *arg)
{
	const char *who = arg;

	free(malloc(1)); /* own a shard */
	for (int i = 0; i < FORKS_PER_THREAD; i++) {
		struct heaptop_stats a;
		read_stats(&a, HEAPTOP_SCOPE_THREAD);
		pid_t pid = fork();
		if (pid < 0)
			test_hard_error("fork: %s", strerror(errno));
		if (pid == 0)
			fork_child(who);
		int status = wait_child(pid, who);
		check_parent_shard(&a, who);
		check_child_reaped(pid, status, who);
	}
	return NULL;
}

static void run_threaded_forks(void)
{
	pthread_t n[3], f;

	for (int i = 0; i < 3; i++)
		if (pthread_create(&n[i], NULL, noise, NULL) != 0)
			test_hard_error("pthread_create");
	if (pthread_create(&f, NULL, forker, "fork from a second thread") != 0)
		test_hard_error("pthread_create");
	forker("fork from main");
	pthread_join(f, NULL);
	__atomic_store_n(&noise_stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		pthread_join(n[i], NULL);
}

/*
 * Many forks while other threads are inside heaptop's sampling (run with
 * HEAPTOP_SAMPLE_RATE=1: every allocation takes a stack).  A lock another
 * thread held at the fork (libunwind's, the loader's, the site table's)
 * stays locked in the child forever: the child's first sampled allocation,
 * or its module scan at exit, must not hang.  Two threads fork at once, so
 * one fork's parent handler runs while the other has not cloned yet (glibc
 * runs atfork handlers without a lock of its own).
 */
/* Forks a child that runs body() and exits 0 (its checks are its own); returns its pid. */
static pid_t fork_running(void (*body)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		test_hard_error("fork: %s", strerror(errno));
	if (pid == 0) {
		test_checks = test_failures = 0;
		note_pid();
		body();
		exit(0); /* heaptop's exit too: its module scan must not hang */
	}
	return pid;
}

/* Waits for a child of fork_running (5 s at most): 1 when it exited 0. */
static int reaped_ok(pid_t pid, const char *how)
{
	int status = wait_child(pid, how);

	if (CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return 1;
	fprintf(stderr, "  (%s: child status %#x)\n", how, status);
	return 0;
}

static void churn_a_little(void)
{
	for (int k = 0; k < 100; k++)
		free(malloc(100 + k));
}

static void *sampling_forker(void *arg)
{
	int forks = *(int *)arg;

	for (int i = 0; i < forks; i++)
		if (!reaped_ok(fork_running(churn_a_little), "fork while sampling")) {
			fprintf(stderr, "  (fork %d of %d)\n", i + 1, forks);
			break;
		}
	return NULL;
}

static void run_forks_while_sampling(int forks)
{
	pthread_t n[3], f;

	__atomic_store_n(&slow_loader, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		if (pthread_create(&n[i], NULL, noise, NULL) != 0)
			test_hard_error("pthread_create");
	usleep(20000);
	if (pthread_create(&f, NULL, sampling_forker, &forks) != 0)
		test_hard_error("pthread_create");
	sampling_forker(&forks);
	pthread_join(f, NULL);
	__atomic_store_n(&noise_stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		pthread_join(n[i], NULL);
}

/*
 * The program's own thread holds the loader's lock (inside its own
 * dl_iterate_phdr callback) while main forks.  glibc does not reset that
 * lock in the child, so any dl_iterate_phdr there waits forever: heaptop's
 * stack walks (new unwind rules, module checks) and its module scan at exit
 * must not make one.
 */
static int holder_inside, holder_release;

static int hold_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	(void)arg;
	__atomic_store_n(&holder_inside, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&holder_release, __ATOMIC_ACQUIRE))
		usleep(1000);
	return 1;
}

static void *loader_holder(void *arg)
{
	(void)arg;
	dl_iterate_phdr(hold_cb, NULL);
	return NULL;
}

/* Allocations from call sites the parent never sampled (new unwind rules). */
static __attribute__((noinline)) void child_fresh_sites(int depth)
{
	if (depth > 0) {
		child_fresh_sites(depth - 1);
		__asm__ volatile("" ::: "memory"); /* not a tail call */
		return;
	}
	for (int k = 0; k < 100; k++)
		free(malloc(100 + k));
}

static void fresh_sites_20(void)
{
	child_fresh_sites(20);
}

static void run_fork_loader_held(void)
{
	pthread_t h;

	for (int k = 0; k < 1000; k++) /* the parent samples first: sites, modules, rules */
		free(malloc(64));
	if (pthread_create(&h, NULL, loader_holder, NULL) != 0)
		test_hard_error("pthread_create");
	while (!__atomic_load_n(&holder_inside, __ATOMIC_ACQUIRE))
		usleep(1000);
	pid_t pid = fork_running(fresh_sites_20);
	__atomic_store_n(&holder_release, 1, __ATOMIC_RELEASE);
	pthread_join(h, NULL);
	reaped_ok(pid, "fork with the loader's lock held");
	/* The parent's walks go on: its lock was released, not copied. */
	for (int k = 0; k < 1000; k++)
		free(malloc(64));
}

/* --- _Fork, vfork + exec, posix_spawn ------------------------------------- */

static void run_underscore_fork(void)
{
	struct heaptop_stats a;

	read_stats(&a, HEAPTOP_SCOPE_THREAD);
	pid_t pid = _Fork(); /* no atfork handlers: only MADV_WIPEONFORK tells the child */
	if (pid < 0)
		test_hard_error("_Fork: %s", strerror(errno));
	if (pid == 0)
		fork_child("_Fork");
	int status = wait_child(pid, "_Fork");
	check_parent_shard(&a, "_Fork");
	check_child_reaped(pid, status, "_Fork");
}

static void run_vfork_exec(void)
{
	char *argv[] = { (char *)self_path, "exec-child", NULL };
	struct heaptop_stats a;

	read_stats(&a, HEAPTOP_SCOPE_THREAD);
	pid_t pid = vfork();
	if (pid == 0) {
		execve(self_path, argv, environ);
		_exit(127);
	}
	if (pid < 0)
		test_hard_error("vfork: %s", strerror(errno));
	int status = wait_child(pid, "vfork + exec");
	check_parent_shard(&a, "vfork + exec");
	check_child_reaped(pid, status, "vfork + exec");
	CHECK_EQ(heaptop_tracking(), 1); /* the vfork child touched nothing of ours */
}

static void run_posix_spawn(void)
{
	char *argv[] = { (char *)self_path, "exec-child", NULL };
	struct heaptop_stats a, b;
	pid_t pid;

	read_stats(&a, HEAPTOP_SCOPE_THREAD);
	int rc = posix_spawn(&pid, self_path, NULL, NULL, argv, environ);
	if (rc != 0)
		test_hard_error("posix_spawn: %s", strerror(rc));
	int status = wait_child(pid, "posix_spawn");
	read_stats(&b, HEAPTOP_SCOPE_THREAD);
	/* posix_spawn may allocate in the parent; the child's blocks never show. */
	CHECK_EQ(b.alloc_count - a.alloc_count, b.dealloc_count - a.dealloc_count);
	CHECK_EQ(b.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(CHILD_SIZE)] -
			 a.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(CHILD_SIZE)],
		 0);
	check_child_reaped(pid, status, "posix_spawn");
}

/* --- exec keeps the pid ------------------------------------------------------ */

/* Our segment's name is /heaptop.<pid>.<n>. */
static int check_own_name(const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "/heaptop.%d.", (int)getpid());
	if (CHECK(name && strncmp(name, want, strlen(want)) == 0))
		return 1;
	fprintf(stderr, "  (segment %s, want %s<n>)\n", name ? name : "(none)", want);
	return 0;
}

static int run_exec_self(void)
{
	const char *name = heaptop_segment_name();
	char *argv[] = { (char *)self_path, "after-exec", (char *)name, NULL };

	check_own_name(name);
	for (int i = 0; i < 1000; i++)
		free(malloc(100));
	if (test_failures)
		return test_summary("exec-self");
	execve(self_path, argv, environ);
	test_hard_error("execve: %s", strerror(errno));
}

/* The new image of the same pid: a segment of its own, counting from zero. */
static int run_after_exec(const char *before)
{
	const char *name = heaptop_segment_name();
	struct heaptop_stats st;

	check_own_name(name);
	if (!CHECK(name && before && strcmp(name, before) != 0))
		fprintf(stderr, "  (the image after exec kept segment %s)\n", before ? before : "?");
	read_stats(&st, HEAPTOP_SCOPE_PROCESS);
	/* The 1000 blocks before exec are not ours. */
	CHECK(st.alloc_count < 1000);
	return test_summary("after-exec");
}

int main(int argc, char **argv)
{
	self_path = "/proc/self/exe";
	note_pid();
	if (!real_iterate)
		find_real_iterate();
	if (argc < 2)
		test_hard_error("usage: forkexec fork | exec-self");
	if (!strcmp(argv[1], "exec-child")) {
		child_checks("exec");
		return test_summary("exec-child");
	}
	if (!strcmp(argv[1], "exec-self"))
		return run_exec_self();
	if (!strcmp(argv[1], "after-exec"))
		return run_after_exec(argc > 2 ? argv[2] : NULL);
	if (!strcmp(argv[1], "fork-sampling")) {
		run_forks_while_sampling(argc > 2 ? atoi(argv[2]) : 100);
		return test_summary("fork-sampling");
	}
	if (!strcmp(argv[1], "fork-loader-held")) {
		run_fork_loader_held();
		return test_summary("fork-loader-held");
	}
	if (strcmp(argv[1], "fork") != 0)
		test_hard_error("unknown mode %s", argv[1]);
	run_threaded_forks();
	run_underscore_fork();
	run_vfork_exec();
	run_posix_spawn();
	return test_summary("fork");
}
