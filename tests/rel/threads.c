/*
 * tests/rel/threads.c - thread churn and crowds under the preload, with
 * glibc's own thread stacks (pthread_attr_setstacksize) and its stack cache
 * left on (tests/rel/threads.sh; reliability.md §3, §10.4).
 *
 *   threads churn N TLSMOD   N short-lived threads in waves of 64.  Each
 *       allocates into a _Thread_local object whose destructor
 *       (__cxa_thread_atexit_impl, as C++ thread_local) frees it and hands a
 *       new block to whichever thread comes next; a pthread key destructor
 *       that runs after heaptop's own allocates, frees, and frees the block
 *       the thread in the same slot of the previous wave (joined, so gone)
 *       left behind; half the threads first touch the dlopen'ed TLSMOD's
 *       __thread array only in that late destructor, so __tls_get_addr
 *       mallocs during teardown and glibc frees the block later from
 *       another thread.
 *   threads crowd N [DIR]    N threads alive at once on 64 KiB stacks behind
 *       a barrier: exactly min(N, SHARDS - 2) own a shard, the rest share
 *       shard 0, and the header says so (threads_active, shard_misses); the
 *       totals are exact while they all wait and after they free each
 *       other's blocks and exit.  With DIR, writes DIR/ready while they wait
 *       and goes on when DIR/go exists (the shell test reads the segment
 *       with the viewer meanwhile).
 *   threads late N           N threads whose first allocation happens in
 *       the last round of pthread key destructors: their counts are kept,
 *       and their shards (heaptop's key destructor never runs for them)
 *       are taken over by later threads, so a new thread gets a shard.
 *
 * Every check compares heaptop's process counters with the ledger of
 * tests/rel/relcheck.h: the live blocks and bytes are exactly the test's,
 * and glibc's own blocks (dynamic TLS, thread_local records) balance.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "relcheck.h"

#define WAVE 64
#define SMALL_STACK (64 * 1024)

extern void *__dso_handle;
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso);

static pthread_attr_t small_attr;

static void attr_init(void)
{
	pthread_attr_init(&small_attr);
	if (pthread_attr_setstacksize(&small_attr, SMALL_STACK) != 0)
		test_hard_error("pthread_attr_setstacksize(%d)", SMALL_STACK);
}

static void *idle_worker(void *arg)
{
	return arg;
}

/*
 * WAVE threads that allocate nothing: they take every stack glibc's cache
 * holds (WAVE of them, all of one size), and glibc frees the dynamic TLS
 * block each still held from its last thread (get_cached_stack) without
 * making a new one.  After this no block of glibc's is left over from
 * earlier threads.  Needed for an exact use_curr: such a block's usable size
 * is malloc's choice (16 bytes more when it handed out a free chunk whole),
 * so the blocks cached at the baseline and at the end can differ in bytes
 * though not in number.
 */
static void drain_stack_cache(void)
{
	pthread_t th[WAVE];

	for (unsigned i = 0; i < WAVE; i++)
		if (pthread_create(&th[i], &small_attr, idle_worker, NULL) != 0)
			test_hard_error("pthread_create");
	for (unsigned i = 0; i < WAVE; i++)
		pthread_join(th[i], NULL);
}

/* ---- churn ------------------------------------------------------------------- */

static unsigned (*touch_tls)(unsigned);
static pthread_key_t late_key;
static void *relay;              /* handed from one dying thread to the next */
static void *inherit[WAVE];      /* left by slot i of the previous wave */

struct tl_state {
	void *obj;
	unsigned seq, slot;
};
static _Thread_local struct tl_state tl;

/* thread_local destructor: runs first, while the thread still owns its shard. */
static void tl_dtor(void *arg)
{
	struct tl_state *s = arg;

	led_free(s->obj);
	s->obj = NULL;
	void *old = __atomic_exchange_n(&relay, led_malloc(56), __ATOMIC_ACQ_REL);
	if (old)
		led_free(old); /* another thread's, maybe one that has exited */
}

