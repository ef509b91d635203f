/*
 * tests/lib/conform.c - the conformance table of docs/reliability.md §6:
 * for each row (an edge case of the malloc family) it prints the class of
 * the return value, errno, *memptr and usable sizes; tests/lib/conform.sh
 * runs it plainly and under the preload and the two outputs must be
 * identical.  Under the preload each row also checks the counter delta it
 * must cause (every counter, use_curr and bucket, docs/counters.md).
 *
 * Output never contains addresses, only classes ("null", "block",
 * "block aligned 64"), so the two runs can be compared byte for byte.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "htcheck.h"

/* Values and calls the compiler can't see through. */
static size_t opaque(size_t v)
{
	volatile size_t x = v;
	return x;
}
static void *(*volatile realloc_v)(void *, size_t) = realloc;
static void *(*volatile reallocarray_v)(void *, size_t, size_t) = reallocarray;

#define ERRNO_MARK 1234 /* errno before each call: a call that keeps errno shows it */

static int tracked;
static struct ht_snap row_a;
static struct heaptop_stats want;

/* Starts a row: errno marked, expected delta cleared, counters read. */
static void row_begin(void)
{
	memset(&want, 0, sizeof(want));
	if (tracked)
		snap(&row_a);
	errno = ERRNO_MARK;
}

/* Ends a row: the counters moved exactly as `want` says. */
static void row_end(const char *row)
{
	struct ht_snap b;

	if (!tracked)
		return;
	snap(&b);
	if (!check_delta_(&row_a, &b, &want, __FILE__, __LINE__))
		fprintf(stderr, "  (in row \"%s\")\n", row);
}

static const char *cls(const void *p, size_t align)
{
	static char buf[64];

	if (!p)
		return "null";
	if (align && (uintptr_t)p % align == 0) {
		snprintf(buf, sizeof(buf), "block aligned %zu", align);
		return buf;
	}
	return align ? "block MISALIGNED" : "block";
}

static size_t usable(void *p)
{
	return p ? malloc_usable_size(p) : 0;
}

static void row_malloc_zero(void)
{
	row_begin();
	void *p = malloc(0);
	int e = errno;
	want_alloc(&want, 0, usable(p));
	row_end("malloc(0)");
	printf("malloc(0): %s errno=%d usable=%zu\n", cls(p, 0), e, usable(p));
	free(p);
}

static void row_free_null(void)
{
	row_begin();
	free(NULL);
	int e = errno;
	row_end("free(NULL)");
	printf("free(NULL): errno=%d\n", e);
}

static void row_realloc_null(void)
{
	row_begin();
	void *p = realloc(NULL, 100);
	int e = errno;
	want_alloc(&want, 100, usable(p));
	row_end("realloc(NULL, 100)");
	printf("realloc(NULL, 100): %s errno=%d usable=%zu\n", cls(p, 0), e, usable(p));
	free(p);
}

static void row_realloc_zero(void)
{
	void *p = malloc(100);
	size_t u = usable(p);

	row_begin();
	void *q = realloc_v(p, 0);
	int e = errno;
	if (q)
		want_realloc(&want, u, usable(q), 0, q != p);
	else
		want_free(&want, u);
	row_end("realloc(p, 0)");
	printf("realloc(p, 0): %s errno=%d\n", cls(q, 0), e);
	free(q);
}

static void row_realloc_fails(void)
{
	char *p = malloc(100);

	memset(p, 'c', 100);
	row_begin();
	void *q = realloc_v(p, opaque(SIZE_MAX - 8192));
	int e = errno;
	want.alloc_fail_count = 1;
	row_end("failed realloc");
	int intact = p[0] == 'c' && p[99] == 'c';
	printf("realloc(p, SIZE_MAX-8192): %s errno=%d p_intact=%d usable_p=%zu\n", cls(q, 0), e,
	       intact, usable(p));
	free(p);
}

static void row_calloc_overflow(void)
{
	row_begin();
	void *p = calloc(opaque(SIZE_MAX / 4), 8);
	int e = errno;
	want.alloc_fail_count = 1;
	row_end("calloc overflow");
	printf("calloc(SIZE_MAX/4, 8): %s errno=%d\n", cls(p, 0), e);
}

static void row_calloc_zero(void)
{
	row_begin();
	void *p = calloc(0, 0);
	int e = errno;
	want_alloc(&want, 0, usable(p));
	row_end("calloc(0, 0)");
	printf("calloc(0, 0): %s errno=%d usable=%zu\n", cls(p, 0), e, usable(p));
	free(p);
}

static void row_posix_memalign(size_t align, size_t n, const char *name)
{
	void *const untouched = (void *)0x1234;
	void *m = untouched;

	row_begin();
	int rc = posix_memalign(&m, align, n);
	int e = errno;
	if (rc == 0)
		want_alloc(&want, n, usable(m));
	else
		want.alloc_fail_count = 1;
	row_end(name);
	/* An aligned block's usable size depends on where the heap put it: show
	 * only whether it covers the request. */
	printf("%s: rc=%d errno=%d memptr=%s usable>=n: %d\n", name, rc, e,
	       m == untouched ? "untouched" : cls(m, align), m != untouched && usable(m) >= n);
	if (m != untouched)
		free(m);
}

