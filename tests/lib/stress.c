/*
 * tests/lib/stress.c - many threads, and nothing lost (tests/lib/stress.sh).
 *
 *   stress cross THREADS ROUNDS SHARDS  threads allocate, hand blocks to each
 *       other through a mailbox, free what others allocated (also after the
 *       allocator exited), realloc, and some exit mid-run; with more threads
 *       than SHARDS (= $HEAPTOP_SHARDS) the overflow shard 0 is used and
 *       exactly the right number of threads can read their own shard.
 *   stress many THREADS                 THREADS threads alive at once, each
 *       freeing its neighbour's block; main frees the rest after they exited.
 *   stress tls THREADS                  short-lived threads in waves whose
 *       thread_local (__cxa_thread_atexit_impl) and pthread key destructors
 *       allocate and free after heaptop's own key destructor ran.
 *   stress peak THREADS MIB SLACK       use_max within the documented bound
 *       of the true peak (SLACK = $HEAPTOP_PEAK_SLACK; exact at 0).
 *
 * The check is always the same: once every thread is joined, the process
 * counters moved by exactly what the test did.  glibc's own per-thread
 * allocations (the DTV of each thread) are made balanced by giving every
 * thread a stack of ours: glibc then frees the DTV at join instead of
 * caching it with the stack.  Run with LD_PRELOAD="libheaptop.so:
 * libhtcountshim.so", the counting allocator below heaptop sees every call
 * heaptop forwarded, glibc's included, and the totals must equal its counts
 * exactly (tests/lib/countshim.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "heaptop.h"
#include "mailbox.h"
#include "countshim.h"

#define STACK_SIZE (128 * 1024)

/* The counting allocator below heaptop, when it is there, and its counts
 * (allocating calls, frees of blocks, reallocs of blocks) at read_begin. */
static countshim_counts_fn shim_counts;
static uint64_t shim_begin[SHIM_KINDS];

/* The totals the test knows (atomic adds from every thread). */
static uint64_t my_allocs, my_frees, my_live_usable;
static uint64_t my_hist[HEAPTOP_HIST_BUCKETS];

static void count_alloc(void *p, size_t req)
{
	if (!p)
		test_hard_error("out of memory");
	__atomic_fetch_add(&my_allocs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&my_live_usable, malloc_usable_size(p), __ATOMIC_RELAXED);
	__atomic_fetch_add(&my_hist[heaptop_hist_bucket(req)], 1, __ATOMIC_RELAXED);
}

static void *t_malloc(size_t n)
{
	void *p = malloc(n);
	count_alloc(p, n);
	return p;
}

static void t_free(void *p)
{
	__atomic_fetch_sub(&my_live_usable, malloc_usable_size(p), __ATOMIC_RELAXED);
	__atomic_fetch_add(&my_frees, 1, __ATOMIC_RELAXED);
	free(p);
}

static void *t_realloc(void *p, size_t n)
{
	size_t old = malloc_usable_size(p);
	void *q = realloc(p, n);
	if (!q)
		test_hard_error("out of memory");
	__atomic_fetch_sub(&my_live_usable, old, __ATOMIC_RELAXED);
	__atomic_fetch_add(&my_live_usable, malloc_usable_size(q), __ATOMIC_RELAXED);
	return q;
}

static void read_proc(struct heaptop_stats *st)
{
#ifndef HEAPTOP_BUILDING_LIB /* the TSan build links the library in */
	if (!heaptop_stats_read)
		test_hard_error("libheaptop is not loaded");
#endif
	int rc = heaptop_stats_read(st, HEAPTOP_SCOPE_PROCESS);
	if (rc != 0)
		test_hard_error("heaptop_stats_read: %d", rc);
}

/* Reads the process counters at the start of a check (and the shim's). */
static void read_begin(struct heaptop_stats *st)
{
	read_proc(st);
	if (shim_counts)
		shim_counts(shim_begin);
}

