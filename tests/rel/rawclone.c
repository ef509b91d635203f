/*
 * tests/rel/rawclone.c - children made by the raw clone system call, which
 * runs no atfork handler (tests/rel/rawclone.sh; reliability.md §4, §10.5).
 * Only the MADV_WIPEONFORK gate page of lib/init.c tells such a child it is
 * not its parent any more.
 *
 *   rawclone basic       syscall(SYS_clone, SIGCHLD) children that allocate
 *                        and leave with exit() or _exit(), that never
 *                        allocate, that first ask the API, and one made while
 *                        four other threads are parked: each child that
 *                        allocates has a segment of its own (its pid, its
 *                        parent's pid, counting from exactly zero), and the
 *                        parent's segment is byte for byte what it was
 *                        before the child ran, still RUNNING, still named.
 *   rawclone busy N      N raw clones while three threads allocate (with
 *                        whatever HEAPTOP_SAMPLE_RATE says): no child hangs
 *                        (10 s watchdog each), and none of the children's
 *                        blocks (a size nobody else uses) reach the parent.
 *   rawclone vfork SELF  clone(CLONE_VM | CLONE_VFORK) + execve of SELF, and
 *                        of a file that does not exist (the child leaves
 *                        through _exit while sharing our memory): the parent's
 *                        segment is untouched either way; the new image has
 *                        its own segment.
 *   rawclone exec-child  (run by the vfork case) the new image's checks.
 *
 * Children report through their exit status: 0 when every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "relcheck.h"

#define CHILD_ALLOCS 20000
#define CHILD_SIZE 3333 /* bucket 12, [2048, 4096): nothing else here uses it */

static const struct heaptop_seg_header *seg; /* the parent's own segment */
static size_t seg_size;
static char seg_name[64];
static unsigned char *seg_before; /* a copy taken before a child ran */

/* fork-like: a new process with a copy of our memory, no atfork handlers. */
static pid_t raw_clone(void)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0ul, NULL, NULL, 0ul);
}

/* Waits up to secs for pid; kills and reports it when it hangs.  Returns
 * its wait status, or -1 when it had to be killed. */
static int wait_child(pid_t pid, int secs, const char *what)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	int status;

	for (int i = 0; i < secs * 200; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			test_hard_error("waitpid %d: %s", (int)pid, strerror(errno));
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	test_fail_(__FILE__, __LINE__, "%s: child %d hung (killed after %d s)", what, (int)pid,
		   secs);
	return -1;
}

static void expect_exit(int status, int code, const char *what)
{
	if (status < 0)
		return;
	if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == code))
		fprintf(stderr, "  (%s: child status %#x, want exit %d)\n", what, status, code);
}

/* The parent's segment: where it is, and a copy of it for later. */
static void seg_open(void)
{
	const char *name = ht_loaded() ? heaptop_segment_name() : NULL;

	if (!name || !(seg = own_header(&seg_size)))
		test_hard_error("not tracking: run me with LD_PRELOAD=$HEAPTOP_LIB");
	snprintf(seg_name, sizeof(seg_name), "%s", name);
	if (!(seg_before = malloc(seg_size)))
		test_hard_error("out of memory");
}

static void seg_remember(void)
{
	memcpy(seg_before, seg, seg_size);
}

/* Names the part of the segment that holds byte off. */
static const char *seg_part(size_t off)
{
	if (off < seg->header_size)
		return "header";
	if (off < seg->timeline_off)
		return "shards";
	if (!seg->sites_off || off < seg->sites_off)
		return "timeline";
	if (!seg->modules_off || off < seg->modules_off)
		return "sites";
	if (seg->version < 4 || !seg->pending_off || off < seg->pending_off)
		return "modules";
	return "pending region";
}

/* Our segment is exactly as remembered, RUNNING and still named. */
static void seg_untouched(const char *what)
{
	char path[96];
	size_t off = 0;

	while (off < seg_size && ((const unsigned char *)seg)[off] == seg_before[off])
		off++;
	if (!CHECK(off == seg_size))
		fprintf(stderr, "  (%s: the parent's segment changed at byte %zu, in the %s)\n", what,
			off, seg_part(off));
	CHECK_EQ(HDR(seg, state), HEAPTOP_STATE_RUNNING);
	CHECK_EQ(seg->pid, (uint32_t)getpid());
	snprintf(path, sizeof(path), "/dev/shm%s", seg_name);
	if (!CHECK(access(path, F_OK) == 0))
		fprintf(stderr, "  (%s: %s was removed)\n", what, path);
	CHECK_EQ(heaptop_tracking(), 1);
	CHECK_STR(heaptop_segment_name(), seg_name);
}

