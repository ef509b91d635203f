/*
 * tests/rel/sites_stress.c - call-site sampling from many threads at once
 * (tests/rel/sites_tsan.sh): the site table's lock-free insert (every
 * thread meets the same new stacks at the same moment), the live map
 * (sampled blocks freed and realloc'ed by other threads than the ones that
 * made them), realloc-move samples, and peak copies (HEAPTOP_PEAK_SLACK=0:
 * every new use_max may copy) racing with all of it.
 *
 *   sites_stress exact THREADS ROUNDS   HEAPTOP_SAMPLE_RATE=1: every block is
 *       a sample of weight 1, so the sums over the site table equal what
 *       the test did, exactly: samples, live samples and bytes, moves.
 *   sites_stress any THREADS ROUNDS     any rate: the table agrees with the
 *       header (every sample in a site, nothing dropped, peak copy stable).
 *
 * Built twice: under the preload, and with the library's sources compiled
 * in under ThreadSanitizer (tests/rel.am, as tests/lib/stress_tsan).  TSan
 * crashes when libunwind's per-thread cache destructor runs at thread exit
 * (docs/testing.md), so the workers never exit: once they are done they
 * park, main checks the tables and the process exits with them parked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mailbox.h"
#include "relcheck.h"
#include "sites_view.h"

#define KEEP 24
#define MAILBOX 1024

static uint64_t my_reallocs, my_moves, my_sampled_bytes;
static pthread_barrier_t gate;
static void *mail_slots[MAILBOX];
static struct mailbox mail = MAILBOX_INIT(mail_slots);

/* Distinct call sites: the depth of the recursion makes the stack. */
static __attribute__((noinline)) void *site_a(unsigned depth, size_t n);
static __attribute__((noinline)) void *site_b(unsigned depth, size_t n);

static void *counted(void *p)
{
	__atomic_fetch_add(&my_sampled_bytes, malloc_usable_size(p), __ATOMIC_RELAXED);
	return p;
}

static __attribute__((noinline)) void *site_a(unsigned depth, size_t n)
{
	void *p = depth ? site_b(depth - 1, n) : counted(led_malloc(n));
	__asm__ volatile("" ::: "memory"); /* no tail call: every level is a frame */
	return p;
}

static __attribute__((noinline)) void *site_b(unsigned depth, size_t n)
{
	void *p = depth ? site_a(depth - 1, n) : counted(led_calloc(1, n));
	__asm__ volatile("" ::: "memory");
	return p;
}

static __attribute__((noinline)) void *grow(void *p, size_t n)
{
	void *q = led_realloc(p, n);
	__atomic_fetch_add(&my_reallocs, 1, __ATOMIC_RELAXED);
	if (q != p)
		__atomic_fetch_add(&my_moves, 1, __ATOMIC_RELAXED);
	counted(q);
	__asm__ volatile("" ::: "memory");
	return q;
}

struct worker {
	unsigned id, rounds;
	void *keep[KEEP];
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	unsigned seed = w->id * 2654435761u + 7;

	pthread_barrier_wait(&gate); /* created */
	pthread_barrier_wait(&gate); /* main took the baseline: go */
	for (unsigned r = 0; r < w->rounds; r++) {
		for (unsigned i = 0; i < KEEP; i++) {
			seed = seed * 1103515245 + 12345;
			size_t n = 8 + (seed >> 8) % 3000;
			void *p = (i & 1 ? site_a : site_b)(r % 12, n);
			if (w->keep[i])
				led_free(w->keep[i]);
			w->keep[i] = p;
		}
		for (unsigned i = 0; i < KEEP; i += 6)
			w->keep[i] = grow(w->keep[i], malloc_usable_size(w->keep[i]) + 1 + r % 5000);
		for (unsigned i = 3; i < KEEP; i += 4) {
			mailbox_put(&mail, w->keep[i], led_free); /* another thread frees or reallocs it */
			w->keep[i] = NULL;
		}
		void *q = mailbox_take(&mail);
		if (q)
			led_free(grow(q, 4096 + r % 100));
	}
	pthread_barrier_wait(&gate); /* done: main checks */
	for (;;)
		pthread_barrier_wait(&gate); /* parked until the process exits */
	return NULL;
}

/* Sums over every published site, and the header's totals. */
struct table_sum {
	struct site_sum s;
	uint64_t samples, moves, sites_dropped, live_dropped;
};

static void table_read_once(const struct sites_view *v, struct table_sum *t)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < v->h->sites_count; i++)
		if (sites_view_published(v, i))
			site_sum_add(&t->s, v, i);
	sites_view_samples(v, &t->samples, &t->moves);
	t->sites_dropped = HDR(v->h, sites_dropped);
	t->live_dropped = HDR(v->h, live_dropped);
}

