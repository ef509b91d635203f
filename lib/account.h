/*
 * lib/account.h - the fast path: counting one allocation or free into the
 * calling thread's own shard.
 *
 * A shard has one writer, so no update needs a lock prefix and no line is
 * contended.  What a signal handler that allocates in the middle may do is
 * said below (HT_FAST_GATE).
 */
#ifndef HEAPTOP_LIB_ACCOUNT_H
#define HEAPTOP_LIB_ACCOUNT_H

#include "internal.h"

/*
 * Updates of the thread's own state.  On x86-64 each is one read-modify-write
 * instruction without a lock prefix: a signal arrives between instructions,
 * so a handler that allocates in the middle of our fast path (its own fast
 * path runs to completion) can't tear or lose an update, and the fast path
 * needs no gate.  Elsewhere the fast path closes its gate around the updates
 * instead (HT_FAST_GATE): a handler then lands in the slow path and is
 * counted as untracked in shard 0.
 */
#if defined(__x86_64__)
#define HT_FAST_GATE 0

/* Adds v to a counter of an owned shard (or to the thread's own state). */
HT_INLINE void ht_own_add(uint64_t *c, uint64_t v)
{
	__asm__ volatile("addq %1, %0" : "+m"(*c) : "er"(v));
}

/* *c -= v; 1 when the result is below 0. */
HT_INLINE int ht_take_neg(int64_t *c, int64_t v)
{
	int lt;
	__asm__ volatile("subq %2, %0" : "+m"(*c), "=@ccl"(lt) : "er"(v));
	return lt;
}

/* *c -= v; 1 when the result is 0 or below. */
HT_INLINE int ht_take_out(int64_t *c, int64_t v)
{
	int le;
	__asm__ volatile("subq %2, %0" : "+m"(*c), "=@ccle"(le) : "er"(v));
	return le;
}
#else
#define HT_FAST_GATE 1

HT_INLINE void ht_own_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

HT_INLINE int ht_take_neg(int64_t *c, int64_t v)
{
	int64_t r = __atomic_load_n(c, __ATOMIC_RELAXED) - v;
	__atomic_store_n(c, r, __ATOMIC_RELAXED);
	return r < 0;
}

HT_INLINE int ht_take_out(int64_t *c, int64_t v)
{
	int64_t r = __atomic_load_n(c, __ATOMIC_RELAXED) - v;
	__atomic_store_n(c, r, __ATOMIC_RELAXED);
	return r <= 0;
}
#endif

/* heaptop_hist_bucket() for sizes below 2^63 (every block and realloc delta
 * that exists): floor(log2(2n + 1)) is 0 for 0 and floor(log2(n)) + 1 else. */
HT_INLINE uint64_t ht_bucket(uint64_t n)
{
#if defined(__x86_64__)
	uint64_t b;
	__asm__("bsrq %1, %0" : "=r"(b) : "r"(2 * n + 1) : "cc"); /* 64-bit: no sign extension */
	return b;
#else
	return 63 ^ (uint64_t)(unsigned)__builtin_clzll(2 * n + 1);
#endif
}

/* Counts one entry of size n into histogram h of an owned shard. */
HT_INLINE void ht_own_hist(uint64_t *h, uint64_t n)
{
	ht_own_add(h + ht_bucket(n), 1);
}