/*
 * In a clone child: a segment of our own that counts from exactly zero, then
 * exactly our CHILD_ALLOCS blocks.  In a new image (image != 0) the counts
 * start wherever the start-up left them (a sanitizer runtime allocates
 * before main).  Returns the exit code to leave with.
 */
static int child_checks(pid_t parent, int image)
{
	struct heaptop_stats a, b;
	char want[48];
	const char *name = heaptop_segment_name();

	snprintf(want, sizeof(want), "/heaptop.%d.", (int)getpid());
	if (!CHECK(name && strncmp(name, want, strlen(want)) == 0))
		fprintf(stderr, "  (child segment %s, want %s<n>)\n", name ? name : "(none)", want);
	if (!name || strcmp(name, seg_name) == 0)
		return 1;
	note_pid();
	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	if (!image) {
		CHECK_EQ(a.alloc_count, 0);
		CHECK_EQ(a.dealloc_count, 0);
		CHECK_EQ(a.use_curr, 0);
	}
	check_own_churn(&a, &b, CHILD_ALLOCS, CHILD_SIZE);
	CHECK_EQ(b.use_curr, a.use_curr);
	const struct heaptop_seg_header *h = own_header(NULL);
	if (CHECK(h != NULL)) {
		CHECK_EQ(h->pid, (uint32_t)getpid());
		CHECK_EQ(h->ppid, (uint32_t)parent);
		CHECK_EQ(HDR(h, state), HEAPTOP_STATE_RUNNING);
		CHECK_EQ(HDR(h, threads_active), 1);
	}
	return test_failures ? 1 : 0;
}

/* ---- basic --------------------------------------------------------------------- */

enum child_kind {
	ALLOC_EXIT,    /* allocate, leave with exit() */
	ALLOC__EXIT,   /* allocate, leave with _exit() */
	NOTHING_EXIT,  /* never allocate, exit() */
	NOTHING__EXIT, /* never allocate, _exit() */
};

static const char *const kind_names[] = { "allocates, exit()", "allocates, _exit()",
					  "never allocates, exit()", "never allocates, _exit()" };

static void one_child(enum child_kind kind, const char *what)
{
	struct heaptop_stats a, b;
	pid_t parent = getpid();

	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	seg_remember();
	pid_t pid = raw_clone();
	if (pid < 0)
		test_hard_error("clone: %s", strerror(errno));
	if (pid == 0) {
		test_checks = test_failures = 0;
		int rc = kind <= ALLOC__EXIT ? child_checks(parent, 0) : 7;
		if (kind == ALLOC_EXIT || kind == NOTHING_EXIT)
			exit(rc);
		_exit(rc);
	}
	int status = wait_child(pid, 10, what);
	seg_untouched(what);
	read_stats(&b, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(b.alloc_count, a.alloc_count);
	CHECK_EQ(b.dealloc_count, a.dealloc_count);
	expect_exit(status, kind <= ALLOC__EXIT ? 0 : 7, what);
	/* The child's segment is gone with it (HEAPTOP_KEEP keeps it for the script). */
	if (kind > ALLOC__EXIT || !getenv("HEAPTOP_KEEP")) {
		char glob[64];
		snprintf(glob, sizeof(glob), "/dev/shm/heaptop.%d.0", (int)pid);
		if (!CHECK(access(glob, F_OK) != 0))
			fprintf(stderr, "  (%s: %s left behind)\n", what, glob);
	}
}

static pthread_barrier_t park;

static void *parked(void *arg)
{
	free(malloc(100 + (uintptr_t)arg)); /* owns a shard */
	pthread_barrier_wait(&park);
	pthread_barrier_wait(&park);
	return NULL;
}

static int run_basic(void)
{
	char what[96];
	pthread_t th[4];

	seg_open();
	free(malloc(1));
	for (int k = ALLOC_EXIT; k <= NOTHING__EXIT; k++) {
		snprintf(what, sizeof(what), "raw clone, child %s", kind_names[k]);
		one_child((enum child_kind)k, what);
	}
	/* Four parked threads own shards of the parent: the child has only itself. */
	pthread_barrier_init(&park, NULL, 5);
	for (uintptr_t i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, parked, (void *)i) != 0)
			test_hard_error("pthread_create");
	pthread_barrier_wait(&park);
	one_child(ALLOC_EXIT, "raw clone with four parked threads");
	pthread_barrier_wait(&park);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/* ---- busy: raw clones while other threads allocate ---------------------------- */

static int stop_flag;

static void *busy_worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
	void *keep[32] = { 0 };

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		for (int i = 0; i < 32; i++) {
			seed = seed * 1103515245 + 12345;
			free(keep[i]);
			keep[i] = malloc(1 + (seed >> 8) % 2000); /* never bucket 12 */
		}
	}
	for (int i = 0; i < 32; i++)
		free(keep[i]);
	return NULL;
}

