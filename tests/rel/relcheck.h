/*
 * tests/rel/relcheck.h - what the reliability tests (tests/rel/) share: a
 * ledger of the blocks a test made and freed itself, kept with atomic adds
 * from every thread, the "nothing lost" comparison of that ledger with
 * heaptop's process counters, and a read-only view of the program's own
 * segment header (threads_active, shard_misses, state...).
 *
 *     struct heaptop_stats base;
 *     ledger_begin(&base);
 *     p = led_malloc(n); ... led_free(p);       from any thread
 *     ledger_check(&base, "churn");             after every thread is joined
 *
 * Programs that include this run under LD_PRELOAD=libheaptop.so and are
 * built without the library (its API is weak, include/heaptop.h).  Reading
 * the counters (read_stats), ht_loaded() and note_pid() for the shell
 * test's cleanup come from tests/lib/htcheck.h.
 */
#ifndef HEAPTOP_TESTS_RELCHECK_H
#define HEAPTOP_TESTS_RELCHECK_H

#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "heaptop.h"
#include "htcheck.h"
#include "heaptop/segment.h"

/* What the test itself did since ledger_begin(). */
struct ledger {
	uint64_t allocs, frees, live_usable;
	uint64_t hist[HEAPTOP_HIST_BUCKETS];
};
static struct ledger led;

/* Clears the ledger and takes the baseline *base. */
static inline void ledger_begin(struct heaptop_stats *base)
{
	memset(&led, 0, sizeof(led));
	read_stats(base, HEAPTOP_SCOPE_PROCESS);
}

static inline void *led_note(void *p, size_t req)
{
	if (!p)
		test_hard_error("out of memory (%zu bytes)", req);
	__atomic_fetch_add(&led.allocs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&led.live_usable, malloc_usable_size(p), __ATOMIC_RELAXED);
	__atomic_fetch_add(&led.hist[heaptop_hist_bucket(req)], 1, __ATOMIC_RELAXED);
	return p;
}

static inline void *led_malloc(size_t n)
{
	return led_note(malloc(n), n);
}

static inline void *led_calloc(size_t k, size_t n)
{
	return led_note(calloc(k, n), k * n);
}

static inline void led_free(void *p)
{
	__atomic_fetch_sub(&led.live_usable, malloc_usable_size(p), __ATOMIC_RELAXED);
	__atomic_fetch_add(&led.frees, 1, __ATOMIC_RELAXED);
	free(p);
}

/* A realloc that succeeds (counts no alloc or free, only the size change). */
static inline void *led_realloc(void *p, size_t n)
{
	size_t old = malloc_usable_size(p);
	void *q = realloc(p, n);

	if (!q)
		test_hard_error("realloc to %zu failed", n);
	__atomic_fetch_sub(&led.live_usable, old, __ATOMIC_RELAXED);
	__atomic_fetch_add(&led.live_usable, malloc_usable_size(q), __ATOMIC_RELAXED);
	return q;
}

/*
 * Nothing lost since *base, every thread joined: the live blocks and bytes
 * are exactly the ledger's, and whatever else was counted (glibc's own
 * per-thread blocks) was allocated and freed in equal numbers.  Returns the
 * number of those other allocations.
 */
static inline uint64_t ledger_check(const struct heaptop_stats *base, const char *what)
{
	struct heaptop_stats now;
	uint64_t allocs, frees, extra, spread = 0;
	unsigned long before = test_failures;

	read_stats(&now, HEAPTOP_SCOPE_PROCESS);
	allocs = now.alloc_count - base->alloc_count;
	frees = now.dealloc_count - base->dealloc_count;
	CHECK(allocs >= led.allocs);
	CHECK(frees >= led.frees);
	extra = allocs - led.allocs;
	CHECK_EQ(frees - led.frees, extra);
	CHECK_EQ(allocs - frees, led.allocs - led.frees);
	CHECK_EQ(now.use_curr - base->use_curr, led.live_usable);
	CHECK_EQ(now.untracked_count - base->untracked_count, 0);
	CHECK_EQ(now.untracked_free_count - base->untracked_free_count, 0);
	CHECK_EQ(now.alloc_fail_count - base->alloc_fail_count, 0);
	for (int k = 0; k < HEAPTOP_HIST_BUCKETS; k++) {
		uint64_t got = now.hist[HEAPTOP_HIST_ALLOC][k] - base->hist[HEAPTOP_HIST_ALLOC][k];
		if (!CHECK(got >= led.hist[k]))
			fprintf(stderr, "  (%s: bucket %d counted %llu, the test made %llu)\n", what, k,
				(unsigned long long)got, (unsigned long long)led.hist[k]);
		else
			spread += got - led.hist[k];
	}
	CHECK_EQ(spread, extra);
	fprintf(stderr, "%s: the test made %llu allocs, %llu frees (%llu live); %llu more counted "
		"(glibc's own)%s\n", what, (unsigned long long)led.allocs,
		(unsigned long long)led.frees, (unsigned long long)(led.allocs - led.frees),
		(unsigned long long)extra, test_failures != before ? ": MISMATCH" : "");
	return extra;
}

/* The program's own segment, mapped read-only (NULL when not tracking). */
static inline const struct heaptop_seg_header *own_header(size_t *size)
{
	char path[128];
	const char *name = ht_loaded() ? heaptop_segment_name() : NULL;
	struct stat st;

	if (!name)
		return NULL;
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct heaptop_seg_header)) {
		close(fd);
		return NULL;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	if (size)
		*size = (size_t)st.st_size;
	return m;
}

/* A relaxed load of a live header field (they change under us). */
#define HDR(h, field) __atomic_load_n(&(h)->field, __ATOMIC_RELAXED)

#endif
