/*
 * lib/hooks.c - the interposed malloc family.  Each hook forwards to the next
 * definition (ht_live / ht_next, resolved with dlsym(RTLD_NEXT)) and then
 * counts what succeeded; libc semantics are kept exactly (see
 * docs/counters.md for the table).  Before the real functions are known the
 * hooks serve from the bootstrap pool, and pool blocks are recognised forever.
 *
 * Built with -fno-builtin so the compiler can't turn our own code into calls
 * to the functions defined here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "account.h"

/* C23; older glibc has no prototypes for them. */
void free_sized(void *p, size_t n);
void free_aligned_sized(void *p, size_t align, size_t n);

/* The table to forward to; NULL means "serve from the pool". */
HT_INLINE const struct ht_real *forward_table(void)
{
	return ht_live->malloc ? ht_live : ht_cold_path();
}

/* malloc before the real functions are known (or in a new fork child). */
static __attribute__((noinline)) void *malloc_cold(size_t n)
{
	const struct ht_real *r = ht_cold_path();

	if (!r)
		return ht_pool_alloc(n, 16);
	return ht_count_alloc(r->malloc(n), n);
}

/* The hot path is ht_count_alloc_inline(): nothing but n is kept across
 * the real malloc, and every other case leaves by a tail call. */
HT_EXPORT void *malloc(size_t n)
{
	void *(*fn)(size_t) = ht_live->malloc;

	if (HT_UNLIKELY(!fn))
		return malloc_cold(n);
	return ht_count_alloc_inline(fn(n), n);
}

/* free of everything the inline fast path leaves out: NULL, a pool block, an
 * mmapped chunk, an allocator we must ask for sizes, no open gate. */
static __attribute__((noinline)) void free_other(void *p, void (*fn)(void *))
{
	if (!p || ht_pool_owns(p))
		return;
	if (HT_UNLIKELY(!fn)) {
		const struct ht_real *r = ht_cold_path();
		if (!r)
			return; /* no allocator yet, so p can't be one of its blocks */
		fn = r->free;
	}
	ht_count_free_other(p, fn);
}

HT_EXPORT void free(void *p)
{
	void (*fn)(void *) = ht_live->free;
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = t->fast;

	/* A pool block's header reads as mmapped (pool.c). */
	if (HT_UNLIKELY(!s) || HT_UNLIKELY(!p))
		return free_other(p, fn);
	size_t h = ht_glibc_head(p);
	if (HT_UNLIKELY(h & 2) || HT_UNLIKELY(!fn))
		return free_other(p, fn);
	ht_own_free(t, s, p, ht_chunk_usable(h), fn);
}

HT_EXPORT void *calloc(size_t n, size_t size)
{
	size_t req;
	int overflow = __builtin_mul_overflow(n, size, &req);
	const struct ht_real *r = forward_table();

	if (!r) {
		if (overflow) {
			errno = ENOMEM;
			return NULL;
		}
		return ht_pool_alloc(req, 16);
	}
	return ht_count_alloc(r->calloc(n, size), overflow ? SIZE_MAX : req);
}

/* realloc of a bootstrap-pool block: copy into a real block, never free it. */
static void *realloc_from_pool(void *p, size_t n)
{
	size_t old = ht_pool_size(p);

	if (n == 0)
		return NULL; /* glibc: realloc(p, 0) frees p and returns NULL */
	void *q = malloc(n);
	if (q)
		memcpy(q, p, old < n ? old : n);
	return q;
}

/* realloc of a live block p in every case the fast path leaves out: an
 * allocator whose sizes we must ask for, a live sample, n == 0, before the
 * real functions are known. */
static __attribute__((noinline)) void *realloc_slow(void *p, size_t n)
{
	const struct ht_real *r = forward_table();
	if (!r)
		return NULL; /* unreachable: p came from an allocator we haven't resolved */
	size_t old_u = r->usable(p);
	/* A live sample leaves the live map before p can be freed and reused. */
	struct ht_live_rec rec;
	int had = ht_live_maybe(p) && ht_sites_live_take(p, old_u, &rec);
	void *q = r->realloc(p, n);
	if (q) {
		ht_note_realloc(p, old_u, q, n, had);
	} else if (n == 0) {
		ht_note_dealloc(old_u); /* glibc freed p */
	} else {
		if (had)
			ht_sites_live_put(p, &rec);
		ht_count_alloc(NULL, n);
	}
	return q;
}