static int run_busy(unsigned n)
{
	struct heaptop_stats a, b;
	pthread_t th[3];
	unsigned bucket = heaptop_hist_bucket(CHILD_SIZE), hung = 0;
	pid_t parent = getpid();

	seg_open();
	free(malloc(1));
	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	for (uintptr_t i = 0; i < 3; i++)
		if (pthread_create(&th[i], NULL, busy_worker, (void *)i) != 0)
			test_hard_error("pthread_create");
	for (unsigned i = 0; i < n; i++) {
		pid_t pid = raw_clone();
		if (pid < 0)
			test_hard_error("clone: %s", strerror(errno));
		if (pid == 0) {
			test_checks = test_failures = 0;
			_exit(child_checks(parent, 0));
		}
		int status = wait_child(pid, 10, "raw clone while threads allocate");
		if (status < 0)
			hung++;
		else
			expect_exit(status, 0, "raw clone while threads allocate");
		if (hung >= 3)
			break;
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	read_stats(&b, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(b.hist[HEAPTOP_HIST_ALLOC][bucket] - a.hist[HEAPTOP_HIST_ALLOC][bucket], 0);
	CHECK_EQ(HDR(seg, state), HEAPTOP_STATE_RUNNING);
	fprintf(stderr, "busy: %u raw clones, %u hung\n", n, hung);
	return 0;
}

/* ---- vfork-like clone + exec ---------------------------------------------------- */

struct exec_req {
	const char *path;
	char *const *argv;
};

extern char **environ;

/* Runs on its own stack while the parent waits (CLONE_VFORK), sharing our
 * memory: it calls nothing but execve and _exit. */
static int exec_child(void *arg)
{
	const struct exec_req *r = arg;

	execve(r->path, r->argv, environ);
	_exit(127);
}

static void one_vfork(const char *path, int want, const char *what)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	char parent[24];
	char *argv[] = { (char *)path, (char *)"exec-child", parent, NULL };
	struct exec_req r = { path, argv };
	struct heaptop_stats a, b;

	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	seg_remember();
	pid_t pid = clone(exec_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &r);
	if (pid < 0)
		test_hard_error("clone(CLONE_VM | CLONE_VFORK): %s", strerror(errno));
	int status = wait_child(pid, 20, what);
	seg_untouched(what);
	read_stats(&b, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(b.alloc_count, a.alloc_count);
	CHECK_EQ(b.dealloc_count, a.dealloc_count);
	expect_exit(status, want, what);
}

static int run_vfork(const char *self)
{
	seg_open();
	free(malloc(1));
	one_vfork(self, 0, "clone(CLONE_VM | CLONE_VFORK) + execve");
	one_vfork("/nonexistent/heaptop-rel-nothing", 127,
		  "clone(CLONE_VM | CLONE_VFORK), execve fails, _exit(127)");
	/* Still counting after the child's _exit ran our hook on our memory. */
	struct heaptop_stats a, b;
	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	free(malloc(CHILD_SIZE));
	read_stats(&b, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(b.alloc_count - a.alloc_count, 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "exec-child") == 0) {
		seg_name[0] = '\0';
		return child_checks((pid_t)atoi(argv[2]), 1);
	}
	note_pid();
	if (argc >= 2 && strcmp(argv[1], "basic") == 0)
		run_basic();
	else if (argc >= 3 && strcmp(argv[1], "busy") == 0)
		run_busy((unsigned)strtoul(argv[2], NULL, 10));
	else if (argc >= 2 && strcmp(argv[1], "vfork") == 0)
		run_vfork("/proc/self/exe");
	else
		test_hard_error("usage: rawclone basic | busy N | vfork | exec-child PARENT");
	return test_summary(argv[1]);
}