static void row_aligned_alloc(size_t align, size_t n, const char *name)
{
	row_begin();
	void *p = aligned_alloc(align, n);
	int e = errno;
	if (p)
		want_alloc(&want, n, usable(p));
	else
		want.alloc_fail_count = 1;
	row_end(name);
	/* A bad alignment is the allocator's business: report only null / block. */
	size_t shown = align && !(align & (align - 1)) ? align : 0;
	printf("%s: %s errno=%d usable>=n: %d\n", name, cls(p, shown), e, p && usable(p) >= n);
	free(p);
}

/* $HT_NO_PVALLOC: the allocator under test has no pvalloc (jemalloc), so
 * even the plain run would mix glibc's pvalloc with its free. */
static void row_memalign_family(void)
{
	int with_pvalloc = getenv("HT_NO_PVALLOC") == NULL;

	row_begin();
	void *m = memalign(256, 10);
	void *v = valloc(0);
	void *pv = with_pvalloc ? pvalloc(1) : NULL;
	int e = errno;
	want_alloc(&want, 10, usable(m));
	want_alloc(&want, 0, usable(v));
	if (with_pvalloc)
		want_alloc(&want, 1, usable(pv));
	row_end("memalign/valloc/pvalloc");
	printf("memalign(256, 10): %s usable>=n: %d\n", cls(m, 256), usable(m) >= 10);
	printf("valloc(0): %s errno=%d\n", cls(v, 4096), e);
	if (with_pvalloc) /* pvalloc rounds up to whole pages */
		printf("pvalloc(1): %s usable>=page: %d\n", cls(pv, 4096), usable(pv) >= 4096);
	free(m);
	free(v);
	free(pv);
}

static void row_usable_sizes(void)
{
	static const size_t sizes[] = { 1, 24, 25, 100, 1000, 4096, 200000, 1 << 21 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = malloc(sizes[i]);
		row_begin();
		size_t u = malloc_usable_size(p);
		int e = errno;
		row_end("malloc_usable_size");
		printf("malloc_usable_size(malloc(%zu)) = %zu errno=%d\n", sizes[i], u, e);
		free(p);
	}
	row_begin();
	size_t u0 = malloc_usable_size(NULL);
	int e = errno;
	row_end("malloc_usable_size(NULL)");
	printf("malloc_usable_size(NULL) = %zu errno=%d\n", u0, e);
}

static void row_reallocarray(void)
{
	row_begin();
	void *p = reallocarray_v(NULL, opaque(SIZE_MAX / 2), 4);
	int e = errno;
	want.alloc_fail_count = 1;
	row_end("reallocarray overflow");
	printf("reallocarray(NULL, SIZE_MAX/2, 4): %s errno=%d\n", cls(p, 0), e);

	row_begin();
	void *q = reallocarray_v(NULL, 10, 10);
	e = errno;
	want_alloc(&want, 100, usable(q));
	row_end("reallocarray(NULL, 10, 10)");
	printf("reallocarray(NULL, 10, 10): %s errno=%d usable=%zu\n", cls(q, 0), e, usable(q));
	free(q);
}

static void row_huge_malloc(void)
{
	row_begin();
	void *p = malloc(opaque(SIZE_MAX));
	int e = errno;
	void *q = malloc(opaque((size_t)PTRDIFF_MAX + 1));
	int e2 = errno;
	want.alloc_fail_count = 2;
	row_end("malloc(huge)");
	printf("malloc(SIZE_MAX): %s errno=%d\n", cls(p, 0), e);
	printf("malloc(PTRDIFF_MAX+1): %s errno=%d\n", cls(q, 0), e2);
}

/* A successful call must not touch errno (ERRNO_MARK shows through). */
static void row_errno_kept(void)
{
	row_begin();
	void *p = malloc(40);
	int e1 = errno;
	size_t pu = usable(p);
	void *q = realloc_v(p, 4000);
	int e2 = errno;
	size_t qu = usable(q);
	int moved = q != p;
	free(q);
	int e3 = errno;
	want_alloc(&want, 40, pu);
	want_realloc(&want, pu, qu, 4000, moved);
	want_free(&want, qu);
	row_end("errno kept");
	printf("errno after malloc=%d realloc=%d free=%d (usable %zu -> %zu)\n", e1, e2, e3, pu, qu);
}

int main(void)
{
	tracked = ht_loaded();
	/* Warm the allocator up first: its initialisation may touch errno (mimalloc
	 * leaves ENOENT), and under heaptop that happened before main. */
	free(malloc(1));
	row_malloc_zero();
	row_free_null();
	row_realloc_null();
	row_realloc_zero();
	row_realloc_fails();
	row_calloc_overflow();
	row_calloc_zero();
	row_posix_memalign(3, 16, "posix_memalign(align 3)");
	row_posix_memalign(4, 16, "posix_memalign(align 4)");
	row_posix_memalign(0, 16, "posix_memalign(align 0)");
	row_posix_memalign(64, opaque(SIZE_MAX - 8192), "posix_memalign(64, huge)");
	row_posix_memalign(64, 100, "posix_memalign(64, 100)");
	row_posix_memalign(4096, 0, "posix_memalign(4096, 0)");
	row_aligned_alloc(64, 100, "aligned_alloc(64, 100)"); /* not a multiple */
	row_aligned_alloc(64, 128, "aligned_alloc(64, 128)");
	row_aligned_alloc(3, 64, "aligned_alloc(3, 64)");
	row_aligned_alloc(64, opaque(SIZE_MAX - 8192), "aligned_alloc(64, huge)");
	row_memalign_family();
	row_usable_sizes();
	row_reallocarray();
	row_huge_malloc();
	row_errno_kept();
	fflush(stdout);
	CHECK(!ferror(stdout));
	return test_summary("conform");
}
