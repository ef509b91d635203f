/*
 * tests/lib/noself.c - after warm-up, libheaptop allocates nothing through
 * the allocator chain for itself (tests/lib/noself.sh).
 *
 * Runs with LD_PRELOAD="libheaptop.so:libhtcountshim.so": the shim under
 * heaptop counts every call that reaches it.  Over a window with threads
 * starting and exiting (shard claims and hand-backs), cross-thread frees,
 * reallocs, API reads and several timeline intervals, every call the shim
 * saw must be one heaptop counted for the program, and heaptop's
 * untracked_count must not move.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "htcheck.h"
#include "countshim.h"

#define THREADS 6
#define WINDOW_MS 450 /* several HEAPTOP_INTERVAL_MS=100 timeline points */

static countshim_counts_fn shim_counts;
static int stop;
static void *handoff[THREADS];

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, seed = id + 1;
	struct heaptop_stats st;
	void *ring[32] = { 0 };

	/* A new thread reads its own shard: the API may claim one for it. */
	heaptop_stats_read(&st, HEAPTOP_SCOPE_THREAD);
	for (unsigned i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED) && i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		unsigned k = (seed >> 8) % 32;
		if (ring[k] && (seed & 1))
			ring[k] = realloc(ring[k], 1 + (seed >> 12) % 5000);
		else {
			free(ring[k]);
			ring[k] = (seed & 2) ? malloc(1 + (seed >> 12) % 3000) : calloc(1, 40);
		}
		if (i % 1000 == 0)
			heaptop_stats_read(&st, HEAPTOP_SCOPE_PROCESS);
	}
	/* One block goes to the next thread, to be freed after we exit. */
	free(__atomic_exchange_n(&handoff[id], ring[0], __ATOMIC_ACQ_REL));
	for (int k = 1; k < 32; k++)
		free(ring[k]);
	return NULL;
}

/* Runs waves of workers for ms milliseconds. */
static void workload(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		pthread_t th[THREADS];
		__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
		for (unsigned i = 0; i < THREADS; i++)
			if (pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) != 0)
				test_hard_error("pthread_create");
		usleep(30000);
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		for (unsigned i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
	}
}

int main(void)
{
	struct heaptop_stats a, b;
	uint64_t s0[SHIM_KINDS], s1[SHIM_KINDS], counted[SHIM_KINDS];

	shim_counts = countshim_find();
	if (!shim_counts)
		test_hard_error("run me with LD_PRELOAD=\"$HEAPTOP_LIB:libhtcountshim.so\"");
	workload(50); /* warm-up: stacks cached, keys and shards used once */

	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	shim_counts(s0);
	workload(WINDOW_MS);
	for (unsigned i = 0; i < THREADS; i++)
		free(handoff[i]);
	shim_counts(s1);
	read_stats(&b, HEAPTOP_SCOPE_PROCESS);

	uint64_t allocs = s1[SHIM_ALLOCS] - s0[SHIM_ALLOCS], frees = s1[SHIM_FREES] - s0[SHIM_FREES];
	uint64_t reallocs = s1[SHIM_REALLOCS] - s0[SHIM_REALLOCS];
	countshim_expected(&a, &b, counted);

	fprintf(stderr, "noself: the allocator below saw %llu allocs, %llu frees, %llu reallocs\n",
		(unsigned long long)allocs, (unsigned long long)frees, (unsigned long long)reallocs);
	CHECK(allocs > 10000); /* the window did work */
	CHECK_EQ(allocs, counted[SHIM_ALLOCS]);
	CHECK_EQ(frees, counted[SHIM_FREES]);
	CHECK_EQ(reallocs, counted[SHIM_REALLOCS]);
	CHECK_EQ(b.untracked_count - a.untracked_count, 0);
	CHECK_EQ(b.untracked_free_count - a.untracked_free_count, 0);
	CHECK_EQ(b.alloc_fail_count - a.alloc_fail_count, 0);
	return test_summary("noself");
}
