/*
 * tests/lib/unit_sum.c - ht_sum_shards() (lib/stats_sum.c) on hand-built
 * shard arrays, without the preload:
 *  - a random history of threads that allocate, free each other's blocks,
 *    realloc, fail, exit and hand their shard to a later thread ("folding":
 *    a dead thread's counts stay in its shard), plus untracked calls in the
 *    shared shard 0; the sum must equal totals kept independently;
 *  - the shard stride (shard_size > sizeof) and n (shards beyond it are
 *    garbage) are honoured, *st is cleared first, use_curr clamps at 0;
 *  - with threads (the TSan build): writers update their own shards the way
 *    lib/account.h does while a reader sums; sums never go backwards and
 *    the final sum is exact.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "heaptop.h"
#include "stats_sum.h"

#define NSHARDS 8            /* allocated */
#define NUSED 6              /* summed; shards NUSED.. hold garbage */
#define STRIDE (sizeof(struct heaptop_shard) + 192)
#define NTHREADS 5           /* live model threads at a time */
#define MAXBLOCKS 4096

_Static_assert(STRIDE % 64 == 0, "stride keeps shards 64-aligned");

static char *shards;

static struct heaptop_shard *shard(unsigned i)
{
	return (struct heaptop_shard *)(shards + (size_t)i * STRIDE);
}