/* With the shim below: every call counted, glibc's included, exactly. */
static void check_against_shim(const struct heaptop_stats *a, const struct heaptop_stats *b,
			       const char *what)
{
	uint64_t s[SHIM_KINDS], counted[SHIM_KINDS];

	shim_counts(s);
	for (int k = 0; k < SHIM_KINDS; k++)
		s[k] -= shim_begin[k];
	countshim_expected(a, b, counted);
	fprintf(stderr, "%s: the allocator below saw %llu allocs, %llu frees, %llu reallocs\n", what,
		(unsigned long long)s[SHIM_ALLOCS], (unsigned long long)s[SHIM_FREES],
		(unsigned long long)s[SHIM_REALLOCS]);
	for (int k = 0; k < SHIM_KINDS; k++)
		CHECK_EQ(counted[k], s[k]);
}

/*
 * After every thread is joined: the counters moved by what the test did.
 * glibc's own allocations (thread DTVs) are all freed again, so they cancel
 * in alloc - dealloc and in the bytes, and show as extra calls only.
 */
static void check_nothing_lost(const struct heaptop_stats *a, const char *what)
{
	struct heaptop_stats b;
	uint64_t allocs, frees, extra_allocs, extra_frees, hist_excess = 0;

	read_proc(&b);
	allocs = b.alloc_count - a->alloc_count;
	frees = b.dealloc_count - a->dealloc_count;
	CHECK(allocs >= my_allocs);
	CHECK(frees >= my_frees);
	extra_allocs = allocs - my_allocs;
	extra_frees = frees - my_frees;
	if (!CHECK_EQ(extra_allocs, extra_frees))
		fprintf(stderr, "  (%s: counted %llu allocs, %llu frees; the test made %llu, %llu)\n",
			what, (unsigned long long)allocs, (unsigned long long)frees,
			(unsigned long long)my_allocs, (unsigned long long)my_frees);
	/* Live blocks and live bytes: exactly the test's. */
	CHECK_EQ(allocs - frees, my_allocs - my_frees);
	CHECK_EQ(b.use_curr - a->use_curr, my_live_usable);
	CHECK_EQ(b.untracked_count - a->untracked_count, 0);
	CHECK_EQ(b.untracked_free_count - a->untracked_free_count, 0);
	CHECK_EQ(b.alloc_fail_count - a->alloc_fail_count, 0);
	/* Every bucket holds at least the test's blocks; the rest are the extra calls. */
	for (int k = 0; k < HEAPTOP_HIST_BUCKETS; k++) {
		uint64_t got = b.hist[HEAPTOP_HIST_ALLOC][k] - a->hist[HEAPTOP_HIST_ALLOC][k];
		if (!CHECK(got >= my_hist[k]))
			fprintf(stderr, "  (%s: bucket %d has %llu, the test made %llu)\n", what, k,
				(unsigned long long)got, (unsigned long long)my_hist[k]);
		else
			hist_excess += got - my_hist[k];
	}
	CHECK_EQ(hist_excess, extra_allocs);
	fprintf(stderr, "%s: %llu allocs, %llu frees by the test; %llu by glibc\n", what,
		(unsigned long long)my_allocs, (unsigned long long)my_frees,
		(unsigned long long)extra_allocs);
	if (shim_counts)
		check_against_shim(a, &b, what);
}

/* Stacks of our own, reused by every wave (see the top comment). */
static char *stacks;
static unsigned nstacks;