/* The sums with the pending deltas, between two equal reads of the pending
 * seqs (protocol step 7); the last try stands when owners keep moving. */
static void table_read(const struct sites_view *v, struct table_sum *t)
{
	for (int tries = 0; tries < 100; tries++) {
		uint64_t before, after;
		int even = sites_view_pending_seq(v, &before);
		table_read_once(v, t);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (sites_view_pending_seq(v, &after) && even && after == before)
			return;
	}
}

static int run(int exact, unsigned nthreads, unsigned rounds)
{
	struct sites_view v;
	struct table_sum a, b;
	struct heaptop_stats base;
	size_t size;
	pthread_t th;
	struct worker *w = calloc(nthreads, sizeof(*w));

	if (!w)
		test_hard_error("out of memory");
	free(malloc(1));
	v.h = own_header(&size);
	v.size = size;
	if (!v.h || !v.h->sites_off)
		test_hard_error("no segment with a site table (HEAPTOP_SAMPLE_RATE=0?)");
	if (!sites_view_pending_ok(&v))
		test_hard_error("the segment's pending region does not fit it");
	if (exact && v.h->sample_rate != 1)
		test_hard_error("exact needs HEAPTOP_SAMPLE_RATE=1 (the segment says %llu)",
				(unsigned long long)v.h->sample_rate);
	pthread_barrier_init(&gate, NULL, nthreads + 1);
	for (unsigned i = 0; i < nthreads; i++) {
		w[i].id = i;
		w[i].rounds = rounds;
		if (pthread_create(&th, NULL, worker, &w[i]) != 0)
			test_hard_error("pthread_create");
		pthread_detach(th);
	}
	pthread_barrier_wait(&gate);
	table_read(&v, &a);
	ledger_begin(&base);
	pthread_barrier_wait(&gate);
	pthread_barrier_wait(&gate);
	/* Every worker is parked: nothing moves. */
	table_read(&v, &b);
	CHECK_EQ(b.sites_dropped - a.sites_dropped, 0);
	CHECK_EQ(b.live_dropped - a.live_dropped, 0);
	CHECK_EQ(b.s.alloc_samples - a.s.alloc_samples, b.samples - a.samples);
	CHECK_EQ(b.s.move_samples - a.s.move_samples, b.moves - a.moves);
	CHECK(b.s.live_samples >= 0 && b.s.live_bytes >= 0);
	uint64_t seq = HDR(v.h, peak_seq);
	CHECK_EQ(seq % 2, 0);
	CHECK_LE(HDR(v.h, peak_use_max), HDR(v.h, use_max));
	if (exact) {
		uint64_t live = led.allocs - led.frees;
		CHECK_EQ(b.samples - a.samples, led.allocs + my_reallocs);
		CHECK_EQ(b.s.alloc_blocks - a.s.alloc_blocks, led.allocs + my_reallocs);
		CHECK_EQ(b.s.alloc_bytes - a.s.alloc_bytes, my_sampled_bytes);
		CHECK_EQ_I(b.s.live_samples - a.s.live_samples, (int64_t)live);
		CHECK_EQ_I(b.s.live_blocks - a.s.live_blocks, (int64_t)live);
		CHECK_EQ_I(b.s.live_bytes - a.s.live_bytes, (int64_t)led.live_usable);
		CHECK_EQ(b.moves - a.moves, my_moves);
		CHECK(seq > 0); /* use_max rose with slack 0: peaks were copied */
	}
	ledger_check(&base, exact ? "sites exact" : "sites");
	fprintf(stderr, "sites: %u threads, %llu samples in %llu sites, %llu moves, peak copies %llu\n",
		nthreads, (unsigned long long)(b.samples - a.samples),
		(unsigned long long)b.s.sites, (unsigned long long)(b.moves - a.moves),
		(unsigned long long)(seq / 2));
	return 0;
}

int main(int argc, char **argv)
{
	note_pid(); /* TSan's halt_on_error leaves without our exit hooks */
	if (argc < 4 || (strcmp(argv[1], "exact") != 0 && strcmp(argv[1], "any") != 0))
		test_hard_error("usage: sites_stress exact|any THREADS ROUNDS");
	run(strcmp(argv[1], "exact") == 0, (unsigned)strtoul(argv[2], NULL, 10),
	    (unsigned)strtoul(argv[3], NULL, 10));
	/* exit() with the workers parked: no thread-exit destructor runs. */
	exit(test_summary(argv[1]));
}
