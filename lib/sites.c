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
 * Pending deltas (protocol step 7): a thread that owns a shard doesn't add
 * to a site's counters with locked instructions; it keeps the deltas of its
 * latest sites in its own entry of the segment's pending region, in one of
 * two slots per site (pending_slot), with plain adds, and moves a slot's
 * deltas into the site table (seq odd meanwhile) only when another site
 * needs the slot.  Readers add the slots.  A thread on shard 0, or a
 * call nested in a signal handler while the entry is in use, adds to the
 * site table directly.  Sample totals go the same way.
 *
 * Peak copy: when use_max has risen by max(peak_slack, use_max/64) since the
 * last copy, the thread that raised it copies every site's live estimate
 * (pending deltas included) to its peak fields under a try-lock (busy:
 * skip, the next rise retries).  A private list of the claimed slots keeps
 * the copy to the sites in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

#define SITE_PROBES 64
_Static_assert((HEAPTOP_PENDING_SITES & (HEAPTOP_PENDING_SITES - 1)) == 0,
	       "pending_slot pairs slots by xor: a power of two");
#define LIVE_BITS_MIN 16 /* enough for 64K live samples: a 32 GiB heap at the default rate */
#define LIVE_BITS_MAX 21
#define LIVE_PROBES 64

/*
 * A live map slot is one word: KEY_EMPTY, KEY_TOMB, or a live sample, its
 * block's address / 8 above LIVE_SITE_BITS bits of its site index.  Its
 * weights are not kept: they are a function of the block's usable size
 * (sample.c), which the free passes in.  A block whose address doesn't fit
 * (not 8-aligned, or above 2^51) is not followed (live_dropped).
 */
#define KEY_EMPTY 0u
#define KEY_TOMB 1u
#define LIVE_SITE_BITS 16 /* HEAPTOP_SITES is at most 65536 (config.c) */
#define LIVE_SITE_MASK ((1u << LIVE_SITE_BITS) - 1)

/* The slot word of block p of site, or 0 when p can't be followed. */
static uint64_t live_word(const void *p, uint32_t site)
{
	uint64_t a = (uint64_t)(uintptr_t)p;

	if ((a & 7) || (a >> (64 - LIVE_SITE_BITS + 3)) || site > LIVE_SITE_MASK)
		return 0;
	return (a >> 3) << LIVE_SITE_BITS | site;
}

uint8_t *ht_live_filter;
static uint8_t *filter_mem;          /* 1 << HT_FILTER_BITS counters, saturating at 255 */
static uint64_t *live_map;           /* 1 << live_bits slot words */
static unsigned live_bits;           /* set once, from the sample rate */
static uint32_t *used_list;          /* index + 1 of each claimed site slot (0: being written) */
static uint32_t used_n;              /* entries of used_list taken */
static uint64_t peak_last;           /* use_max at the last peak copy */
static int peak_lock;

#define LIVE_BYTES ((size_t)sizeof(uint64_t) << live_bits)
#define FILTER_BYTES ((size_t)1 << HT_FILTER_BITS)
#define USED_CAP (1u << 16) /* HEAPTOP_SITES's upper bound (config.c) */
#define USED_BYTES ((size_t)USED_CAP * sizeof(uint32_t))
#define PRIVATE_BYTES (LIVE_BYTES + FILTER_BYTES + USED_BYTES)

/*
 * The live map's size: live samples are about the live heap / the rate, so
 * twice the slots for every halving of the rate below 64 KiB, up to 2M
 * slots (16 MiB of address space, touched only where samples land) at
 * 2 KiB and below; at rate 1 every live block holds a slot, and the map
 * stays under half full up to ~1M live blocks (perl's 750 000: 1.35 probes
 * per insert or take, against 6.8 with 1M slots).  Samples that find
 * no room are counted in live_dropped.
 */
