/*
 * heaptop/counters.h - the one list of heaptop's exact counters.
 *
 * Every per-shard counter is declared once here, as an X-macro row:
 *   X(name, unit, description)
 * The segment struct, the in-process stats struct, the snapshot writers and
 * the tests all expand this list, so a counter can't exist in one and be
 * missing from another.  The order is part of the segment ABI: append only,
 * and bump HEAPTOP_ABI_VERSION in segment.h when you do.
 *
 * Byte counters count *usable* bytes (what malloc_usable_size() reports for
 * the block), except alloc_req_bytes, which counts what the caller asked for.
 * Usable bytes are the only size known at free() time, so counting them on
 * both sides is what lets use_curr return exactly to its baseline.
 */
#ifndef HEAPTOP_COUNTERS_H
#define HEAPTOP_COUNTERS_H

#define HEAPTOP_COUNTERS(X)                                                          \
	X(alloc_count, "blocks", "blocks handed out by the malloc family, realloc(NULL, n) included") \
	X(alloc_bytes, "bytes", "usable bytes of those blocks")                         \
	X(alloc_req_bytes, "bytes", "bytes the callers asked for")                      \
	X(alloc_fail_count, "calls", "allocation calls that returned no memory")        \
	X(dealloc_count, "blocks", "blocks freed, realloc(p, 0) that freed included")   \
	X(dealloc_bytes, "bytes", "usable bytes of those blocks")                       \
	X(realloc_growth_count, "calls", "reallocs of a live block that grew it")       \
	X(realloc_growth_bytes, "bytes", "usable bytes added by those reallocs")        \
	X(realloc_shrink_count, "calls", "reallocs of a live block that shrank it")     \
	X(realloc_shrink_bytes, "bytes", "usable bytes removed by those reallocs")      \
	X(realloc_same_count, "calls", "reallocs of a live block that kept its usable size") \
	X(realloc_move_count, "calls", "reallocs of a live block that moved it")        \
	X(realloc_move_bytes, "bytes", "bytes copied by those moves")                   \
	X(untracked_count, "blocks", "blocks allocated inside heaptop or a signal handler that interrupted it") \
	X(untracked_bytes, "bytes", "usable bytes of those blocks")                     \
	X(untracked_free_count, "blocks", "frees that happened inside heaptop")         \
	X(untracked_free_bytes, "bytes", "usable bytes of those frees")

/* Histogram kinds; each is HEAPTOP_HIST_BUCKETS log2 buckets. */
#define HEAPTOP_HISTOGRAMS(X)                                                        \
	X(ALLOC, alloc_size, "allocation sizes (requested bytes)")                       \
	X(GROWTH, realloc_growth, "realloc growth (usable bytes added)")                 \
	X(SHRINK, realloc_shrink, "realloc shrink (usable bytes removed)")               \
	X(MOVE, realloc_move, "realloc moves (bytes copied)")

enum heaptop_hist_kind {
#define HEAPTOP_X_HIST_ENUM(id, key, desc) HEAPTOP_HIST_##id,
	HEAPTOP_HISTOGRAMS(HEAPTOP_X_HIST_ENUM)
#undef HEAPTOP_X_HIST_ENUM
	HEAPTOP_HIST_KINDS
};

/*
 * Bucket 0 holds size 0; bucket k+1 holds sizes in [2^k, 2^(k+1)), so
 * bucket 1 is size 1 and bucket 64 holds [2^63, 2^64).
 */
#define HEAPTOP_HIST_BUCKETS 65

/* Bucket index of a size: total over all sizes, SIZE_MAX included. */
static inline unsigned heaptop_hist_bucket(unsigned long long size)
{
	/* 0 for 0, else floor(log2(size)) + 1, without a branch. */
	return (unsigned)(size != 0) + (63u ^ (unsigned)__builtin_clzll(size | 1));
}

#endif
