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

#define SEGIMAGE_SITES 8         /* sites_count of a sampled image */
#define SEGIMAGE_FRAMES 4        /* site_max_frames */
#define SEGIMAGE_MODULES 4       /* modules_count */

/* The image and where its parts are. */
struct segimage {
	unsigned char *buf;          /* 64-aligned, zeroed, size bytes */
	size_t size;
	struct heaptop_seg_header *h;
	struct heaptop_shard *shard[SEGIMAGE_SHARDS];
	struct heaptop_timeline_entry *tl;
	struct heaptop_site *site[SEGIMAGE_SITES];       /* sampled images only */
	struct heaptop_module *module[SEGIMAGE_MODULES]; /* sampled images only */
	struct heaptop_shard_pending *pending[SEGIMAGE_SHARDS]; /* sampled images only */
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
/* Like segimage_build, with sampling on (sample_rate 1) and, after the
 * timeline, a site table of SEGIMAGE_SITES slots of SEGIMAGE_FRAMES frames,
 * a module table of SEGIMAGE_MODULES entries and a pending region (v4) of
 * SEGIMAGE_SHARDS entries.  The site counters below are the sums a reader
 * must make (protocol step 7): the table holds part, the pending region
 * the rest.
 *  slot 1: published, hash 0x11, frames {0x401234, 0x401300}, alloc 3
 *          samples / 3 blocks / 300 bytes, live 2 / 2 / 200, peak 2 / 2 / 250
 *          (table: alloc 2 / 1 / 200, live 1 / 3 / 240; shard 1's pending
 *          slot 3: alloc +1 / +2 / +100, live +1 / -1 / -40);
 *  slot 3: published, hash 0x33, frames {0x7f0000001010}, moves 5 samples /
 *          5 moves / 5000 bytes, live_bytes -8 (must read as 0)
 *          (table: moves 4 / 1 / 3000, live_bytes 16; shard 0's pending
 *          slot 2: moves +1 / +4 / +2000, live_bytes -24);
 *  slot 5: claimed (hash 0x55) but never published;
 *  pending slots that must be ignored, 1000 in every delta: shard 0 slot 0
 *          (site 0: none), shard 1 slot 1 (slot 5, unpublished), shard 1
 *          slot 7 (past the table), shard 2 slot 0 (slot 1, but shard 2 is
 *          past shards_used; its samples and move_samples are 1000 too);
 *  samples_total 3 (header 1 + shard 1's 2), move_samples_total 5 (header
 *          3 + shard 0's 2); pending seqs even (shard 0: 2, shard 1: 6);
 *  module 0: valid, loaded, base 0, [0x400000, 0x402000), "/usr/bin/prog",
 *            build-id 20 bytes 0x01..0x14;
 *  module 1: valid, unloaded, base 0x7f0000000000, [0x7f0000001000,
 *            0x7f0000002000), path "/tmp/lib\033[31m.so";
 *  module 2: seq 1 (a writer died mid-entry);
 * sites_used 3, modules_used 3, peak_seq 4, peak_use_max 1800,
 * peak_mono_ns 5000, sites_dropped 7.  0, or -1 when out of memory. */
int segimage_build_sampled(struct segimage *im, uint32_t pid);
/* Frees the image. */
void segimage_free(struct segimage *im);

#endif
