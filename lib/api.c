/*
 * lib/api.c - the in-process API of include/heaptop.h: reading this
 * process's (or this thread's) counters and the segment's name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "heaptop.h"

static int tracking_now(void)
{
	/* The API may be the first thing the process calls: initialise like a hook. */
	if (!ht_live->malloc)
		ht_cold_path();
	return __atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) == HT_RUN_READY &&
	       ht_live->malloc != NULL;
}

HT_EXPORT int heaptop_tracking(void)
{
	return tracking_now();
}

HT_EXPORT const char *heaptop_segment_name(void)
{
	return tracking_now() ? ht_rt.name : NULL;
}

HT_EXPORT int heaptop_stats_read(struct heaptop_stats *st, enum heaptop_scope scope)
{
	struct ht_thread *t = &ht_self;

	if (!tracking_now()) {
		memset(st, 0, sizeof(*st));
		return -ENODEV;
	}
	struct heaptop_seg_header *h = ht_rt.hdr;
	if (scope == HEAPTOP_SCOPE_THREAD) {
		if (t->state == HT_THREAD_NEW) {
			/* Claim the shard now so that begin and end read the same one. */
			void *p = malloc(1);
			free(p);
		}
		if (t->state != HT_THREAD_OWNER || !t->shard) {
			memset(st, 0, sizeof(*st));
			return -EAGAIN;
		}
		ht_sum_shards(t->shard, 1, h->shard_size, st);
		/* A thread's net can be negative: report it modulo 2^64, unclamped. */
		st->use_curr = st->alloc_bytes - st->dealloc_bytes + st->realloc_growth_bytes -
			       st->realloc_shrink_bytes + st->untracked_bytes - st->untracked_free_bytes;
		st->use_max = 0;
		return 0;
	}
	ht_sum_shards(ht_rt.shards, __atomic_load_n(&h->shards_used, __ATOMIC_ACQUIRE), h->shard_size, st);
	uint64_t max = __atomic_load_n(&h->use_max, __ATOMIC_RELAXED);
	st->use_max = max > st->use_max ? max : st->use_max;
	return 0;
}
