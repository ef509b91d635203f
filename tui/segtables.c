/*
 * tui/segtables.c - reading the site and module tables of a v2 segment
 * and the pending region of a v4 one (see segtables.h).  The tables are
 * hostile input like the rest of the segment: their layout is checked
 * against the file before anything is touched, every loop is bounded by a
 * checked count, and each record is copied between two reads of what says
 * it is complete (the site's hash and published flag, the module's seq, the
 * peak_seq lock, the pending entries' seqs), retried a few times and
 * skipped (or, for the pending deltas, kept as last read) when it stays
 * torn: a writer killed mid-record never finishes it.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sanitize.h"
#include "segtables.h"

/* Attempts at one record (or the peak copy) before it counts as torn. */
#define RECORD_TRIES 4

static uint64_t ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* live_* are sums of adds and subtracts modulo 2^64: signed, clamped at 0. */
static uint64_t clamp0(uint64_t v)
{
	return (int64_t)v < 0 ? 0 : v;
}

static uint64_t ld_clamped(const uint64_t *p)
{
	return clamp0(ld(p));
}

void seg_copy_words(void *dst, const unsigned char *src, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w = ld((const uint64_t *)(const void *)(src + i));
		memcpy((char *)dst + i, &w, 8);
	}
}

/* ---- layout ----------------------------------------------------------------- */

struct region {
	uint64_t off, end;
};

/* [off, off + count * each) inside [0, size) and after the header, overflow-safe. */
static int region_ok(uint64_t off, uint64_t count, uint64_t each, const struct heaptop_seg_header *h,
		     struct region *r)
{
	uint64_t len;

	if (__builtin_mul_overflow(count, each, &len) || __builtin_add_overflow(off, len, &r->end))
		return 0;
	r->off = off;
	return off % 64 == 0 && off >= h->header_size && r->end <= h->seg_size;
}

static int overlap(const struct region *a, const struct region *b)
{
	return a->off < b->end && b->off < a->end;
}

/* The site table's own fields make sense. */
static int sites_ok(const struct heaptop_seg_header *h, struct region *r)
{
	uint64_t need = sizeof(struct heaptop_site) + 8ull * h->site_max_frames;

	return h->sites_count <= SEG_SITES_MAX && h->site_max_frames >= 1 &&
	       h->site_max_frames <= UINT16_MAX && h->site_size >= need && h->site_size % 8 == 0 &&
	       region_ok(h->sites_off, h->sites_count, h->site_size, h, r);
}

static int modules_ok(const struct heaptop_seg_header *h, struct region *r)
{
	if (h->modules_count == 0) {
		r->off = r->end = 0; /* absent: frames stay unresolved */
		return h->modules_off == 0;
	}
	return h->modules_count <= SEG_MODULES_MAX && h->module_size >= sizeof(struct heaptop_module) &&
	       h->module_size % 8 == 0 && region_ok(h->modules_off, h->modules_count, h->module_size, h, r);
}

/* A v4 writer announces a pending region (before v4 the field was reserved). */
static int has_pending(const struct heaptop_seg_header *h)
{
	return h->version >= 4 && h->pending_off != 0;
}

/* The pending region's own fields make sense: one entry per shard. */
static int pending_ok(const struct heaptop_seg_header *h, struct region *r)
{
	if (!has_pending(h)) {
		r->off = r->end = 0; /* absent: the table's counters are the whole counts */
		return 1;
	}
	return h->pending_size >= sizeof(struct heaptop_shard_pending) && h->pending_size % 64 == 0 &&
	       h->pending_sites <= HEAPTOP_PENDING_SITES &&
	       region_ok(h->pending_off, h->shard_count, h->pending_size, h, r);
}

/* Whether any two of the n regions overlap, but the first two (the shards
 * and the timeline, which segread checked). */
static int any_overlap(const struct region *r, int n)
{
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (b > 1 && overlap(&r[a], &r[b]))
				return 1;
	return 0;
}

enum seg_sampling segtables_check(const struct heaptop_seg_header *h)
{
	struct region r[5] = { { 0, 0 } }; /* shards, timeline, sites, modules, pending */

	if (h->version < 2 || h->header_size < sizeof(*h))
		return SEG_SAMPLING_NONE;
	if (h->sample_rate == 0 || h->sites_count == 0) {
		int none = h->sites_count == 0 && h->modules_count == 0 && !has_pending(h);
		return none ? SEG_SAMPLING_OFF : SEG_SAMPLING_DAMAGED;
	}
	if (!sites_ok(h, &r[2]) || !modules_ok(h, &r[3]) || !pending_ok(h, &r[4]))
		return SEG_SAMPLING_DAMAGED;
	r[0].off = h->shards_off;
	r[0].end = h->shards_off + (uint64_t)h->shard_count * h->shard_size; /* checked by segread */
	if (h->timeline_len) {
		r[1].off = h->timeline_off;
		r[1].end = h->timeline_off + (uint64_t)h->timeline_len * h->timeline_entry_size;
	}
	return any_overlap(r, 5) ? SEG_SAMPLING_DAMAGED : SEG_SAMPLING_ON;
}