static void shards_init(void)
{
	shards = aligned_alloc(64, NSHARDS * STRIDE);
	if (!shards)
		test_hard_error("out of memory");
	memset(shards, 0xa5, NSHARDS * STRIDE); /* padding and unused shards: garbage */
	for (unsigned i = 0; i < NUSED; i++)
		memset(shard(i), 0, sizeof(struct heaptop_shard));
	shard(0)->flags = HEAPTOP_SHARD_SHARED;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* The independent truth: totals by counter, and the live blocks. */
static struct heaptop_stats truth;
static struct block {
	uint64_t usable;
	int live;
} blocks[MAXBLOCKS];
static unsigned nblocks;

/* A model thread: the shard it writes (0 = the shared one). */
static unsigned thread_shard[NTHREADS];

static void count(struct heaptop_shard *s, uint64_t *field_in_s, uint64_t *field_in_truth, uint64_t v)
{
	(void)s;
	*field_in_s += v;
	*field_in_truth += v;
}

#define COUNT(s, name, v) count((s), &(s)->name, &truth.name, (v))
#define COUNT_HIST(s, kind, b) count((s), &(s)->hist[kind][b], &truth.hist[kind][b], 1)

static void model_alloc(unsigned t)
{
	struct heaptop_shard *s = shard(thread_shard[t]);
	uint64_t req = rnd(5000), usable = (req + 24) & ~15ull;

	if (nblocks == MAXBLOCKS)
		return;
	if (rnd(20) == 0) { /* a failed call */
		COUNT(s, alloc_fail_count, 1);
		return;
	}
	COUNT(s, alloc_count, 1);
	COUNT(s, alloc_bytes, usable);
	COUNT(s, alloc_req_bytes, req);
	COUNT_HIST(s, HEAPTOP_HIST_ALLOC, heaptop_hist_bucket(req));
	blocks[nblocks].usable = usable;
	blocks[nblocks++].live = 1;
}

static struct block *pick_live(void)
{
	if (!nblocks)
		return NULL;
	for (unsigned tries = 0; tries < 8; tries++) {
		struct block *b = &blocks[rnd(nblocks)];
		if (b->live)
			return b;
	}
	return NULL;
}

/* Any thread frees any live block: the use moves between shards. */
static void model_free(unsigned t)
{
	struct heaptop_shard *s = shard(thread_shard[t]);
	struct block *b = pick_live();

	if (!b)
		return;
	COUNT(s, dealloc_count, 1);
	COUNT(s, dealloc_bytes, b->usable);
	b->live = 0;
}

static void model_realloc(unsigned t)
{
	struct heaptop_shard *s = shard(thread_shard[t]);
	struct block *b = pick_live();
	uint64_t nu = 16 + rnd(8000) / 16 * 16;

	if (!b)
		return;
	if (nu > b->usable) {
		COUNT(s, realloc_growth_count, 1);
		COUNT(s, realloc_growth_bytes, nu - b->usable);
		COUNT_HIST(s, HEAPTOP_HIST_GROWTH, heaptop_hist_bucket(nu - b->usable));
	} else if (nu < b->usable) {
		COUNT(s, realloc_shrink_count, 1);
		COUNT(s, realloc_shrink_bytes, b->usable - nu);
		COUNT_HIST(s, HEAPTOP_HIST_SHRINK, heaptop_hist_bucket(b->usable - nu));
	} else {
		COUNT(s, realloc_same_count, 1);
	}
	if (rnd(2)) {
		uint64_t copied = nu < b->usable ? nu : b->usable;
		COUNT(s, realloc_move_count, 1);
		COUNT(s, realloc_move_bytes, copied);
		COUNT_HIST(s, HEAPTOP_HIST_MOVE, heaptop_hist_bucket(copied));
	}
	b->usable = nu;
}

/* Nested calls: counted as untracked in shard 0, never in use. */
static uint64_t untracked_live;

static void model_untracked(void)
{
	struct heaptop_shard *s0 = shard(0);
	uint64_t u = 32 + rnd(100);

	if (rnd(2) || untracked_live < u) {
		COUNT(s0, untracked_count, 1);
		COUNT(s0, untracked_bytes, u);
		untracked_live += u;
	} else {
		COUNT(s0, untracked_free_count, 1);
		COUNT(s0, untracked_free_bytes, u);
		untracked_live -= u;
	}
}

/* Thread t exits: its shard keeps its counts; a new thread takes a free shard or shard 0. */
static void model_exit_and_replace(unsigned t)
{
	int owned[NUSED] = { 0 };

	shard(thread_shard[t])->owner_tid = 0;
	thread_shard[t] = 0;
	for (unsigned i = 0; i < NTHREADS; i++)
		owned[thread_shard[i]] = 1;
	for (unsigned i = 1 + (unsigned)rnd(NUSED - 1), n = 0; n < NUSED - 1; n++, i = 1 + i % (NUSED - 1)) {
		if (!owned[i]) {
			thread_shard[t] = i;
			shard(i)->owner_tid = 1000 + (uint32_t)t;
			shard(i)->owners_total++;
			return;
		}
	}
}

static uint64_t truth_use(void)
{
	uint64_t use = untracked_live;

	for (unsigned i = 0; i < nblocks; i++)
		if (blocks[i].live)
			use += blocks[i].usable;
	return use;
}

/* Like tests/lib/htcheck.h's check, for a sum rather than a delta. */
static void check_stats_eq_plain(const struct heaptop_stats *got, const struct heaptop_stats *want,
				 const char *when);

static void check_against_truth(const char *when)
{
	struct heaptop_stats st;

	memset(&st, 0xff, sizeof(st)); /* must be cleared by the sum */
	ht_sum_shards(shards, NUSED, STRIDE, &st);
	truth.use_curr = truth_use();
	truth.use_max = 0;
	check_stats_eq_plain(&st, &truth, when);
}


static void check_random_history(void)
{
	for (unsigned t = 0; t < NTHREADS; t++)
		model_exit_and_replace(t); /* every thread starts: at most NUSED-1 get a shard */
	for (int step = 0; step < 20000; step++) {
		unsigned t = (unsigned)rnd(NTHREADS);
		switch (rnd(10)) {
		case 0: case 1: case 2: case 3: model_alloc(t); break;
		case 4: case 5: case 6: model_free(t); break;
		case 7: model_realloc(t); break;
		case 8: model_untracked(); break;
		default:
			if (rnd(4) == 0)
				model_exit_and_replace(t);
			break;
		}
		if (step % 5000 == 4999)
			check_against_truth("random history");
	}
	/* Everything exits: the counts must all still be there. */
	for (unsigned t = 0; t < NTHREADS; t++)
		shard(thread_shard[t])->owner_tid = 0;
	check_against_truth("after every thread exited");
	/* Free everything (from the shared shard): use_curr goes back to the untracked part. */
	for (unsigned i = 0; i < nblocks; i++) {
		if (blocks[i].live) {
			COUNT(shard(0), dealloc_count, 1);
			COUNT(shard(0), dealloc_bytes, blocks[i].usable);
			blocks[i].live = 0;
		}
	}
	check_against_truth("after freeing everything");
	CHECK_EQ(truth_use(), untracked_live);
}

static void check_stats_eq_plain(const struct heaptop_stats *got, const struct heaptop_stats *want,
				 const char *when)
{
#define X_CMP(name, unit, desc)                                                              \
	if (!CHECK_EQ(got->name, want->name))                                                \
		fprintf(stderr, "  (%s, counter %s)\n", when, #name);
	HEAPTOP_COUNTERS(X_CMP)
#undef X_CMP
	if (!CHECK_EQ(got->use_curr, want->use_curr))
		fprintf(stderr, "  (%s, use_curr)\n", when);
	for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
		for (int b = 0; b < HEAPTOP_HIST_BUCKETS; b++)
			if (!CHECK_EQ(got->hist[k][b], want->hist[k][b]))
				fprintf(stderr, "  (%s, hist[%d][%d])\n", when, k, b);
}

/*
 * Bytes in use are derived from the byte counters, summed modulo 2^64: a
 * shard whose thread freed what another allocated has a negative share.
 */
static void check_signed_use_and_clamp(void)
{
	struct heaptop_stats st;

	shards_init();
	shard(1)->alloc_bytes = 1000;
	shard(2)->dealloc_bytes = 400; /* frees of shard 1's blocks */
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_curr, 600);
	shard(2)->realloc_growth_bytes = 100;
	shard(1)->realloc_shrink_bytes = 30;
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_curr, 670);
	shard(0)->untracked_bytes = 50;
	shard(0)->untracked_free_bytes = 20;
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_curr, 700);
	shard(2)->dealloc_bytes = 4000; /* a reader between a free and its alloc's counts */
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_curr, 0);
	shard(2)->dealloc_bytes = 0;
	shard(0)->untracked_free_bytes = 2000; /* frees of blocks never counted */
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_curr, 0);
	/* n = 0 sums nothing and clears everything. */
	memset(&st, 0x5a, sizeof(st));
	ht_sum_shards(shards, 0, STRIDE, &st);
	CHECK_EQ(st.alloc_count, 0);
	CHECK_EQ(st.use_curr, 0);
	CHECK_EQ(st.hist[HEAPTOP_HIST_KINDS - 1][HEAPTOP_HIST_BUCKETS - 1], 0);
	/* Only [0, n) is read: shard 2's counts vanish with n = 2. */
	shard(2)->alloc_count = 77;
	shard(1)->alloc_count = 5;
	ht_sum_shards(shards, 2, STRIDE, &st);
	CHECK_EQ(st.alloc_count, 5);
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.alloc_count, 82);
	free(shards);
}

