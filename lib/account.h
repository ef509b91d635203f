/*
 * lib/account.h - the fast path: counting one allocation or free into the
 * calling thread's own shard.
 *
 * A shard has one writer, so every update is a relaxed load plus a relaxed
 * store (no lock prefix, no contended line).  While the update runs the
 * thread's gate (t->fast) is closed: a signal handler that allocates in the
 * middle lands in the slow path and is counted as untracked in shard 0
 * instead of tearing our half-done update.
 */
#ifndef HEAPTOP_LIB_ACCOUNT_H
#define HEAPTOP_LIB_ACCOUNT_H

#include "internal.h"

/* Adds v to a counter of an owned shard. */
HT_INLINE void ht_own_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

/* Adds v to a counter of shard 0 (many writers). */
HT_INLINE void ht_shared_add(uint64_t *c, uint64_t v)
{
	__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

HT_INLINE void ht_gate_close(struct ht_thread *t)
{
	t->fast = NULL;
	HT_SIGNAL_FENCE();
}

HT_INLINE void ht_gate_open(struct ht_thread *t, struct heaptop_shard *s)
{
	HT_SIGNAL_FENCE();
	t->fast = s;
}

/*
 * use_max (lib/shard.c): the thread's unpublished use rose above its
 * headroom but stays within peak_slack, so instead of publishing it records
 * the new high, published use + unpub, as a candidate in its own shard
 * (readers merge peak_use, segment.h step 4) and raises its headroom to it.
 * Single-threaded the candidate is the exact use, so use_max stays exact.
 */
HT_INLINE void ht_soft_peak(struct ht_thread *t, struct heaptop_shard *s, int64_t un)
{
	int64_t v = __atomic_load_n(&ht_rt.hdr->use_published, __ATOMIC_RELAXED) + un;
	int64_t old = (int64_t)__atomic_load_n(&s->peak_use, __ATOMIC_RELAXED);

	__atomic_store_n(&s->peak_use, (uint64_t)(v > old ? v : old), __ATOMIC_RELAXED);
	t->headroom = un;
}

/* 1 when a rise of unpub to un is past peak_slack and must be published. */
HT_INLINE int ht_past_slack(int64_t un)
{
	return un > (int64_t)ht_rt.cfg.peak_slack;
}

/*
 * The hooks' accounting is written so that every call it makes is a tail
 * call (slow paths, an allocator without inline sizes, the real free): the
 * hot path then needs no saved registers at all.
 */

/* Counts block p of u usable bytes (req asked) into the owned shard s; returns p. */
HT_INLINE void *ht_own_alloc(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t req,
			     size_t u)
{
	uint64_t n = __atomic_load_n(&s->alloc_count, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&s->alloc_count, n, __ATOMIC_RELAXED);
	ht_own_add(&s->alloc_bytes, u);
	ht_own_add(&s->alloc_req_bytes, req);
	ht_own_add(&s->hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(req)], 1);
	int64_t un = t->unpub + (int64_t)u;
	t->unpub = un;
	int64_t left = t->sample_left - (int64_t)u; /* sampling countdown, docs/sampling.md */
	t->sample_left = left;
	/* A new high of this thread: a soft peak, or a publish past the slack. */
	if (HT_UNLIKELY(un > t->headroom)) {
		if (HT_UNLIKELY(ht_past_slack(un)))
			return ht_alloc_finish(t, s, p, u);
		ht_soft_peak(t, s, un);
	}
	/* The timeline clock's turn (every HT_TICK_CALLS), or a sample is due. */
	if (HT_UNLIKELY((n & (HT_TICK_CALLS - 1)) == 0) | HT_UNLIKELY(left <= 0))
		return ht_alloc_finish(t, s, p, u);
	ht_gate_open(t, s);
	return p;
}

/* Counts the free of u usable bytes into the owned shard s, then fn(p). */
HT_INLINE void ht_own_free(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u,
			   void (*fn)(void *))
{
	ht_own_add(&s->dealloc_count, 1);
	ht_own_add(&s->dealloc_bytes, u);
	t->unpub -= (int64_t)u;
	if (HT_UNLIKELY(t->unpub < t->floor) || ht_live_maybe(p))
		return ht_free_finish(t, s, p, fn);
	ht_gate_open(t, s);
	fn(p);
}

/* Counts new block p (req bytes asked; p == NULL for a failure); returns p.
 * Out of line on purpose: hooks tail-call it right after the real
 * allocator returns, so they keep nothing but the size across that call. */
void *ht_count_alloc(void *p, size_t req);
/* Counts the free of live block p (not NULL, not a pool block), then fn(p). */
void ht_count_free(void *p, void (*fn)(void *));
/* Counts realloc(old, req) that returned q, old being a live glibc block of
 * old_u usable bytes that was not a live sample; req != 0; returns q. */
void *ht_count_realloc(void *q, void *old, size_t old_u, size_t req);

#endif
