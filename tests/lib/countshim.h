/*
 * tests/lib/countshim.h - the counting allocator below heaptop
 * (countshim.c, LD_PRELOAD="libheaptop.so:libhtcountshim.so") as a test
 * program sees it: its counts, and heaptop's counters of the same calls.
 */
#ifndef HEAPTOP_TESTS_COUNTSHIM_H
#define HEAPTOP_TESTS_COUNTSHIM_H

#include <dlfcn.h>
#include <stdint.h>
#include "heaptop.h"

/* The shim's counts, in this order. */
enum { SHIM_ALLOCS, SHIM_FREES, SHIM_REALLOCS, SHIM_KINDS };

typedef void (*countshim_counts_fn)(uint64_t out[SHIM_KINDS]);

/* The shim's countshim_counts(), or NULL when it is not loaded. */
static inline countshim_counts_fn countshim_find(void)
{
	return (countshim_counts_fn)dlsym(RTLD_DEFAULT, "countshim_counts");
}

/* What heaptop counted between a and b of the calls the shim counts:
 * allocating calls (blocks, failures, untracked), frees of blocks (tracked
 * or not), and reallocs of live blocks (each has one direction). */
static inline void countshim_expected(const struct heaptop_stats *a, const struct heaptop_stats *b,
				      uint64_t out[SHIM_KINDS])
{
	out[SHIM_ALLOCS] = (b->alloc_count - a->alloc_count) +
			   (b->alloc_fail_count - a->alloc_fail_count) +
			   (b->untracked_count - a->untracked_count);
	out[SHIM_FREES] = (b->dealloc_count - a->dealloc_count) +
			  (b->untracked_free_count - a->untracked_free_count);
	out[SHIM_REALLOCS] = (b->realloc_growth_count - a->realloc_growth_count) +
			     (b->realloc_shrink_count - a->realloc_shrink_count) +
			     (b->realloc_same_count - a->realloc_same_count);
}

#endif
