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

HT_INLINE void ht_own_use(struct heaptop_shard *s, int64_t v)
{
	__atomic_store_n(&s->use, __atomic_load_n(&s->use, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
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

/* Ends an owned-shard update: use_max publication and the timeline clock. */
HT_INLINE void ht_own_finish(struct ht_thread *t)
{
	if (HT_UNLIKELY(--t->tick <= 0))
		ht_tick(t);
}

/* Counts block p (req bytes asked) into the owned shard s. */
HT_INLINE void ht_own_alloc(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t req)
{
	ht_gate_close(t);
	size_t u = ht_live->usable(p);
	ht_own_add(&s->alloc_count, 1);
	ht_own_add(&s->alloc_bytes, u);
	ht_own_add(&s->alloc_req_bytes, req);
	ht_own_add(&s->hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(req)], 1);
	ht_own_use(s, (int64_t)u);
	t->unpub += (int64_t)u;
	if (HT_UNLIKELY(t->unpub > t->headroom))
		ht_publish(t);
	ht_own_finish(t);
	ht_gate_open(t, s);
}

/* Counts the free of p (still allocated) into the owned shard s. */
HT_INLINE void ht_own_free(struct ht_thread *t, struct heaptop_shard *s, void *p)
{
	ht_gate_close(t);
	size_t u = ht_live->usable(p);
	ht_own_add(&s->dealloc_count, 1);
	ht_own_add(&s->dealloc_bytes, u);
	ht_own_use(s, -(int64_t)u);
	t->unpub -= (int64_t)u;
	if (HT_UNLIKELY(t->unpub < -(int64_t)ht_rt.cfg.peak_slack))
		ht_publish(t);
	ht_own_finish(t);
	ht_gate_open(t, s);
}

/* Counts a new block p (or a failed allocation, p == NULL). */
HT_INLINE void ht_note_alloc(void *p, size_t req)
{
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = t->fast;

	if (HT_LIKELY(s && p))
		ht_own_alloc(t, s, p, req);
	else
		ht_note_alloc_slow(t, p, req);
}

/* Counts the free of p (not NULL, not a pool block), before it is freed. */
HT_INLINE void ht_note_free(void *p)
{
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = t->fast;

	if (HT_LIKELY(s))
		ht_own_free(t, s, p);
	else
		ht_note_free_slow(t, p);
}

#endif
