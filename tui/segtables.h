/*
 * tui/segtables.h - the reader's half for the call-site and module tables
 * of a v2 segment and the pending region of a v4 one (protocol steps 7-9 of
 * include/heaptop/segment.h), used by segread.c: checking their layout
 * against the file, preallocating the copies, the copy itself (run under the
 * SIGBUS guard, so it never allocates), and sanitising what was copied.
 */
#ifndef HEAPTOP_TUI_SEGTABLES_H
#define HEAPTOP_TUI_SEGTABLES_H

#include "segread.h"

/* One table read: the mapping, its validated header copy, the snapshot. */
struct segtables_job {
	const unsigned char *base;
	const struct heaptop_seg_header *h;   /* checked by segread (shards, timeline) */
	struct seg_snapshot *snap;
	size_t site_cap, module_cap;          /* entries allocated in snap */
	size_t npending;                      /* pending entries read: shards [0, shards_used) */
	uint64_t *pending_seq;                /* their seqs as first read (npending, malloc'd) */
};

/* Copies n bytes (a multiple of 8, src 8-aligned) with relaxed 8-byte loads. */
void seg_copy_words(void *dst, const unsigned char *src, size_t n);
/* Whether h announces tables and whether their layout fits the segment
 * (sizes, counts, alignment, overlap, all overflow-safe); h must already
 * have passed segread's header checks. */
enum seg_sampling segtables_check(const struct heaptop_seg_header *h);
/* Copies the sampling fields of the header into j->snap and allocates the
 * site and module arrays and the pending seqs (bounded by the checked
 * counts); 0, or -1 when out of memory (nothing left allocated).  Call only
 * when segtables_check() said SEG_SAMPLING_ON; segtables_release() after. */
int segtables_prepare(struct segtables_job *j);
/* Copies the published sites with their pending deltas, the sample totals,
 * the peak copy and the valid modules (a sigbus_guard callback: allocates
 * nothing, every loop bounded). */
void segtables_copy(void *job);
/* Sanitises the copied module paths; call after a completed copy. */
void segtables_finish(struct segtables_job *j);
/* Frees what segtables_prepare() allocated for the copy alone (not snap's
 * arrays); call after the copy, completed or not. */
void segtables_release(struct segtables_job *j);

#endif
