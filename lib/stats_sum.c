/*
 * lib/stats_sum.c - adding up shards into a struct heaptop_stats.  Shared by
 * the library (in-process API, timeline) and the viewer's segment reader, so
 * both compute use_curr and the shards' part of use_max the same way
 * (include/heaptop/segment.h, step 4).
 * The caller guarantees the shards are mapped and n is within bounds.
 */
#include <string.h>
#include "heaptop/segment.h"
#include "stats_sum.h"

void ht_sum_shards(const void *shards, uint32_t n, uint32_t shard_size, struct heaptop_stats *st)
{
	uint64_t use, peak = 0;

	memset(st, 0, sizeof(*st));
	for (uint32_t i = 0; i < n; i++) {
		const struct heaptop_shard *s =
			(const struct heaptop_shard *)((const char *)shards + (size_t)i * shard_size);
#define HEAPTOP_X_SUM(name, unit, desc) st->name += __atomic_load_n(&s->name, __ATOMIC_RELAXED);
		HEAPTOP_COUNTERS(HEAPTOP_X_SUM)
#undef HEAPTOP_X_SUM
		for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
			for (int b = 0; b < HEAPTOP_HIST_BUCKETS; b++)
				st->hist[k][b] += __atomic_load_n(&s->hist[k][b], __ATOMIC_RELAXED);
		uint64_t pk = __atomic_load_n(&s->peak_use, __ATOMIC_RELAXED);
		peak = pk > peak ? pk : peak;
	}
	use = st->alloc_bytes - st->dealloc_bytes + st->realloc_growth_bytes -
	      st->realloc_shrink_bytes + st->untracked_bytes - st->untracked_free_bytes;
	st->use_curr = (int64_t)use < 0 ? 0 : use;
	st->use_max = peak > st->use_curr ? peak : st->use_curr;
}