/* Key destructor created after heaptop's: runs after heaptop handed the shard back. */
static void late_dtor(void *v)
{
	led_free(v);
	if (tl.seq % 2 == 0)
		touch_tls(tl.seq); /* first touch: __tls_get_addr mallocs now */
	void *old = inherit[tl.slot];
	inherit[tl.slot] = led_malloc(88 + tl.seq % 64);
	if (old)
		led_free(old); /* from the previous wave: joined, gone */
	led_free(led_malloc(1000));
}

static void *churn_worker(void *arg)
{
	unsigned seq = (unsigned)(uintptr_t)arg;

	tl.seq = seq;
	tl.slot = seq % WAVE;
	tl.obj = led_malloc(24 + seq % 300);
	if (__cxa_thread_atexit_impl(tl_dtor, &tl, &__dso_handle) != 0)
		test_hard_error("__cxa_thread_atexit_impl");
	if (seq % 2)
		touch_tls(seq);
	pthread_setspecific(late_key, led_malloc(40));
	void *p = led_calloc(3, 50);
	p = led_realloc(p, 400 + seq % 100);
	led_free(p);
	return NULL;
}

/* One wave of n threads from sequence number first; all joined. */
static void churn_wave(unsigned first, unsigned n)
{
	pthread_t th[WAVE];

	for (unsigned i = 0; i < n; i++) {
		int rc = pthread_create(&th[i], &small_attr, churn_worker,
					(void *)(uintptr_t)(first + i));
		if (rc != 0)
			test_hard_error("pthread_create after %u threads: %s", first + i, strerror(rc));
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static int run_churn(unsigned n, const char *tlsmod)
{
	struct heaptop_stats base;
	void *mod = dlopen(tlsmod, RTLD_NOW);

	if (!mod || !(*(void **)&touch_tls = dlsym(mod, "tlsmod_touch")))
		test_hard_error("cannot load %s: %s", tlsmod, dlerror());
	if (pthread_key_create(&late_key, late_dtor) != 0)
		test_hard_error("pthread_key_create");
	attr_init();
	/*
	 * A first wave fills glibc's stack cache: later waves reuse those
	 * stacks.  Each cached stack holds its last thread's dynamic TLS block
	 * until a new thread takes it; draining the cache before the baseline
	 * and after the last wave frees them all, so every one of glibc's
	 * blocks counted in between is freed in between too.
	 */
	churn_wave(0, WAVE);
	for (unsigned i = 0; i < WAVE; i++) {
		free(inherit[i]);
		inherit[i] = NULL;
	}
	free(relay);
	relay = NULL;
	drain_stack_cache();
	ledger_begin(&base);
	for (unsigned done = 0; done < n; done += WAVE)
		churn_wave(WAVE + done, n - done < WAVE ? n - done : WAVE);
	drain_stack_cache();
	/* Live now: the relay block and one per slot. */
	unsigned slots = n < WAVE ? n : WAVE;
	CHECK_EQ(led.allocs - led.frees, slots + 1);
	uint64_t extra = ledger_check(&base, "churn");
	/* Each thread's dynamic TLS block and thread_local record went through the hooks. */
	if (!CHECK(extra >= 2ull * n))
		fprintf(stderr, "  (glibc made %llu blocks for %u threads' dynamic TLS and "
			"thread_local records)\n", (unsigned long long)extra, n);
	for (unsigned i = 0; i < WAVE; i++)
		if (inherit[i])
			led_free(inherit[i]);
	led_free(relay);
	ledger_check(&base, "churn, all freed");
	CHECK_EQ(led.allocs, 6ull * n);
	return 0;
}

/* ---- crowd ------------------------------------------------------------------- */

static pthread_barrier_t crowd_gate;
static void **ring, **left;
static unsigned ring_n;
static unsigned own_readers, shared_readers;

static void *crowd_worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct heaptop_stats st;

	ring[id] = led_malloc(16 + id % 1000);
	int rc = heaptop_stats_read(&st, HEAPTOP_SCOPE_THREAD);
	if (rc == 0)
		__atomic_fetch_add(&own_readers, 1, __ATOMIC_RELAXED);
	else if (rc == -EAGAIN)
		__atomic_fetch_add(&shared_readers, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&crowd_gate); /* everyone alive and counted */
	pthread_barrier_wait(&crowd_gate); /* main has looked */
	led_free(ring[(id + 1) % ring_n]); /* the neighbour's */
	left[id] = led_malloc(8 + id % 64);
	return NULL;
}

/* Writes dir/ready, then waits (bounded) for dir/go. */
static void pause_for_shell(const char *dir)
{
	char path[PATH_MAX];
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	snprintf(path, sizeof(path), "%s/ready", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		test_hard_error("cannot create %s", path);
	close(fd);
	snprintf(path, sizeof(path), "%s/go", dir);
	for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		nanosleep(&tick, NULL);
	if (!CHECK(access(path, F_OK) == 0))
		fprintf(stderr, "  (nobody created %s within 60 s)\n", path);
}

static int run_crowd(unsigned n, const char *dir)
{
	const struct heaptop_seg_header *h;
	struct heaptop_stats base, mid;
	pthread_t *th = calloc(n, sizeof(*th));

	ring = calloc(n, sizeof(*ring));
	left = calloc(n, sizeof(*left));
	if (!th || !ring || !left)
		test_hard_error("out of memory");
	ring_n = n;
	attr_init();
	if (pthread_barrier_init(&crowd_gate, NULL, n + 1) != 0)
		test_hard_error("pthread_barrier_init");
	free(malloc(1)); /* main owns its shard before the baseline */
	if (!(h = own_header(NULL)))
		test_hard_error("cannot map my own segment");
	uint32_t shards = h->shard_count, active0 = HDR(h, threads_active);
	uint64_t misses0 = HDR(h, shard_misses), total0 = HDR(h, threads_total);
	CHECK_EQ(active0, 1);
	ledger_begin(&base);
	for (unsigned i = 0; i < n; i++) {
		int rc = pthread_create(&th[i], &small_attr, crowd_worker, (void *)(uintptr_t)i);
		if (rc != 0)
			test_hard_error("only %u of %u threads could be created: %s", i, n, strerror(rc));
	}
	pthread_barrier_wait(&crowd_gate);

	/* Everyone is alive, has allocated, and waits: the counters are quiet. */
	unsigned owners = shards - 2 < n ? shards - 2 : n;
	CHECK_EQ(own_readers, owners);
	CHECK_EQ(shared_readers, n - owners);
	CHECK_EQ(HDR(h, threads_active), 1 + owners);
	CHECK_EQ(HDR(h, shard_misses) - misses0, n - owners);
	CHECK(HDR(h, threads_max) >= 1 + owners);
	CHECK(HDR(h, shards_used) <= shards);
	CHECK_EQ(HDR(h, threads_total) - total0, owners);
	/* Summed over 1 + owners shards and the shared one while they are all in use. */
	read_stats(&mid, HEAPTOP_SCOPE_PROCESS);
	CHECK(mid.alloc_count - base.alloc_count >= led.allocs);
	CHECK(mid.alloc_count - mid.dealloc_count >= base.alloc_count - base.dealloc_count + n);
	CHECK(mid.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(16)] -
		      base.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(16)] >=
	      led.hist[heaptop_hist_bucket(16)]);
	fprintf(stderr, "crowd: %u threads alive on %u shards: %u own one, %u share shard 0\n", n,
		shards, owners, n - owners);
	if (dir)
		pause_for_shell(dir);
	pthread_barrier_wait(&crowd_gate);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(HDR(h, threads_active), 1);
	CHECK_EQ(led.allocs - led.frees, n);
	ledger_check(&base, "crowd");
	for (unsigned i = 0; i < n; i++)
		led_free(left[i]); /* allocated by threads that are gone */
	ledger_check(&base, "crowd, all freed");
	CHECK_EQ(led.allocs, 2ull * n);
	return 0;
}

