/*
 * tests/tui/segimage.h - building segment images in memory for the
 * viewer's unit tests: a valid layout as libheaptop writes it (header,
 * shards, timeline), with known counters that the tests then break in one
 * place at a time.
 */
#ifndef HEAPTOP_TESTS_SEGIMAGE_H
#define HEAPTOP_TESTS_SEGIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "heaptop/segment.h"

#define SEGIMAGE_SHARDS 4        /* shard_count */
#define SEGIMAGE_TIMELINE 8      /* timeline_len */

/* The image and where its parts are. */
struct segimage {
	unsigned char *buf;          /* 64-aligned, zeroed, size bytes */
	size_t size;
	struct heaptop_seg_header *h;
	struct heaptop_shard *shard[SEGIMAGE_SHARDS];
	struct heaptop_timeline_entry *tl;
};

/* Builds a valid image of pid with shards_used = 2 and known counters:
 * shard 0: alloc_count 10, alloc_bytes 1000, dealloc_count 4, dealloc_bytes
 *          400, hist alloc bucket 7 = 10;
 * shard 1: alloc_count 5, alloc_bytes 500, dealloc_count 2, dealloc_bytes
 *          600, untracked_bytes 64, untracked_free_bytes 32, hist bucket 7 = 5;
 * header use_max 2000; timeline_head 11 with entries 3..10 complete except
 * entry 9 (torn: odd seq).  So use_curr = 1500 - 1000 + 64 - 32 = 532,
 * alloc_count = 15, dealloc_count = 6, 7 valid points.  0, or -1 when out of memory. */
int segimage_build(struct segimage *im, uint32_t pid);
/* Frees the image. */
void segimage_free(struct segimage *im);

#endif