/* ---- preparing ----------------------------------------------------------------- */

int segtables_prepare(struct segtables_job *j)
{
	const struct heaptop_seg_header *h = j->h;
	struct seg_snapshot *s = j->snap;

	s->sample_rate = h->sample_rate;
	s->sites_dropped = h->sites_dropped, s->live_dropped = h->live_dropped;
	s->modules_dropped = h->modules_dropped, s->modules_gen = h->modules_gen;
	s->sites_count = h->sites_count, s->sites_used = h->sites_used;
	s->modules_count = h->modules_count, s->modules_used = h->modules_used;
	/* a well-behaved writer publishes at most sites_used slots: more are unread */
	j->site_cap = h->sites_used < h->sites_count ? h->sites_used : h->sites_count;
	j->module_cap = h->modules_used < h->modules_count ? h->modules_used : h->modules_count;
	j->npending = has_pending(h) ? h->shards_used : 0; /* segread checked shards_used <= shard_count */
	s->sites = j->site_cap ? calloc(j->site_cap, sizeof(*s->sites)) : NULL;
	s->modules = j->module_cap ? calloc(j->module_cap, sizeof(*s->modules)) : NULL;
	j->pending_seq = j->npending ? calloc(j->npending, sizeof(*j->pending_seq)) : NULL;
	if ((j->site_cap && !s->sites) || (j->module_cap && !s->modules) ||
	    (j->npending && !j->pending_seq)) {
		free(s->sites), free(s->modules), free(j->pending_seq);
		s->sites = NULL, s->modules = NULL, j->pending_seq = NULL;
		return -1;
	}
	return 0;
}

void segtables_release(struct segtables_job *j)
{
	free(j->pending_seq);
	j->pending_seq = NULL;
	j->npending = 0;
}

/* ---- copying (under the SIGBUS guard) ------------------------------------------ */

/* The counters as the table has them; live_* stay unclamped until the
 * pending deltas are added (clamp_live). */
static void copy_counters(const struct heaptop_site *s, struct seg_site *o)
{
	o->alloc_samples = ld(&s->alloc_samples);
	o->alloc_blocks = ld(&s->alloc_blocks);
	o->alloc_bytes = ld(&s->alloc_bytes);
	o->live_samples = ld(&s->live_samples);
	o->live_blocks = ld(&s->live_blocks);
	o->live_bytes = ld(&s->live_bytes);
	o->move_samples = ld(&s->move_samples);
	o->move_count = ld(&s->move_count);
	o->move_bytes = ld(&s->move_bytes);
}

/* Slot p into *o: 1 copied, 0 free slot, -1 claimed but unpublished, torn or invalid. */
static int copy_site(const unsigned char *p, uint32_t max_frames, struct seg_site *o)
{
	const struct heaptop_site *s = (const void *)p;

	for (int t = 0; t < RECORD_TRIES; t++) {
		uint64_t hash = ld(&s->hash);
		if (!hash)
			return 0;
		if (__atomic_load_n(&s->published, __ATOMIC_ACQUIRE) != 1)
			return -1; /* being published, or never will be: skip, never wait */
		uint16_t n = __atomic_load_n(&s->nframes, __ATOMIC_RELAXED);
		if (n > max_frames)
			return -1;
		o->hash = hash;
		o->flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);
		o->nframes = n < SEG_FRAMES_MAX ? n : SEG_FRAMES_MAX;
		if (n > SEG_FRAMES_MAX)
			o->flags |= HEAPTOP_SITE_TRUNCATED;
		seg_copy_words(o->frames, (const unsigned char *)s->frames, 8u * o->nframes);
		copy_counters(s, o);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (ld(&s->hash) == hash && __atomic_load_n(&s->published, __ATOMIC_RELAXED) == 1 &&
		    __atomic_load_n(&s->nframes, __ATOMIC_RELAXED) == n)
			return 1;
		sched_yield();
	}
	return -1;
}

static const unsigned char *site_at(const struct segtables_job *j, uint32_t slot)
{
	return j->base + j->h->sites_off + (uint64_t)slot * j->h->site_size;
}