static void stacks_init(unsigned n)
{
	stacks = mmap(NULL, (size_t)n * STACK_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (stacks == MAP_FAILED)
		test_hard_error("mmap of %u stacks failed", n);
	nstacks = n;
}

static int spawn(pthread_t *th, unsigned slot, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int rc;

	if (slot >= nstacks)
		test_hard_error("stack slot %u of %u", slot, nstacks);
	pthread_attr_init(&attr);
#ifndef STRESS_TSAN /* there glibc's blocks bypass the hooks; TSan wants its own stacks */
	pthread_attr_setstack(&attr, stacks + (size_t)slot * STACK_SIZE, STACK_SIZE);
#endif
	rc = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

/* --- cross: a mailbox of blocks, early exits, the overflow shard ---------- */

#define MAILBOX 4096

static void *mail_slots[MAILBOX];
static struct mailbox mail = MAILBOX_INIT(mail_slots);
static pthread_barrier_t claimed;
static int own_shard_readers, shared_shard_readers;

struct cross_arg {
	unsigned id, rounds;
};

static void *cross_worker(void *arg)
{
	const struct cross_arg *c = arg;
	unsigned seed = c->id * 7919 + 1;
	void *mine[16];
	struct heaptop_stats st;

	/* Claim a shard (or not) with the first allocation, then see which it was. */
	void *first = t_malloc(24);
	pthread_barrier_wait(&claimed);
	int rc = heaptop_stats_read(&st, HEAPTOP_SCOPE_THREAD);
	if (rc == 0)
		__atomic_fetch_add(&own_shard_readers, 1, __ATOMIC_RELAXED);
	else if (rc == -EAGAIN)
		__atomic_fetch_add(&shared_shard_readers, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&claimed);
	mailbox_put(&mail, first, t_free);

	/* Threads with an odd id leave after a quarter of the rounds. */
	unsigned rounds = c->id % 2 ? c->rounds / 4 : c->rounds;
	for (unsigned r = 0; r < rounds; r++) {
		for (int i = 0; i < 16; i++) {
			seed = seed * 1103515245 + 12345;
			size_t n = 1 + (seed >> 8) % (i == 0 ? 70000 : 600);
			mine[i] = (seed >> 4) % 3 ? t_malloc(n) : NULL;
			if (!mine[i]) {
				mine[i] = calloc(1, n);
				count_alloc(mine[i], n);
			}
		}
		for (int i = 0; i < 16; i += 4)
			mine[i] = t_realloc(mine[i], 1 + (seed >> 3) % 3000);
		for (int i = 0; i < 16; i++) {
			if (i % 3 == 0)
				mailbox_put(&mail, mine[i], t_free); /* someone else frees it, maybe after we exit */
			else
				t_free(mine[i]);
		}
		for (int i = 0; i < 4; i++) {
			void *p = mailbox_take(&mail);
			if (p)
				t_free(p);
		}
	}
	return NULL;
}

static void *warm_worker(void *arg)
{
	(void)arg;
	free(malloc(10));
	return NULL;
}

static int run_cross(unsigned nthreads, unsigned rounds, unsigned shards)
{
	pthread_t th[4096];
	struct cross_arg args[256];
	struct heaptop_stats a;
	unsigned keep = 100; /* blocks the test leaves live on purpose */

	if (nthreads > 256)
		test_hard_error("at most 256 threads");
	stacks_init(nthreads > shards ? nthreads : shards);
	void *warm = t_malloc(1); /* main owns its shard before the baseline */
	t_free(warm);
	/* A first wave takes every shard and exits: they must all come back. */
	for (unsigned i = 0; i < shards; i++)
		if (spawn(&th[i], i, warm_worker, NULL) != 0)
			test_hard_error("pthread_create");
	for (unsigned i = 0; i < shards; i++)
		pthread_join(th[i], NULL);
	read_begin(&a);
	my_allocs = my_frees = my_live_usable = 0;
	memset(my_hist, 0, sizeof(my_hist));
	pthread_barrier_init(&claimed, NULL, nthreads);
	for (unsigned i = 0; i < nthreads; i++) {
		args[i].id = i;
		args[i].rounds = rounds;
		if (spawn(&th[i], i, cross_worker, &args[i]) != 0)
			test_hard_error("pthread_create %u", i);
	}
	/* Read while they run: sums never go backwards. */
	uint64_t prev = 0;
	for (int i = 0; i < 200; i++) {
		struct heaptop_stats st;
		read_proc(&st);
		CHECK(st.alloc_count >= prev);
		prev = st.alloc_count;
		usleep(200);
	}
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	/* Main frees what is left in the mailbox, except `keep` blocks. */
	while (mail.n > keep)
		t_free(mailbox_take(&mail));
	check_nothing_lost(&a, "cross");
	CHECK_EQ(my_allocs - my_frees, mail.n);

	/* Shards: main holds one, so SHARDS - 2 workers own one, the rest share shard 0. */
	unsigned owners = shards - 2 < nthreads ? shards - 2 : nthreads;
	CHECK_EQ(own_shard_readers, owners);
	CHECK_EQ(shared_shard_readers, nthreads - owners);
	while (mail.n > 0)
		t_free(mailbox_take(&mail));
	check_nothing_lost(&a, "cross, all freed");
	pthread_barrier_destroy(&claimed);
	return 0;
}

/* --- many: THREADS alive at once ---------------------------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static unsigned gate_arrived, gate_open_flag;
static void **ring, **leftover;
static unsigned ring_n;

static void *many_worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	ring[id] = t_malloc(16 + id % 512);
	leftover[id] = t_malloc(8 + id % 64);
	pthread_mutex_lock(&gate_lock);
	gate_arrived++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open_flag)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	t_free(ring[(id + 1) % ring_n]); /* the neighbour's block */
	return NULL;
}

static int run_many(unsigned nthreads)
{
	pthread_t *th = calloc(nthreads, sizeof(*th));
	struct heaptop_stats a;
	unsigned created = 0;

	ring = calloc(nthreads, sizeof(*ring));
	leftover = calloc(nthreads, sizeof(*leftover));
	if (!th || !ring || !leftover)
		test_hard_error("out of memory");
	stacks_init(nthreads);
	read_begin(&a);
	my_allocs = my_frees = my_live_usable = 0;
	memset(my_hist, 0, sizeof(my_hist));
	ring_n = nthreads;
	for (; created < nthreads; created++)
		if (spawn(&th[created], created, many_worker, (void *)(uintptr_t)created) != 0)
			break;
	if (created < nthreads) {
		fprintf(stderr, "stress many: only %u of %u threads could be created\n", created,
			nthreads);
		ring_n = created; /* neighbours wrap around what exists */
	}
	CHECK(created >= (nthreads < 1024 ? nthreads : 1024));
	pthread_mutex_lock(&gate_lock);
	while (gate_arrived < created)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_open_flag = 1; /* every thread is alive and has allocated */
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	for (unsigned i = 0; i < created; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < created; i++)
		t_free(leftover[i]); /* allocated by threads that are gone */
	check_nothing_lost(&a, "many");
	CHECK_EQ(my_allocs, 2ull * created);
	CHECK_EQ(my_live_usable, 0);
	return 0;
}

/* --- tls: allocations after heaptop's own thread-exit destructor ---------- */

extern void *__dso_handle;
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso);