static unsigned live_bits_for(uint64_t rate)
{
	unsigned b = LIVE_BITS_MIN;

	for (uint64_t r = rate; r < 65536 && b < LIVE_BITS_MAX; r <<= 1)
		b++;
	return b;
}

int ht_sites_prepare(void)
{
	__atomic_store_n(&ht_live_filter, NULL, __ATOMIC_RELAXED);
	peak_last = 0;
	peak_lock = 0;
	used_n = 0;
	if (live_map) {
		/* A fork child: forget the parent's samples and sites (zero pages again). */
		madvise(live_map, PRIVATE_BYTES, MADV_DONTNEED);
	} else {
		live_bits = live_bits_for(ht_rt.cfg.sample_rate);
		void *m = mmap(NULL, PRIVATE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (m == MAP_FAILED)
			return -errno;
		(void)madvise(m, PRIVATE_BYTES, MADV_WIPEONFORK);
		live_map = m;
		filter_mem = (uint8_t *)m + LIVE_BYTES;
		used_list = (uint32_t *)(filter_mem + FILTER_BYTES);
	}
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

/*
 * The sites this thread found last, by stack hash (direct-mapped): a stack
 * seen again is its site without a look at the shared table, whose lines
 * the other threads' samples and the peak copies keep taking away.  Valid
 * for one segment of one process (a fork child gets a new segment, maybe
 * at the same address).  Finds don't nest on a thread (t->busy).
 */
#define SITE_MEMO_BITS 6
struct site_memo {
	const void *hdr;
	pid_t pid;
	uint64_t hash[1u << SITE_MEMO_BITS]; /* 0: empty */
	uint32_t idx[1u << SITE_MEMO_BITS];
};
static __thread struct site_memo site_memo __attribute__((tls_model("initial-exec")));

int64_t ht_sites_find(const uint64_t *frames, unsigned n, int truncated, int *added)
{
	struct heaptop_seg_header *h = ht_rt.hdr;
	struct site_memo *m = &site_memo;
	uint32_t count = h->sites_count;
	uint64_t hash = stack_hash(frames, n, truncated);
	unsigned c = (unsigned)(hash >> (64 - SITE_MEMO_BITS));

	*added = 0;
	if (HT_UNLIKELY(m->hdr != h || m->pid != ht_rt.pid)) {
		memset(m->hash, 0, sizeof(m->hash));
		m->hdr = h;
		m->pid = ht_rt.pid;
	}
	if (m->hash[c] == hash)
		return m->idx[c];
	if (n > h->site_max_frames)
		n = h->site_max_frames;
	/* the first slot: hash scaled to [0, count) (no division) */
	uint32_t idx = (uint32_t)(((unsigned __int128)hash * count) >> 64);
	for (uint32_t i = 0; i < SITE_PROBES && i < count; i++, idx = idx + 1 < count ? idx + 1 : 0) {
		struct heaptop_site *s = site_at(idx);
		uint64_t cur = __atomic_load_n(&s->hash, __ATOMIC_ACQUIRE);

		if (cur == 0 && __atomic_compare_exchange_n(&s->hash, &cur, hash, 0, __ATOMIC_ACQ_REL,
							    __ATOMIC_ACQUIRE)) {
			site_fill(idx, s, frames, n, truncated);
			*added = 1;
		} else if (cur != hash) {
			continue;
		}
		m->hash[c] = hash;
		m->idx[c] = idx;
		return idx;
	}
	__atomic_add_fetch(&h->sites_dropped, 1, __ATOMIC_RELAXED);
	return -1;
}

static void add(uint64_t *c, uint64_t v)
{
	__atomic_add_fetch(c, v, __ATOMIC_RELAXED);
}

/* ---- pending deltas ---------------------------------------------------------- */

/* Counter k (HEAPTOP_SITE_COUNTERS order) of site s. */
enum { K_ALLOC = 0, K_LIVE = 3, K_MOVE = 6 }; /* each: samples, blocks (count), bytes */

static uint64_t *counters_of(struct heaptop_site *s)
{
	return (uint64_t *)(void *)((char *)s + offsetof(struct heaptop_site, alloc_samples));
}

/* The calling thread's pending entry, found again when its shard or the
 * segment changed; in_use keeps a call nested in a signal handler out. */
struct pending_memo {
	const void *hdr;
	const struct heaptop_shard *shard;
	struct heaptop_shard_pending *entry;
	uint8_t in_use;
	uint8_t moved;  /* the slot given to a site last */
};
static __thread struct pending_memo pending_memo __attribute__((tls_model("initial-exec")));

/* The pending entry of shard i. */
static struct heaptop_shard_pending *pending_of(size_t i)
{
	return (struct heaptop_shard_pending *)(void *)(ht_rt.pending + i * ht_rt.hdr->pending_size);
}

/* Points m at the entry of t's shard in the current segment. */
static __attribute__((noinline)) void pending_find(struct pending_memo *m, const struct ht_thread *t)
{
	m->entry = pending_of((size_t)((char *)t->shard - ht_rt.shards) / ht_rt.hdr->shard_size);
	m->shard = t->shard;
	m->hdr = ht_rt.hdr;
}

/* The calling thread's pending entry, now in use, or NULL: add to the site
 * table directly (no shard of its own, sampling off, or nested). */
HT_INLINE struct heaptop_shard_pending *pending_enter(void)
{
	struct pending_memo *m = &pending_memo;
	struct ht_thread *t = &ht_self;

	if (!ht_rt.pending || m->in_use || t->state != HT_THREAD_OWNER || !t->shard)
		return NULL;
	m->in_use = 1;
	HT_SIGNAL_FENCE();
	if (HT_UNLIKELY(m->shard != t->shard || m->hdr != ht_rt.hdr))
		pending_find(m, t);
	return m->entry;
}

HT_INLINE void pending_leave(void)
{
	HT_SIGNAL_FENCE();
	pending_memo.in_use = 0;
}

static void own_inc(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

/* Moves slot e's deltas into its site's counters and gives e to site (an
 * index); readers see seq odd meanwhile. */
static void pending_move(struct heaptop_shard_pending *p, struct heaptop_pending_site *e, uint32_t site)
{
	/* even again if an owner died in the middle of a move (its shard is ours now) */
	uint64_t seq = __atomic_load_n(&p->seq, __ATOMIC_RELAXED) & ~1ull;

	__atomic_store_n(&p->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint32_t old = __atomic_load_n(&e->site, __ATOMIC_RELAXED);
	if (old) {
		uint64_t *c = counters_of(site_at(old - 1));
		for (int k = 0; k < HEAPTOP_SITE_COUNTERS; k++) {
			uint64_t d = __atomic_load_n(&e->delta[k], __ATOMIC_RELAXED);
			if (d) {
				add(&c[k], d);
				__atomic_store_n(&e->delta[k], 0, __ATOMIC_RELAXED);
			}
		}
	}
	__atomic_store_n(&e->site, site + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq, seq + 2, __ATOMIC_RELEASE);
}

/*
 * The slot of entry p that holds site's deltas, moved to site if need be.
 * A site may use two slots (site mod 8 and another that site's next bits
 * pick); when it holds neither, it takes an empty one of them (a first),
 * else whichever was not the last slot given to a site.  With a single
 * slot per site, two hot sites that share it evict each other on every
 * sample (perl at rate 1: 81K moves for 118K samples).  Hits cost a
 * compare or two, no bookkeeping.
 */
HT_INLINE struct heaptop_pending_site *pending_slot(struct heaptop_shard_pending *p, uint32_t site)
{
	unsigned a = site % HEAPTOP_PENDING_SITES;

	if (HT_LIKELY(__atomic_load_n(&p->site[a].site, __ATOMIC_RELAXED) == site + 1))
		return &p->site[a];
	unsigned b = a ^ ((site / HEAPTOP_PENDING_SITES % HEAPTOP_PENDING_SITES) | 1); /* != a */
	uint32_t at_b = __atomic_load_n(&p->site[b].site, __ATOMIC_RELAXED);
	if (at_b == site + 1)
		return &p->site[b];
	/* Neither: an empty one, a first (a hit there is the cheaper), else
	 * the one not given away last. */
	struct pending_memo *m = &pending_memo;
	if (__atomic_load_n(&p->site[a].site, __ATOMIC_RELAXED) == 0 || (at_b != 0 && m->moved != a))
		b = a;
	pending_move(p, &p->site[b], site);
	m->moved = (uint8_t)b;
	return &p->site[b];
}

/* Counts a sample in the totals (move: a realloc-move sample): in entry p,
 * or in the header when there is none. */
HT_INLINE void tally(struct heaptop_shard_pending *p, int move)
{
	if (!p)
		add(move ? &ht_rt.hdr->move_samples_total : &ht_rt.hdr->samples_total, 1);
	else
		own_inc(move ? &p->move_samples : &p->samples, 1);
}

/* Adds v[0..n) to counters k0.. of site (an index), and counts a sample in
 * the totals (sample 0: an allocation sample, 1: a move sample, -1: none). */
HT_INLINE void site_add(uint32_t site, int k0, int n, const uint64_t *v, int sample)
{
	struct heaptop_shard_pending *p = pending_enter();

	if (!p) {
		uint64_t *c = counters_of(site_at(site)) + k0;
#pragma GCC unroll 9
		for (int i = 0; i < n; i++)
			if (v[i])
				add(&c[i], v[i]);
		if (sample >= 0)
			tally(NULL, sample);
		return;
	}
	struct heaptop_pending_site *e = pending_slot(p, site);
#pragma GCC unroll 9
	for (int i = 0; i < n; i++)
		own_inc(&e->delta[k0 + i], v[i]);
	if (sample >= 0)
		tally(p, sample);
	pending_leave();
}

void ht_sites_count_sample(int move)
{
	struct heaptop_shard_pending *p = pending_enter();

	tally(p, move);
	if (p)
		pending_leave();
}

HT_INLINE void site_live(uint32_t site, const struct ht_live_rec *r, int sign)
{
	uint64_t v[3] = { 1, r->blocks, r->bytes };

	if (sign < 0)
		v[0] = -v[0], v[1] = -v[1], v[2] = -v[2];
	site_add(site, K_LIVE, 3, v, -1);
}

void ht_sites_move(uint32_t site, uint64_t count, uint64_t bytes)
{
	uint64_t v[3] = { 1, count, bytes };

	site_add(site, K_MOVE, 3, v, 1);
}

/* ---- the live map ------------------------------------------------------------ */

/*
 * A block's home slot keeps the heap's locality: blocks within one 16 MiB
 * window go to slots in address order (one per 16 bytes, so at most every
 * other slot of a run of the smallest chunks), and each window starts at
 * its own hashed offset.  Blocks allocated together then share the map's
 * cache lines, which keeps a large map (rate 1) out of the cache misses a
 * uniform hash would cost on every sampled malloc and free.
 */
static uint32_t live_slot_of(const void *p)
{
	uint64_t a = (uint64_t)(uintptr_t)p;
	uint64_t w = (a >> 24) * 0xbf58476d1ce4e5b9ull;

	return (uint32_t)((a >> 4) + (w >> 32));
}

/* Slot i of the probe that starts at home slot h. */
static uint64_t *live_at(uint32_t h, uint32_t i)
{
	return &live_map[(h + i) & ((1u << live_bits) - 1)];
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
static int live_insert(const void *p, uint32_t site)
{
	uint64_t w = live_word(p, site);
	uint32_t h = live_slot_of(p);

	if (!w)
		return -1;
	for (uint32_t i = 0; i < LIVE_PROBES; i++) {
		uint64_t *e = live_at(h, i);
		uint64_t k = __atomic_load_n(e, __ATOMIC_RELAXED);

		if (k > KEY_TOMB ||
		    !__atomic_compare_exchange_n(e, &k, w, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			continue;
		filter_inc(ht_filter_slot(p));
		if (!__atomic_load_n(&ht_live_filter, __ATOMIC_RELAXED))
			__atomic_store_n(&ht_live_filter, filter_mem, __ATOMIC_RELEASE);
		return 0;
	}
	return -1;
}

/* Follows p as a live sample of r; 0, or -1 (counted) when the map had no room. */
static int live_follow(const void *p, const struct ht_live_rec *r)
{
	if (live_insert(p, r->site) == 0)
		return 0;
	__atomic_add_fetch(&ht_rt.hdr->live_dropped, 1, __ATOMIC_RELAXED);
	return -1;
}

void ht_sites_live_put(const void *p, const struct ht_live_rec *r)
{
	if (ht_rt.sites && live_follow(p, r) == 0)
		site_live(r->site, r, 1);
}

void ht_sites_alloc(const void *p, const struct ht_live_rec *r)
{
	/* allocated, then live: one update of six counters */
	uint64_t v[6] = { 1, r->blocks, r->bytes, 1, r->blocks, r->bytes };

	if (live_follow(p, r) == 0)
		site_add(r->site, K_ALLOC, 6, v, 0);
	else
		site_add(r->site, K_ALLOC, 3, v, 0);
}

int ht_sites_live_take(const void *p, size_t u, struct ht_live_rec *out)
{
	uint64_t key = (uint64_t)(uintptr_t)p >> 3;

	if (!live_map || !ht_rt.sites || ((uintptr_t)p & 7))
		return 0;
	uint32_t h = live_slot_of(p);
	for (uint32_t i = 0; i < LIVE_PROBES; i++) {
		uint64_t *e = live_at(h, i);
		uint64_t k = __atomic_load_n(e, __ATOMIC_ACQUIRE);

		if (k == KEY_EMPTY)
			return 0;
		if (k >> LIVE_SITE_BITS != key ||
		    !__atomic_compare_exchange_n(e, &k, KEY_TOMB, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		struct ht_live_rec r = { (uint32_t)(k & LIVE_SITE_MASK), 0, 0 };
		ht_sample_weigh(u, &r.blocks, &r.bytes);
		filter_dec(ht_filter_slot(p));
		site_live(r.site, &r, -1);
		if (out)
			*out = r;
		return 1;
	}
	return 0;
}

/* ---- peak contributors ----------------------------------------------------- */

/* Adds every shard's pending live deltas to the peak fields just copied
 * (read while their owners may move them: a peak copy is an estimate). */
static void peak_add_pending(void)
{
	const struct heaptop_seg_header *h = ht_rt.hdr;
	uint32_t used = __atomic_load_n(&h->shards_used, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < used && i < h->shard_count; i++) {
		struct heaptop_shard_pending *p = pending_of(i);
		for (int j = 0; j < HEAPTOP_PENDING_SITES; j++) {
			struct heaptop_pending_site *e = &p->site[j];
			uint32_t site = __atomic_load_n(&e->site, __ATOMIC_RELAXED);
			if (!site || site > h->sites_count)
				continue;
			struct heaptop_site *s = site_at(site - 1);
			uint64_t *d = &e->delta[K_LIVE];
			__atomic_store_n(&s->peak_samples, s->peak_samples + __atomic_load_n(&d[0], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
			__atomic_store_n(&s->peak_blocks, s->peak_blocks + __atomic_load_n(&d[1], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
			__atomic_store_n(&s->peak_bytes, s->peak_bytes + __atomic_load_n(&d[2], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
		}
	}
}

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
	peak_add_pending();
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