static void copy_sites(struct segtables_job *j)
{
	struct seg_snapshot *s = j->snap;

	s->nsites = 0;
	s->sites_unread = 0;
	for (uint32_t slot = 0; slot < j->h->sites_count; slot++) {
		if (s->nsites == j->site_cap) {
			s->sites_unread += ld((const uint64_t *)(const void *)site_at(j, slot)) != 0;
			continue;
		}
		struct seg_site *o = &s->sites[s->nsites];
		int rc = copy_site(site_at(j, slot), j->h->site_max_frames, o);
		if (rc > 0) {
			o->slot = slot;
			s->nsites++;
		} else if (rc < 0) {
			s->sites_unread++;
		}
	}
}

/* ---- the pending region (v4, step 7; under the SIGBUS guard) ----------------- */

/* A pending delta[k] adds to counter k of the site, in struct heaptop_site's
 * order (alloc_samples .. move_bytes). */
_Static_assert(offsetof(struct heaptop_site, move_bytes) ==
		       offsetof(struct heaptop_site, alloc_samples) + 8 * (HEAPTOP_SITE_COUNTERS - 1),
	       "the site counters are consecutive");
static const size_t counter_at[HEAPTOP_SITE_COUNTERS] = {
	offsetof(struct seg_site, alloc_samples), offsetof(struct seg_site, alloc_blocks),
	offsetof(struct seg_site, alloc_bytes),   offsetof(struct seg_site, live_samples),
	offsetof(struct seg_site, live_blocks),   offsetof(struct seg_site, live_bytes),
	offsetof(struct seg_site, move_samples),  offsetof(struct seg_site, move_count),
	offsetof(struct seg_site, move_bytes),
};

/* Entry i (pending_off and pending_size are multiples of 64, checked). */
static const struct heaptop_shard_pending *pending_at(const struct segtables_job *j, size_t i)
{
	return (const void *)(j->base + j->h->pending_off + (uint64_t)i * j->h->pending_size);
}

/* Every entry's seq into pending_seq (acquire); 1 when all are even. */
static int read_seqs(struct segtables_job *j)
{
	int even = 1;

	for (size_t i = 0; i < j->npending; i++) {
		j->pending_seq[i] = __atomic_load_n(&pending_at(j, i)->seq, __ATOMIC_ACQUIRE);
		even &= j->pending_seq[i] % 2 == 0;
	}
	return even;
}

/* 1 when every entry's seq still reads as read_seqs() found it. */
static int seqs_unchanged(const struct segtables_job *j)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (size_t i = 0; i < j->npending; i++)
		if (ld(&pending_at(j, i)->seq) != j->pending_seq[i])
			return 0;
	return 1;
}