static pthread_key_t late_key;
static pthread_mutex_t grave_lock = PTHREAD_MUTEX_INITIALIZER;
static void **grave;
static unsigned grave_n, grave_cap;
static _Thread_local void *tl_block;
static _Thread_local int tl_rounds;

/* Blocks allocated by dying threads, freed by main later. */
static void bury(void *p)
{
	pthread_mutex_lock(&grave_lock);
	if (grave_n < grave_cap) {
		grave[grave_n++] = p;
		p = NULL;
	}
	pthread_mutex_unlock(&grave_lock);
	if (p)
		t_free(p);
}

/* A C++-style thread_local destructor: runs before the pthread keys'. */
static void tl_dtor(void *obj)
{
	(void)obj;
	t_free(tl_block);
	tl_block = NULL;
	bury(t_malloc(40));
}

/* Runs after heaptop's key destructor (our key was created later). */
static void late_dtor(void *v)
{
	t_free(v);
	void *tmp = t_malloc(100);
	t_free(tmp);
	bury(t_malloc(72));
	if (++tl_rounds == 1)
		pthread_setspecific(late_key, t_malloc(16)); /* a second round */
}

static void *tls_worker(void *arg)
{
	(void)arg;
	tl_block = t_malloc(64);
	if (__cxa_thread_atexit_impl(tl_dtor, NULL, &__dso_handle) != 0)
		test_hard_error("__cxa_thread_atexit_impl");
	pthread_setspecific(late_key, t_malloc(32));
	void *p = t_malloc(200);
	t_free(p);
	return NULL;
}

