/*
 * lib/sites.c - the call-site table in the segment, the live sampled blocks,
 * and the peak-contributors copy.
 *
 * Site table: open addressing by stack hash over the segment's fixed array
 * (protocol step 7 of include/heaptop/segment.h).  A slot is claimed by a CAS
 * of its hash from 0, then its stack is written and published with a release
 * store; a thread meeting a claimed slot with its own hash uses it at once
 * (its counters are independent atomics), so nobody ever waits.  A probe is
 * bounded; a sample that finds no slot is counted in sites_dropped.
 *
 * Live map: private memory, pointer -> (site, weights), open addressing with
 * tombstones that inserts reuse; every slot changes state by CAS, so frees
 * from any thread (and signal handlers) need no lock.  A counting filter of
 * one byte per hash bucket (ht_live_filter) lets frees skip the map.  Both
 * are wiped in a fork child: the child's new segment starts with no sites.
 *
 * Peak copy: when use_max has risen by max(peak_slack, use_max/64) since the
 * last copy, the thread that raised it copies every site's live estimate to
 * its peak fields under a try-lock (busy: skip, the next rise retries).  A
 * private list of the claimed slots keeps the copy to the sites in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

#define SITE_PROBES 64
#define LIVE_BITS 16
#define LIVE_CAP (1u << LIVE_BITS)
#define LIVE_PROBES 64

/* Live map keys besides pointers (blocks are never at these addresses). */
#define KEY_EMPTY 0u
#define KEY_TOMB 1u
#define KEY_BUSY 2u

struct live_slot {
	uint64_t key;     /* the block's address, or KEY_* */
	uint32_t site;
	uint32_t unused;
	uint64_t blocks;  /* weights this sample added to its site */
	uint64_t bytes;
};

uint8_t *ht_live_filter;
static uint8_t *filter_mem;          /* 1 << HT_FILTER_BITS counters, saturating at 255 */
static struct live_slot *live_map;   /* LIVE_CAP slots */
static uint32_t *used_list;          /* index + 1 of each claimed site slot (0: being written) */
static uint32_t used_n;              /* entries of used_list taken */
static uint64_t peak_last;           /* use_max at the last peak copy */
static int peak_lock;

#define LIVE_BYTES ((size_t)LIVE_CAP * sizeof(struct live_slot))
#define FILTER_BYTES ((size_t)1 << HT_FILTER_BITS)
#define USED_CAP (1u << 16) /* HEAPTOP_SITES's upper bound (config.c) */
#define USED_BYTES ((size_t)USED_CAP * sizeof(uint32_t))
#define PRIVATE_BYTES (LIVE_BYTES + FILTER_BYTES + USED_BYTES)