/* The copied site of slot (they are in slot order), or NULL. */
static struct seg_site *site_of_slot(struct seg_snapshot *s, uint64_t slot)
{
	size_t lo = 0, hi = s->nsites;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->sites[mid].slot == slot)
			return &s->sites[mid];
		if (s->sites[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One pending slot's deltas into the copied site it names; a slot naming
 * no copied site (none, unpublished, out of range) is ignored. */
static void add_deltas(struct seg_snapshot *s, const struct heaptop_pending_site *p)
{
	uint32_t site = __atomic_load_n(&p->site, __ATOMIC_RELAXED);
	struct seg_site *o = site ? site_of_slot(s, (uint64_t)site - 1) : NULL;

	if (!o)
		return;
	for (int k = 0; k < HEAPTOP_SITE_COUNTERS; k++)
		*(uint64_t *)(void *)((char *)o + counter_at[k]) += ld(&p->delta[k]);
}

/* The sample totals (header + every entry) and every entry's site deltas. */
static void add_pending(struct segtables_job *j)
{
	const struct heaptop_seg_header *live = (const void *)j->base;
	struct seg_snapshot *s = j->snap;
	uint64_t samples = ld(&live->samples_total), moves = ld(&live->move_samples_total);

	for (size_t i = 0; i < j->npending; i++) {
		const struct heaptop_shard_pending *e = pending_at(j, i);
		samples += ld(&e->samples);
		moves += ld(&e->move_samples);
		for (uint32_t k = 0; k < j->h->pending_sites; k++)
			add_deltas(s, &e->site[k]);
	}
	s->samples_total = samples, s->move_samples_total = moves;
}

static void clamp_live(struct seg_snapshot *s)
{
	for (size_t i = 0; i < s->nsites; i++) {
		s->sites[i].live_samples = clamp0(s->sites[i].live_samples);
		s->sites[i].live_blocks = clamp0(s->sites[i].live_blocks);
		s->sites[i].live_bytes = clamp0(s->sites[i].live_bytes);
	}
}

/* The sites and sample totals with the pending deltas added, between two
 * reads of every entry's seq; retried while one is odd or changes, then the
 * last copy is kept (at most one move off).  Without a pending region it
 * is the site table and the header alone, read once. */
static void copy_counted_sites(struct segtables_job *j)
{
	for (int t = 0; t < RECORD_TRIES; t++) {
		int settled = read_seqs(j);
		copy_sites(j);
		add_pending(j);
		settled &= seqs_unchanged(j);
		j->snap->pending_unsettled = !settled;
		if (settled)
			break;
		sched_yield();
	}
	clamp_live(j->snap);
}

/* The peak_* fields of the copied sites between two equal, even reads of
 * peak_seq (protocol step 8); peak_valid stays 0 when that never happens. */
static void copy_peaks(struct segtables_job *j)
{
	const struct heaptop_seg_header *live = (const void *)j->base;
	struct seg_snapshot *s = j->snap;

	for (int t = 0; t < RECORD_TRIES; t++) {
		uint64_t seq = __atomic_load_n(&live->peak_seq, __ATOMIC_ACQUIRE);
		if (seq % 2 == 0) {
			for (size_t i = 0; i < s->nsites; i++) {
				const struct heaptop_site *p = (const void *)site_at(j, s->sites[i].slot);
				s->sites[i].peak_samples = ld_clamped(&p->peak_samples);
				s->sites[i].peak_blocks = ld_clamped(&p->peak_blocks);
				s->sites[i].peak_bytes = ld_clamped(&p->peak_bytes);
			}
			s->peak_use_max = ld(&live->peak_use_max);
			s->peak_t_ns = ld(&live->peak_mono_ns);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (ld(&live->peak_seq) == seq) {
				s->peak_valid = 1;
				return;
			}
		}
		sched_yield();
	}
	for (size_t i = 0; i < s->nsites; i++)
		s->sites[i].peak_samples = s->sites[i].peak_blocks = s->sites[i].peak_bytes = 0;
	s->peak_use_max = s->peak_t_ns = 0;
}

/* Entry p into *o when its seq reads 2 before and after the copy: 1, else 0. */
static int copy_module(const unsigned char *p, struct seg_module *o)
{
	const struct heaptop_module *m = (const void *)p;

	for (int t = 0; t < RECORD_TRIES; t++) {
		uint64_t seq = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
		if (seq != 2) {
			if (seq != 1)
				return 0; /* free or garbage */
			sched_yield(); /* being written: a few more looks, then skip */
			continue;
		}
		o->state = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		o->build_id_len = __atomic_load_n(&m->build_id_len, __ATOMIC_RELAXED);
		o->flags = __atomic_load_n(&m->flags, __ATOMIC_RELAXED);
		o->base = ld(&m->base), o->start = ld(&m->start), o->end = ld(&m->end);
		o->load_t_ns = ld(&m->load_mono_ns), o->unload_t_ns = ld(&m->unload_mono_ns);
		seg_copy_words(o->build_id, m->build_id, sizeof(o->build_id));
		seg_copy_words(o->path, (const unsigned char *)m->path, HEAPTOP_MODULE_PATH_MAX);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (ld(&m->seq) == 2)
			return o->start < o->end && o->build_id_len <= HEAPTOP_BUILD_ID_MAX &&
			       (o->state == HEAPTOP_MODULE_LOADED || o->state == HEAPTOP_MODULE_UNLOADED);
	}
	return 0;
}

static void copy_modules(struct segtables_job *j)
{
	struct seg_snapshot *s = j->snap;

	s->nmodules = 0;
	s->modules_unread = 0;
	for (size_t i = 0; i < j->module_cap; i++) {
		const unsigned char *p = j->base + j->h->modules_off + (uint64_t)i * j->h->module_size;
		if (copy_module(p, &s->modules[s->nmodules]))
			s->nmodules++;
		else
			s->modules_unread++;
	}
}

void segtables_copy(void *job)
{
	struct segtables_job *j = job;

	copy_counted_sites(j);
	copy_peaks(j);
	copy_modules(j);
}

/* ---- after the copy ----------------------------------------------------------------- */

void segtables_finish(struct segtables_job *j)
{
	char clean[HEAPTOP_MODULE_PATH_MAX + 1];

	for (size_t i = 0; i < j->snap->nmodules; i++) {
		struct seg_module *m = &j->snap->modules[i];
		int terminated = memchr(m->path, '\0', HEAPTOP_MODULE_PATH_MAX) != NULL;
		m->path[HEAPTOP_MODULE_PATH_MAX] = '\0';
		sanitize_text(clean, sizeof(clean), m->path, HEAPTOP_MODULE_PATH_MAX);
		m->path_exact = terminated && !(m->flags & HEAPTOP_MODULE_PATH_CUT) && clean[0] &&
				strcmp(clean, m->path) == 0;
		memcpy(m->path, clean, sizeof(clean));
	}
}