/* use_max from the shards: the largest soft peak (peak_use), or use_curr
 * when that is higher; shards past n don't count. */
static void check_peak_use(void)
{
	struct heaptop_stats st;

	shards_init();
	shard(1)->alloc_bytes = 1000;
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_max, 1000); /* no soft peak: use_curr */
	shard(1)->peak_use = 1500;
	shard(2)->peak_use = 2500;
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_max, 2500);
	ht_sum_shards(shards, 2, STRIDE, &st);
	CHECK_EQ(st.use_max, 1500);
	shard(1)->alloc_bytes = 9000;
	ht_sum_shards(shards, 3, STRIDE, &st);
	CHECK_EQ(st.use_max, 9000);
	free(shards);
}

/* --- concurrent writers and a summing reader (meant for TSan) ------------ */

#define WRITERS 4
#define OPS 200000

static int writers_done;

/* What lib/account.h does on an owned shard: relaxed load + relaxed store. */
static void own_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static void *writer(void *arg)
{
	struct heaptop_shard *s = shard((unsigned)(uintptr_t)arg);

	for (int i = 0; i < OPS; i++) {
		own_add(&s->alloc_count, 1);
		own_add(&s->alloc_bytes, 32);
		own_add(&s->hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(24)], 1);
		if (i % 2) {
			own_add(&s->dealloc_count, 1);
			own_add(&s->dealloc_bytes, 32);
		}
		/* The shared shard: atomic adds from every writer. */
		if (i % 64 == 0)
			__atomic_fetch_add(&shard(0)->alloc_fail_count, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct heaptop_stats st;
	uint64_t prev = 0, reads = 0;

	(void)arg;
	while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE)) {
		ht_sum_shards(shards, WRITERS + 1, STRIDE, &st);
		if (!CHECK(st.alloc_count >= prev))
			break;
		CHECK(st.alloc_count <= (uint64_t)WRITERS * OPS);
		prev = st.alloc_count;
		reads++;
	}
	return (void *)(uintptr_t)reads;
}

static void check_concurrent_sum(void)
{
	pthread_t w[WRITERS], r;
	struct heaptop_stats st;

	shards_init();
	if (pthread_create(&r, NULL, reader, NULL))
		test_hard_error("pthread_create");
	for (unsigned i = 0; i < WRITERS; i++)
		if (pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)(i + 1)))
			test_hard_error("pthread_create");
	for (unsigned i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	pthread_join(r, NULL);
	ht_sum_shards(shards, WRITERS + 1, STRIDE, &st);
	CHECK_EQ(st.alloc_count, (uint64_t)WRITERS * OPS);
	CHECK_EQ(st.dealloc_count, (uint64_t)WRITERS * (OPS / 2));
	CHECK_EQ(st.use_curr, (uint64_t)WRITERS * (OPS - OPS / 2) * 32);
	CHECK_EQ(st.alloc_fail_count, (uint64_t)WRITERS * ((OPS + 63) / 64));
	CHECK_EQ(st.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(24)], (uint64_t)WRITERS * OPS);
	free(shards);
}

int main(void)
{
	shards_init();
	check_random_history();
	free(shards);
	check_signed_use_and_clamp();
	check_peak_use();
	check_concurrent_sum();
	return test_summary("unit_sum");
}