int ht_sites_prepare(void)
{
	__atomic_store_n(&ht_live_filter, NULL, __ATOMIC_RELAXED);
	peak_last = 0;
	peak_lock = 0;
	used_n = 0;
	if (live_map) {
		/* A fork child: forget the parent's samples and sites (zero pages again). */
		madvise(live_map, PRIVATE_BYTES, MADV_DONTNEED);
		return 0;
	}
	void *m = mmap(NULL, PRIVATE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	(void)madvise(m, PRIVATE_BYTES, MADV_WIPEONFORK);
	live_map = m;
	filter_mem = (uint8_t *)m + LIVE_BYTES;
	used_list = (uint32_t *)(filter_mem + FILTER_BYTES);
	return 0;
}

/* ---- the site table ---------------------------------------------------------- */

static struct heaptop_site *site_at(uint32_t i)
{
	return (struct heaptop_site *)(ht_rt.sites + (size_t)i * ht_rt.hdr->site_size);
}

static uint64_t stack_hash(const uint64_t *f, unsigned n, int truncated)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ ((uint64_t)n << 1) ^ (uint64_t)!!truncated;

	for (unsigned i = 0; i < n; i++) {
		h ^= f[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

/* Writes the stack of slot idx, which we claimed, publishes it and lists it. */
static void site_fill(uint32_t idx, struct heaptop_site *s, const uint64_t *f, unsigned n,
		      int truncated)
{
	for (unsigned i = 0; i < n; i++)
		__atomic_store_n(&s->frames[i], f[i], __ATOMIC_RELAXED);
	__atomic_store_n(&s->nframes, (uint16_t)n, __ATOMIC_RELAXED);
	__atomic_store_n(&s->flags, truncated ? HEAPTOP_SITE_TRUNCATED : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->published, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ht_rt.hdr->sites_used, 1, __ATOMIC_RELAXED);
	uint32_t k = __atomic_fetch_add(&used_n, 1, __ATOMIC_RELAXED);
	if (k < USED_CAP)
		__atomic_store_n(&used_list[k], idx + 1, __ATOMIC_RELEASE);
}

int64_t ht_sites_find(const uint64_t *frames, unsigned n, int truncated, int *added)
{
	struct heaptop_seg_header *h = ht_rt.hdr;
	uint32_t count = h->sites_count;
	uint64_t hash = stack_hash(frames, n, truncated);

	*added = 0;

	if (n > h->site_max_frames)
		n = h->site_max_frames;
	for (uint32_t i = 0; i < SITE_PROBES && i < count; i++) {
		uint32_t idx = (uint32_t)((hash + i) % count);
		struct heaptop_site *s = site_at(idx);
		uint64_t cur = __atomic_load_n(&s->hash, __ATOMIC_ACQUIRE);

		if (cur == 0 && __atomic_compare_exchange_n(&s->hash, &cur, hash, 0, __ATOMIC_ACQ_REL,
							    __ATOMIC_ACQUIRE)) {
			site_fill(idx, s, frames, n, truncated);
			*added = 1;
			return idx;
		}
		if (cur == hash)
			return idx;
	}
	__atomic_add_fetch(&h->sites_dropped, 1, __ATOMIC_RELAXED);
	return -1;
}

static void add(uint64_t *c, uint64_t v)
{
	__atomic_add_fetch(c, v, __ATOMIC_RELAXED);
}

static void site_live(uint32_t site, const struct ht_live_rec *r, int sign)
{
	struct heaptop_site *s = site_at(site);

	add(&s->live_samples, sign > 0 ? 1 : (uint64_t)-1);
	add(&s->live_blocks, sign > 0 ? r->blocks : -r->blocks);
	add(&s->live_bytes, sign > 0 ? r->bytes : -r->bytes);
}

void ht_sites_move(uint32_t site, uint64_t count, uint64_t bytes)
{
	struct heaptop_site *s = site_at(site);

	add(&s->move_samples, 1);
	add(&s->move_count, count);
	add(&s->move_bytes, bytes);
}

/* ---- the live map ------------------------------------------------------------ */

static uint32_t live_slot_of(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 29;
	return (uint32_t)((x * 0xbf58476d1ce4e5b9ull) >> (64 - LIVE_BITS));
}

static void filter_inc(size_t i)
{
	uint8_t v = __atomic_load_n(&filter_mem[i], __ATOMIC_RELAXED);
	while (v < 255 && !__atomic_compare_exchange_n(&filter_mem[i], &v, (uint8_t)(v + 1), 1,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* A saturated counter stays at 255: it no longer knows how many it holds. */
static void filter_dec(size_t i)
{
	uint8_t v = __atomic_load_n(&filter_mem[i], __ATOMIC_RELAXED);
	while (v != 0 && v != 255 &&
	       !__atomic_compare_exchange_n(&filter_mem[i], &v, (uint8_t)(v - 1), 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Adds p to the live map; 0, or -1 when no slot was free within the probe. */
static int live_insert(const void *p, const struct ht_live_rec *r)
{
	uint32_t h = live_slot_of(p);

	for (uint32_t i = 0; i < LIVE_PROBES; i++) {
		struct live_slot *e = &live_map[(h + i) & (LIVE_CAP - 1)];
		uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);

		if (k != KEY_EMPTY && k != KEY_TOMB)
			continue;
		if (!__atomic_compare_exchange_n(&e->key, &k, KEY_BUSY, 0, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		e->site = r->site;
		e->blocks = r->blocks;
		e->bytes = r->bytes;
		filter_inc(ht_filter_slot(p));
		__atomic_store_n(&e->key, (uint64_t)(uintptr_t)p, __ATOMIC_RELEASE);
		if (!__atomic_load_n(&ht_live_filter, __ATOMIC_RELAXED))
			__atomic_store_n(&ht_live_filter, filter_mem, __ATOMIC_RELEASE);
		return 0;
	}
	return -1;
}

void ht_sites_live_put(const void *p, const struct ht_live_rec *r)
{
	if (!ht_rt.sites)
		return;
	if (live_insert(p, r) != 0) {
		__atomic_add_fetch(&ht_rt.hdr->live_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	site_live(r->site, r, 1);
}

void ht_sites_alloc(const void *p, const struct ht_live_rec *r)
{
	struct heaptop_site *s = site_at(r->site);

	add(&s->alloc_samples, 1);
	add(&s->alloc_blocks, r->blocks);
	add(&s->alloc_bytes, r->bytes);
	ht_sites_live_put(p, r);
}

int ht_sites_live_take(const void *p, struct ht_live_rec *out)
{
	uint32_t h = live_slot_of(p);
	uint64_t key = (uint64_t)(uintptr_t)p;

	if (!live_map || !ht_rt.sites)
		return 0;
	for (uint32_t i = 0; i < LIVE_PROBES; i++) {
		struct live_slot *e = &live_map[(h + i) & (LIVE_CAP - 1)];
		uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);

		if (k == KEY_EMPTY)
			return 0;
		if (k != key || !__atomic_compare_exchange_n(&e->key, &k, KEY_BUSY, 0,
							     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		struct ht_live_rec r = { e->site, e->blocks, e->bytes };
		__atomic_store_n(&e->key, KEY_TOMB, __ATOMIC_RELEASE);
		filter_dec(ht_filter_slot(p));
		site_live(r.site, &r, -1);
		if (out)
			*out = r;
		return 1;
	}
	return 0;
}

/* ---- peak contributors ----------------------------------------------------- */

static void peak_copy(uint64_t max)
{
	struct heaptop_seg_header *h = ht_rt.hdr;
	uint64_t seq = __atomic_load_n(&h->peak_seq, __ATOMIC_RELAXED);

	__atomic_store_n(&h->peak_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint32_t n = __atomic_load_n(&used_n, __ATOMIC_RELAXED);
	/* Only the claimed slots (a site claimed during the copy may be missed:
	 * it holds next to nothing yet). */
	for (uint32_t k = 0; k < n && k < USED_CAP; k++) {
		uint32_t v = __atomic_load_n(&used_list[k], __ATOMIC_ACQUIRE);
		if (!v)
			continue;
		struct heaptop_site *s = site_at(v - 1);
		__atomic_store_n(&s->peak_samples, __atomic_load_n(&s->live_samples, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&s->peak_blocks, __atomic_load_n(&s->live_blocks, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&s->peak_bytes, __atomic_load_n(&s->live_bytes, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&h->peak_use_max, max, __ATOMIC_RELAXED);
	uint64_t at = ht_now_ns(1) - h->start_mono_ns;
	__atomic_store_n(&h->peak_mono_ns, at > INT64_MAX ? 0 : at, __ATOMIC_RELAXED);
	__atomic_store_n(&h->peak_seq, seq + 2, __ATOMIC_RELEASE);
}

void ht_sites_peak_maybe(uint64_t max)
{
	if (!ht_rt.sites || !__atomic_load_n(&ht_live_filter, __ATOMIC_RELAXED))
		return;
	uint64_t last = __atomic_load_n(&peak_last, __ATOMIC_RELAXED);
	uint64_t step = max / 64 > ht_rt.cfg.peak_slack ? max / 64 : ht_rt.cfg.peak_slack;
	if (max < last + step || __atomic_exchange_n(&peak_lock, 1, __ATOMIC_ACQUIRE))
		return;
	if (max > __atomic_load_n(&peak_last, __ATOMIC_RELAXED)) {
		peak_copy(max);
		__atomic_store_n(&peak_last, max, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&peak_lock, 0, __ATOMIC_RELEASE);
}
