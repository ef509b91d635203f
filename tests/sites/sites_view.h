/*
 * tests/sites/sites_view.h - the site and module tables of a heaptop segment
 * as the sites tests read them: map a segment read-only, walk its published
 * sites and modules, and sum a site's fields with the pending deltas of a v4
 * segment.  Follows the reader protocol of include/heaptop/segment.h (steps
 * 7-9), with checks sized for tests.
 *
 * A site's counters and the sample totals are the table's (the header's)
 * plus what every shard owner still keeps pending.  The main thread's own
 * deltas stay pending until it needs the slot for another site (nothing
 * moves them at exit), so any sum compared with an exact truth must include
 * them: use sites_view_counter(), site_sum_add() and sites_view_samples(),
 * never the table's or header's fields alone.
 */
#ifndef HEAPTOP_TESTS_SITES_VIEW_H
#define HEAPTOP_TESTS_SITES_VIEW_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "heaptop/segment.h"

struct sites_view {
	const struct heaptop_seg_header *h;
	size_t size;
};

/* Whether the segment has a pending region (v4 with sampling on). */
static inline int sites_view_has_pending(const struct sites_view *v)
{
	return v->h->version >= 4 && v->h->pending_off != 0;
}

/* Whether the pending region, when there is one, fits the mapping (with
 * entries 64-aligned, as libheaptop writes them: they are used as structs). */
static inline int sites_view_pending_ok(const struct sites_view *v)
{
	const struct heaptop_seg_header *h = v->h;

	return !sites_view_has_pending(v) ||
	       (h->pending_size >= sizeof(struct heaptop_shard_pending) && h->pending_size % 64 == 0 &&
		h->pending_off % 64 == 0 && h->pending_sites <= HEAPTOP_PENDING_SITES &&
		h->pending_off + (uint64_t)h->shard_count * h->pending_size <= v->size);
}

/* Maps the segment at path (a /dev/shm file) read-only; 0 or -1. */
static inline int sites_view_open(struct sites_view *v, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct heaptop_seg_header)) {
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	v->h = m;
	v->size = (size_t)st.st_size;
	if (__atomic_load_n(&v->h->magic, __ATOMIC_ACQUIRE) != HEAPTOP_MAGIC ||
	    v->h->version < 2 || v->h->header_size < sizeof(struct heaptop_seg_header) ||
	    v->h->seg_size > v->size ||
	    v->h->sites_off + (uint64_t)v->h->sites_count * v->h->site_size > v->size ||
	    v->h->modules_off + (uint64_t)v->h->modules_count * v->h->module_size > v->size ||
	    !sites_view_pending_ok(v)) {
		munmap(m, v->size);
		return -1;
	}
	return 0;
}

static inline const struct heaptop_site *sites_view_site(const struct sites_view *v, uint32_t i)
{
	return (const struct heaptop_site *)((const char *)v->h + v->h->sites_off +
					     (size_t)i * v->h->site_size);
}

/* The site in slot i when it is published, else NULL. */
static inline const struct heaptop_site *sites_view_published(const struct sites_view *v,
							      uint32_t i)
{
	const struct heaptop_site *s = sites_view_site(v, i);
	if (!__atomic_load_n(&s->hash, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&s->published, __ATOMIC_ACQUIRE) != 1 ||
	    s->nframes > v->h->site_max_frames)
		return NULL;
	return s;
}

static inline const struct heaptop_module *sites_view_module(const struct sites_view *v, uint32_t i)
{
	const struct heaptop_module *m = (const struct heaptop_module *)(
		(const char *)v->h + v->h->modules_off + (size_t)i * v->h->module_size);
	return __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) == 2 ? m : NULL;
}

static inline uint32_t sites_view_modules(const struct sites_view *v)
{
	uint32_t n = __atomic_load_n(&v->h->modules_used, __ATOMIC_RELAXED);
	return n < v->h->modules_count ? n : v->h->modules_count;
}

/* ---- the pending region (v4, protocol step 7) ---------------------------------- */

/* Pending entries to add: shards [0, shards_used), or none. */
static inline uint32_t sites_view_pending_count(const struct sites_view *v)
{
	uint32_t n = __atomic_load_n(&v->h->shards_used, __ATOMIC_RELAXED);

	if (!sites_view_has_pending(v))
		return 0;
	return n < v->h->shard_count ? n : v->h->shard_count;
}

static inline const struct heaptop_shard_pending *sites_view_pending(const struct sites_view *v,
								    uint32_t shard)
{
	return (const struct heaptop_shard_pending *)((const char *)v->h + v->h->pending_off +
						      (size_t)shard * v->h->pending_size);
}