static int run_tls(unsigned nthreads)
{
	enum { WAVE = 64 };
	pthread_t th[WAVE];
	struct heaptop_stats a;

	grave_cap = 4 * nthreads + 16;
	grave = malloc(grave_cap * sizeof(*grave));
	if (!grave)
		test_hard_error("out of memory");
	/* Created now, after the library's key: its destructor runs after heaptop's. */
	if (pthread_key_create(&late_key, late_dtor) != 0)
		test_hard_error("pthread_key_create");
	stacks_init(WAVE);
	read_begin(&a);
	my_allocs = my_frees = my_live_usable = 0;
	memset(my_hist, 0, sizeof(my_hist));
	for (unsigned done = 0; done < nthreads;) {
		unsigned n = nthreads - done < WAVE ? nthreads - done : WAVE;
		for (unsigned i = 0; i < n; i++)
			if (spawn(&th[i], i, tls_worker, NULL) != 0)
				test_hard_error("pthread_create after %u threads", done + i);
		for (unsigned i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		done += n;
	}
	CHECK_EQ(grave_n, 3ull * nthreads);
	CHECK_EQ(my_allocs - my_frees, grave_n);
	while (grave_n > 0)
		t_free(grave[--grave_n]);
	check_nothing_lost(&a, "tls");
	CHECK_EQ(my_allocs, 9ull * nthreads); /* 3 in the thread, 1 + 3 + 2 in destructors */
	return 0;
}

/* --- peak: the use_max error bound with threads ---------------------------- */

#define PEAK_BLOCK (16 * 1024)

static pthread_barrier_t peak_barrier;
static size_t peak_bytes;

static void *peak_worker(void *arg)
{
	size_t n = peak_bytes / PEAK_BLOCK;
	void **blocks = arg;

	for (size_t i = 0; i < n; i++)
		blocks[i] = t_malloc(PEAK_BLOCK);
	pthread_barrier_wait(&peak_barrier); /* everything allocated: the peak */
	pthread_barrier_wait(&peak_barrier); /* main has read it */
	for (size_t i = 0; i < n; i++)
		t_free(blocks[i]);
	return NULL;
}

/*
 * THREADS workers each allocate MB MiB, wait until all did (the one and
 * only peak: nothing is freed before it), then free everything.  With
 * N threads (main included) the peak heaptop publishes is within
 * N * HEAPTOP_PEAK_SLACK below and (N - 1) * HEAPTOP_PEAK_SLACK above the
 * true one (docs/counters.md); exact at 0.
 */
static int run_peak(unsigned nthreads, unsigned mb, uint64_t slack)
{
	pthread_t th[64];
	void **blocks[64];
	struct heaptop_stats a, at_peak, end;

	if (nthreads > 64)
		test_hard_error("at most 64 threads");
	peak_bytes = (size_t)mb << 20;
	for (unsigned i = 0; i < nthreads; i++)
		if (!(blocks[i] = malloc(peak_bytes / PEAK_BLOCK * sizeof(void *))))
			test_hard_error("out of memory");
	stacks_init(nthreads);
	pthread_barrier_init(&peak_barrier, NULL, nthreads + 1);
	read_proc(&a);
	for (unsigned i = 0; i < nthreads; i++)
		if (spawn(&th[i], i, peak_worker, blocks[i]) != 0)
			test_hard_error("pthread_create");
	pthread_barrier_wait(&peak_barrier);
	read_proc(&at_peak); /* quiescent: exact */
	pthread_barrier_wait(&peak_barrier);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	read_proc(&end);

	uint64_t peak = at_peak.use_curr, over = (uint64_t)nthreads * slack;
	uint64_t under = over + slack; /* N = nthreads + 1 */
	CHECK(peak > a.use_max); /* a new maximum, so use_max must track it */
	CHECK(peak >= a.use_curr + (uint64_t)nthreads * peak_bytes);
	CHECK_LE(end.use_max, peak + over);
	CHECK_LE(peak, end.use_max + under);
	if (slack == 0)
		CHECK_EQ(end.use_max, peak);
	CHECK_EQ(end.use_curr, a.use_curr);
	fprintf(stderr, "peak: true %llu, use_max %llu, bound +%llu -%llu\n",
		(unsigned long long)peak, (unsigned long long)end.use_max, (unsigned long long)over,
		(unsigned long long)under);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;

	shim_counts = countshim_find();
	if (getenv("STRESS_WANT_SHIM") && !shim_counts)
		test_hard_error("STRESS_WANT_SHIM is set but libhtcountshim.so is not loaded");
	if (argc >= 5 && strcmp(argv[1], "cross") == 0)
		run_cross(n, (unsigned)strtoul(argv[3], NULL, 10), (unsigned)strtoul(argv[4], NULL, 10));
	else if (argc >= 3 && strcmp(argv[1], "many") == 0)
		run_many(n);
	else if (argc >= 3 && strcmp(argv[1], "tls") == 0)
		run_tls(n);
	else if (argc >= 5 && strcmp(argv[1], "peak") == 0)
		run_peak(n, (unsigned)strtoul(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	else
		test_hard_error("usage: stress cross THREADS ROUNDS SHARDS | many THREADS | "
				"tls THREADS | peak THREADS MIB SLACK");
	return test_summary(argv[1]);
}