/* ---- late: first allocation in the last destructor round ----------------------- */

static pthread_key_t round_key;
static _Thread_local unsigned rounds_seen;
static void **late_blocks;
static unsigned late_n;

static void round_dtor(void *v)
{
	(void)v;
	if (++rounds_seen < PTHREAD_DESTRUCTOR_ITERATIONS) {
		pthread_setspecific(round_key, (void *)1); /* ask for another round */
		return;
	}
	/* The last round glibc runs: this thread's first allocations. */
	void *p = led_malloc(64);
	led_free(p);
	unsigned i = __atomic_fetch_add(&late_n, 1, __ATOMIC_RELAXED);
	late_blocks[i] = led_malloc(32);
}

static void *late_worker(void *arg)
{
	(void)arg;
	pthread_setspecific(round_key, (void *)1); /* no allocation: key index < 32 */
	return NULL;
}

static void *probe_worker(void *arg)
{
	struct heaptop_stats st;

	free(malloc(8));
	*(int *)arg = heaptop_stats_read(&st, HEAPTOP_SCOPE_THREAD);
	return NULL;
}

static int run_late(unsigned n)
{
	const struct heaptop_seg_header *h;
	struct heaptop_stats base;
	pthread_t th[WAVE];
	int probe = 1;

	late_blocks = calloc(n, sizeof(*late_blocks));
	if (!late_blocks || pthread_key_create(&round_key, round_dtor) != 0)
		test_hard_error("setup");
	attr_init();
	free(malloc(1));
	if (!(h = own_header(NULL)))
		test_hard_error("cannot map my own segment");
	uint32_t active0 = HDR(h, threads_active);
	/* Fill glibc's stack cache first (see run_churn). */
	for (unsigned i = 0; i < WAVE; i++)
		if (pthread_create(&th[i], &small_attr, idle_worker, NULL) != 0)
			test_hard_error("pthread_create");
	for (unsigned i = 0; i < WAVE; i++)
		pthread_join(th[i], NULL);
	ledger_begin(&base);
	for (unsigned done = 0; done < n; done += WAVE) {
		unsigned k = n - done < WAVE ? n - done : WAVE;
		for (unsigned i = 0; i < k; i++)
			if (pthread_create(&th[i], &small_attr, late_worker, NULL) != 0)
				test_hard_error("pthread_create");
		for (unsigned i = 0; i < k; i++)
			pthread_join(th[i], NULL);
	}
	CHECK_EQ(late_n, n);
	ledger_check(&base, "late");
	for (unsigned i = 0; i < late_n; i++)
		led_free(late_blocks[i]);
	ledger_check(&base, "late, all freed");
	/* Gone threads don't keep their shards: a thread that finds none free
	 * takes over one whose owner died (lib/shard.c), so a new thread still
	 * gets a shard of its own.  Until then a dead owner still counts in
	 * threads_active, never more of them than there are shards. */
	pthread_create(&th[0], &small_attr, probe_worker, &probe);
	pthread_join(th[0], NULL);
	uint32_t leaked = HDR(h, threads_active) - active0;
	if (!CHECK(leaked < HDR(h, shard_count)))
		fprintf(stderr, "  (%u shards are still owned by threads that exited)\n", leaked);
	if (!CHECK_EQ(probe, 0))
		fprintf(stderr, "  (a new thread found no free shard: %d)\n", probe);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;

	note_pid();
	if (argc >= 4 && strcmp(argv[1], "churn") == 0)
		run_churn(n, argv[3]);
	else if (argc >= 3 && strcmp(argv[1], "crowd") == 0)
		run_crowd(n, argc > 3 ? argv[3] : NULL);
	else if (argc >= 3 && strcmp(argv[1], "late") == 0)
		run_late(n);
	else
		test_hard_error("usage: threads churn N TLSMOD | crowd N [DIR] | late N");
	return test_summary(argv[1]);
}