/* The sum of every pending entry's seq (acquire); 1 when all were even.
 * Seqs only grow: the same sum twice means no owner moved deltas between. */
static inline int sites_view_pending_seq(const struct sites_view *v, uint64_t *sum)
{
	int even = 1;

	*sum = 0;
	for (uint32_t i = 0; i < sites_view_pending_count(v); i++) {
		uint64_t seq = __atomic_load_n(&sites_view_pending(v, i)->seq, __ATOMIC_ACQUIRE);
		*sum += seq;
		even &= seq % 2 == 0;
	}
	return even;
}

/* The nine counters of struct heaptop_site that pending deltas add to. */
enum site_counter {
	SC_ALLOC_SAMPLES, SC_ALLOC_BLOCKS, SC_ALLOC_BYTES,
	SC_LIVE_SAMPLES, SC_LIVE_BLOCKS, SC_LIVE_BYTES,
	SC_MOVE_SAMPLES, SC_MOVE_COUNT, SC_MOVE_BYTES,
};
_Static_assert(offsetof(struct heaptop_site, move_bytes) ==
		       offsetof(struct heaptop_site, alloc_samples) + 8 * SC_MOVE_BYTES,
	       "delta[k] goes to the k-th counter from alloc_samples");

/* Counter k of the site in slot i: its field in the table plus delta[k] of
 * every pending slot naming it (site == i + 1), modulo 2^64.  live_* are
 * signed: cast to int64_t. */
static inline uint64_t sites_view_counter(const struct sites_view *v, uint32_t i, enum site_counter k)
{
	const char *f = (const char *)sites_view_site(v, i) + offsetof(struct heaptop_site, alloc_samples);
	uint64_t sum = __atomic_load_n((const uint64_t *)(const void *)(f + 8 * k), __ATOMIC_RELAXED);

	for (uint32_t e = 0; e < sites_view_pending_count(v); e++) {
		const struct heaptop_shard_pending *p = sites_view_pending(v, e);
		for (uint32_t j = 0; j < v->h->pending_sites; j++)
			if (__atomic_load_n(&p->site[j].site, __ATOMIC_RELAXED) == i + 1)
				sum += __atomic_load_n(&p->site[j].delta[k], __ATOMIC_RELAXED);
	}
	return sum;
}

/* samples_total and move_samples_total with every entry's pending samples. */
static inline void sites_view_samples(const struct sites_view *v, uint64_t *samples, uint64_t *moves)
{
	*samples = __atomic_load_n(&v->h->samples_total, __ATOMIC_RELAXED);
	*moves = __atomic_load_n(&v->h->move_samples_total, __ATOMIC_RELAXED);
	for (uint32_t e = 0; e < sites_view_pending_count(v); e++) {
		*samples += __atomic_load_n(&sites_view_pending(v, e)->samples, __ATOMIC_RELAXED);
		*moves += __atomic_load_n(&sites_view_pending(v, e)->move_samples, __ATOMIC_RELAXED);
	}
}

static inline uint64_t sites_view_samples_total(const struct sites_view *v)
{
	uint64_t samples, moves;

	sites_view_samples(v, &samples, &moves);
	return samples;
}

/* ---- sums ------------------------------------------------------------------------ */

/* The fields of sites summed together (sites with the same frame 0 function). */
struct site_sum {
	uint64_t sites, alloc_samples, alloc_blocks, alloc_bytes;
	int64_t live_samples, live_blocks, live_bytes;
	uint64_t move_samples, move_count, move_bytes;
	int64_t peak_bytes;
};

/* Adds the site in slot i of v, pending deltas included (peaks have none). */
static inline void site_sum_add(struct site_sum *a, const struct sites_view *v, uint32_t i)
{
	a->sites++;
	a->alloc_samples += sites_view_counter(v, i, SC_ALLOC_SAMPLES);
	a->alloc_blocks += sites_view_counter(v, i, SC_ALLOC_BLOCKS);
	a->alloc_bytes += sites_view_counter(v, i, SC_ALLOC_BYTES);
	a->live_samples += (int64_t)sites_view_counter(v, i, SC_LIVE_SAMPLES);
	a->live_blocks += (int64_t)sites_view_counter(v, i, SC_LIVE_BLOCKS);
	a->live_bytes += (int64_t)sites_view_counter(v, i, SC_LIVE_BYTES);
	a->move_samples += sites_view_counter(v, i, SC_MOVE_SAMPLES);
	a->move_count += sites_view_counter(v, i, SC_MOVE_COUNT);
	a->move_bytes += sites_view_counter(v, i, SC_MOVE_BYTES);
	a->peak_bytes += (int64_t)__atomic_load_n(&sites_view_site(v, i)->peak_bytes, __ATOMIC_RELAXED);
}

#endif
