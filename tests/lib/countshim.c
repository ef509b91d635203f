/*
 * tests/lib/countshim.c - an allocator that counts its calls, preloaded
 * UNDER libheaptop (LD_PRELOAD="libheaptop.so:libhtcountshim.so"): every
 * call heaptop forwards reaches it, so comparing its counts with heaptop's
 * counters shows any allocation heaptop makes for itself through the chain
 * (tests/lib/noself.sh).  It forwards to glibc's __libc_* entry points, so
 * it needs no dlsym and no bootstrap of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

void *__libc_malloc(size_t n);
void __libc_free(void *p);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void *__libc_valloc(size_t n);
void *__libc_pvalloc(size_t n);

enum { ALLOCS, FREES, REALLOCS, N };
static uint64_t counts[N];

#define EXPORT __attribute__((visibility("default")))

static void count(int what)
{
	__atomic_fetch_add(&counts[what], 1, __ATOMIC_RELAXED);
}

/* Copies the counts: [0] allocating calls, [1] frees of non-NULL blocks,
 * [2] reallocs of live blocks. */
EXPORT void countshim_counts(uint64_t out[3]);
void countshim_counts(uint64_t out[3])
{
	for (int i = 0; i < N; i++)
		out[i] = __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
}

EXPORT void *malloc(size_t n)
{
	count(ALLOCS);
	return __libc_malloc(n);
}

EXPORT void free(void *p)
{
	if (p)
		count(FREES);
	__libc_free(p);
}

EXPORT void *calloc(size_t n, size_t size)
{
	count(ALLOCS);
	return __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t n)
{
	count(p ? REALLOCS : ALLOCS);
	return __libc_realloc(p, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
	count(ALLOCS);
	return __libc_memalign(align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	count(ALLOCS);
	return __libc_memalign(align, n);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	count(ALLOCS);
	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	int saved = errno;
	void *p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	errno = saved;
	*out = p;
	return 0;
}

EXPORT void *valloc(size_t n)
{
	count(ALLOCS);
	return __libc_valloc(n);
}

EXPORT void *pvalloc(size_t n)
{
	count(ALLOCS);
	return __libc_pvalloc(n);
}
