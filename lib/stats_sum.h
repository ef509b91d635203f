/*
 * lib/stats_sum.h - adding up shards into a struct heaptop_stats; shared by
 * libheaptop and the viewer's reader (lib/stats_sum.c).
 */
#ifndef HEAPTOP_LIB_STATS_SUM_H
#define HEAPTOP_LIB_STATS_SUM_H

#include <stdint.h>
#include "heaptop.h"
#include "heaptop/segment.h"

/* Sums n shards laid out shard_size apart into *st (relaxed loads), use_curr
 * too; st->use_max is the shards' part of the peak, max(use_curr, peak_use):
 * callers raise it to header.use_max. */
void ht_sum_shards(const void *shards, uint32_t n, uint32_t shard_size, struct heaptop_stats *st);

#endif