/* realloc of everything the inline fast path leaves out. */
static __attribute__((noinline)) void *realloc_other(void *p, size_t n)
{
	if (!p) {
		const struct ht_real *r = forward_table();
		if (!r)
			return ht_pool_alloc(n, 16);
		return ht_count_alloc(r->realloc(NULL, n), n);
	}
	if (ht_pool_owns(p))
		return realloc_from_pool(p, n);
	return realloc_slow(p, n);
}

HT_EXPORT void *realloc(void *p, size_t n)
{
	void *(*fn)(void *, size_t) = ht_live->realloc;

	/* A live glibc heap block with an open gate (a pool block reads as
	 * mmapped); its size is read before p may be freed. */
	if (HT_UNLIKELY(!p) || HT_UNLIKELY(!n) || HT_UNLIKELY(!fn) || HT_UNLIKELY(!ht_self.fast))
		return realloc_other(p, n);
	size_t h = ht_glibc_head(p);
	if (HT_UNLIKELY(h & 2) || ht_live_maybe(p))
		return realloc_other(p, n);
	return ht_count_realloc(fn(p, n), p, ht_chunk_usable(h), n);
}

HT_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t req;

	if (__builtin_mul_overflow(n, size, &req)) {
		ht_count_alloc(NULL, SIZE_MAX);
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, req);
}

static int pow2(size_t a)
{
	return a && !(a & (a - 1));
}

HT_EXPORT int posix_memalign(void **memptr, size_t align, size_t n)
{
	const struct ht_real *r = forward_table();

	if (!r) {
		if (!pow2(align) || align % sizeof(void *))
			return EINVAL;
		void *p = ht_pool_alloc(n, align);
		if (!p)
			return ENOMEM;
		*memptr = p;
		return 0;
	}
	int rc = r->posix_memalign(memptr, align, n);
	ht_count_alloc(rc == 0 ? *memptr : NULL, n);
	return rc;
}

/* The aligned allocators that return the block: one shape, one helper. */
static void *aligned_via(void *(*fn)(size_t, size_t), size_t align, size_t n, size_t req)
{
	return ht_count_alloc(fn(align, n), req);
}

HT_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	const struct ht_real *r = forward_table();

	if (!r)
		return pow2(align) ? ht_pool_alloc(n, align) : NULL;
	return aligned_via(r->aligned_alloc, align, n, n);
}

HT_EXPORT void *memalign(size_t align, size_t n)
{
	const struct ht_real *r = forward_table();

	if (!r)
		return pow2(align) ? ht_pool_alloc(n, align) : NULL;
	return aligned_via(r->memalign, align, n, n);
}

HT_EXPORT void *valloc(size_t n)
{
	const struct ht_real *r = forward_table();

	if (!r)
		return ht_pool_alloc(n, 4096);
	return ht_count_alloc(r->valloc(n), n);
}

HT_EXPORT void *pvalloc(size_t n)
{
	const struct ht_real *r = forward_table();

	if (!r)
		return ht_pool_alloc(n, 4096);
	return ht_count_alloc(r->pvalloc(n), n);
}

HT_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (ht_pool_owns(p))
		return ht_pool_size(p);
	const struct ht_real *r = forward_table();
	return r ? r->usable(p) : 0;
}

/* C23 sized frees: the size is a hint that free() doesn't need (glibc 2.39
 * implements them as free too), so they count and free like free(). */
HT_EXPORT void free_sized(void *p, size_t n)
{
	if (!p || ht_pool_owns(p))
		return;
	const struct ht_real *r = forward_table();
	if (!r)
		return;
	(void)n;
	ht_count_free_other(p, r->free);
}

HT_EXPORT void free_aligned_sized(void *p, size_t align, size_t n)
{
	if (!p || ht_pool_owns(p))
		return;
	const struct ht_real *r = forward_table();
	if (!r)
		return;
	(void)align;
	(void)n;
	ht_count_free_other(p, r->free);
}