/* Adds v to a counter of shard 0 (many writers). */
HT_INLINE void ht_shared_add(uint64_t *c, uint64_t v)
{
	__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

/* Closes both gates: the hooks' next calls on this thread take the slow path. */
HT_INLINE void ht_gate_close(struct ht_thread *t)
{
	t->fast = NULL;
	t->ask = NULL;
	HT_SIGNAL_FENCE();
}

/* Opens the gate of the fast path that fits the allocator below us. */
HT_INLINE void ht_gate_open(struct ht_thread *t, struct heaptop_shard *s)
{
	HT_SIGNAL_FENCE();
	if (ht_glibc_chunks)
		t->fast = s;
	else
		t->ask = s;
}

/* The fast path's own gate, for the architectures that need one. */
HT_INLINE void ht_fast_enter(struct ht_thread *t)
{
	if (HT_FAST_GATE)
		ht_gate_close(t);
}

HT_INLINE void ht_fast_leave(struct ht_thread *t, struct heaptop_shard *s)
{
	if (HT_FAST_GATE)
		ht_gate_open(t, s);
}

/*
 * The hooks' accounting is written so that every call it makes is a tail
 * call (slow paths, the real free): the hot path then saves nothing but the
 * request size across the real allocator's call.
 */

/* Counts block p of u usable bytes (req asked) into the owned shard s; returns p. */
HT_INLINE void *ht_own_alloc(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t req,
			     size_t u)
{
	ht_fast_enter(t);
	ht_own_add(&s->alloc_count, 1);
	ht_own_add(&s->alloc_bytes, u);
	ht_own_add(&s->alloc_req_bytes, req);
	ht_own_hist(s->hist[HEAPTOP_HIST_ALLOC], req);
	/* Past peak_slack (publish), or a sample or the clock is due (two
	 * branches: the flags of both subtractions can't be kept).  A new high
	 * below the slack is recorded by the next fall instead (shard.c). */
	if (HT_UNLIKELY(ht_take_neg(&t->room, (int64_t)u))) {
		(void)ht_take_out(&t->left, (int64_t)u);
		return ht_alloc_finish(t, s, p, u);
	}
	if (HT_UNLIKELY(ht_take_out(&t->left, (int64_t)u)))
		return ht_alloc_finish(t, s, p, u);
	ht_fast_leave(t, s);
	return p;
}

/* Counts the free of u usable bytes into the owned shard s, then fn(p). */
HT_INLINE void ht_own_free(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u,
			   void (*fn)(void *))
{
	/* A fall right after a new high of this thread: the high is recorded first. */
	if (HT_UNLIKELY(__atomic_load_n(&t->room, __ATOMIC_RELAXED) < t->room_rec))
		return ht_free_rise(t, s, p, u, fn);
	ht_fast_enter(t);
	ht_own_add(&s->dealloc_count, 1);
	ht_own_add(&s->dealloc_bytes, u);
	ht_own_add((uint64_t *)&t->room, u);
	if (HT_UNLIKELY(__atomic_load_n(&t->room, __ATOMIC_RELAXED) > t->room_max) ||
	    ht_live_maybe(p))
		return ht_free_finish(t, s, p, u, fn);
	ht_fast_leave(t, s);
	fn(p);
}

/* ht_count_alloc for what the inline fast path leaves out: no open glibc
 * gate, p NULL or an mmapped chunk. */
void *ht_count_alloc_other(void *p, size_t req);

/* Counts new block p (req bytes asked; p == NULL for a failure); returns p.
 * Inlined into malloc; the other hooks call ht_count_alloc(). */
HT_INLINE void *ht_count_alloc_inline(void *p, size_t req)
{
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = t->fast;

	if (HT_LIKELY(s != NULL) && HT_LIKELY(p != NULL)) {
		size_t h = ht_glibc_head(p);
		if (HT_LIKELY(!(h & 2)))
			return ht_own_alloc(t, s, p, req, ht_chunk_usable(h));
	}
	return ht_count_alloc_other(p, req);
}

/* ht_count_alloc_inline() out of line. */
void *ht_count_alloc(void *p, size_t req);
/* Counts the free of live block p (not NULL), then fn(p); a pool block is
 * only recognised. */
void ht_count_free_other(void *p, void (*fn)(void *));
/* Counts realloc(old, req) that returned q (moved, failed, or in place but
 * with no open glibc gate or a sample or the clock due), old being a live
 * block of old_u usable bytes that was not a live sample; returns q. */
void *ht_count_realloc_slow(void *q, void *old, size_t old_u, size_t req);
/* Ends an in-place realloc whose use change must publish; returns q. */
void *ht_realloc_finish(struct ht_thread *t, struct heaptop_shard *s, void *q);

/* Counts realloc(old, req) that returned q, old being a live glibc heap
 * block of old_u usable bytes that was not a live sample; req != 0; returns q. */
HT_INLINE void *ht_count_realloc(void *q, void *old, size_t old_u, size_t req)
{
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = t->fast;

	if (HT_UNLIKELY(q != old) || HT_UNLIKELY(!s))
		return ht_count_realloc_slow(q, old, old_u, req);
	/* In place: a block glibc resized in its arena is still not mmapped. */
	int64_t d = (int64_t)ht_glibc_usable(q) - (int64_t)old_u;
	if (d > 0) {
		if (HT_UNLIKELY(d >= t->left))
			return ht_count_realloc_slow(q, old, old_u, req); /* sample or clock due */
		ht_fast_enter(t);
		ht_own_add(&s->realloc_growth_count, 1);
		ht_own_add(&s->realloc_growth_bytes, (uint64_t)d);
		ht_own_hist(s->hist[HEAPTOP_HIST_GROWTH], (uint64_t)d);
		(void)ht_take_out(&t->left, d);
		if (HT_UNLIKELY(ht_take_neg(&t->room, d)))
			return ht_realloc_finish(t, s, q);
	} else if (d < 0) {
		if (HT_UNLIKELY(__atomic_load_n(&t->room, __ATOMIC_RELAXED) < t->room_rec))
			return ht_count_realloc_slow(q, old, old_u, req); /* records the high first */
		ht_fast_enter(t);
		ht_own_add(&s->realloc_shrink_count, 1);
		ht_own_add(&s->realloc_shrink_bytes, (uint64_t)-d);
		ht_own_hist(s->hist[HEAPTOP_HIST_SHRINK], (uint64_t)-d);
		ht_own_add((uint64_t *)&t->room, (uint64_t)-d);
		if (HT_UNLIKELY(__atomic_load_n(&t->room, __ATOMIC_RELAXED) > t->room_max))
			return ht_realloc_finish(t, s, q);
	} else {
		ht_fast_enter(t);
		ht_own_add(&s->realloc_same_count, 1);
	}
	ht_fast_leave(t, s);
	return q;
}

#endif
