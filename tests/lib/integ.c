/*
 * tests/lib/integ.c - the counters of every entry point, exactly, through
 * the in-process API, under LD_PRELOAD=libheaptop.so (tests/lib/integ.sh).
 *
 * Each case takes a snapshot, runs the calls, takes another and compares
 * the delta of EVERY counter, use_curr and histogram bucket with what the
 * counting rules of docs/counters.md predict from the sizes the allocator
 * reports (malloc_usable_size), in process scope and in thread scope.
 * Nothing is hard-coded about the allocator: the same program checks
 * heaptop over glibc, jemalloc and mimalloc ($HT_ALLOCATOR names it; only
 * glibc's in-place realloc growth is allocator-specific).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "htcheck.h"

#define MANY 100000

static void *many[MANY];
static int on_glibc;

/* Sizes and calls the compiler can't see through (it would warn about the
 * huge sizes and about using a block after a realloc that failed). */
static size_t opaque(size_t v)
{
	volatile size_t x = v;
	return x;
}
static void *(*volatile realloc_v)(void *, size_t) = realloc;
static void *(*volatile reallocarray_v)(void *, size_t, size_t) = reallocarray;

/* The usable size of p, or 0 for NULL. */
static size_t usable(void *p)
{
	return p ? malloc_usable_size(p) : 0;
}

/* 100000 malloc(100): counts, bucket [64, 128), then back to the baseline. */
static void check_many_mallocs(void)
{
	struct ht_snap a, b, c;
	struct heaptop_stats want;
	size_t total = 0;

	snap(&a);
	for (int i = 0; i < MANY; i++)
		many[i] = malloc(100);
	snap(&b);
	memset(&want, 0, sizeof(want));
	for (int i = 0; i < MANY; i++) {
		if (!CHECK(many[i] != NULL))
			return;
		want_alloc(&want, 100, usable(many[i]));
		total += usable(many[i]);
	}
	CHECK_DELTA(&a, &b, &want);
	CHECK_EQ(b.proc.alloc_count - a.proc.alloc_count, MANY);
	CHECK_EQ(heaptop_hist_bucket(100), 7);
	CHECK_EQ(b.proc.hist[HEAPTOP_HIST_ALLOC][7] - a.proc.hist[HEAPTOP_HIST_ALLOC][7], MANY);

	for (int i = 0; i < MANY; i++)
		free(many[i]);
	snap(&c);
	memset(&want, 0, sizeof(want));
	want.dealloc_count = MANY;
	want.dealloc_bytes = total;
	want.use_curr = -(uint64_t)total;
	CHECK_DELTA(&b, &c, &want);
	CHECK_EQ(c.proc.use_curr, a.proc.use_curr);
	CHECK_EQ(c.thread.use_curr, a.thread.use_curr);
}

static void check_malloc_zero_and_free_null(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;

	snap(&a);
	void *p = malloc(0);
	free(NULL);
	snap(&b);
	memset(&want, 0, sizeof(want));
	CHECK(p != NULL);
	want_alloc(&want, 0, usable(p));
	CHECK_DELTA(&a, &b, &want);
	CHECK_EQ(b.proc.hist[HEAPTOP_HIST_ALLOC][0] - a.proc.hist[HEAPTOP_HIST_ALLOC][0], 1);

	snap(&a);
	size_t u = usable(p);
	free(p);
	free(NULL);
	snap(&b);
	memset(&want, 0, sizeof(want));
	want_free(&want, u);
	CHECK_DELTA(&a, &b, &want);
}

static void check_calloc(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;

	snap(&a);
	unsigned char *p = calloc(10, 30);
	void *z = calloc(0, 5);
	snap(&b);
	memset(&want, 0, sizeof(want));
	if (!CHECK(p != NULL && z != NULL))
		return;
	want_alloc(&want, 300, usable(p));
	want_alloc(&want, 0, usable(z));
	CHECK_DELTA(&a, &b, &want);
	int zeroed = 1;
	for (int i = 0; i < 300; i++)
		zeroed &= p[i] == 0;
	CHECK(zeroed);
	free(p);
	free(z);
}

/* realloc(NULL, n) is an allocation; realloc(p, 0) with glibc frees p. */
static void check_realloc_null_and_zero(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;

	snap(&a);
	void *p = realloc(NULL, 200);
	snap(&b);
	memset(&want, 0, sizeof(want));
	CHECK(p != NULL);
	want_alloc(&want, 200, usable(p));
	CHECK_DELTA(&a, &b, &want);

	size_t old_u = usable(p);
	snap(&a);
	void *q = realloc_v(p, 0);
	snap(&b);
	memset(&want, 0, sizeof(want));
	if (q == NULL) {
		want_free(&want, old_u); /* glibc: p was freed */
	} else {
		CHECK(!on_glibc); /* jemalloc, mimalloc: a minimal block */
		want_realloc(&want, old_u, usable(q), 0, q != p);
	}
	CHECK_DELTA(&a, &b, &want);
	if (on_glibc)
		CHECK(q == NULL);
	free(q);
}

/* A live neighbour right after the block: growing it must move it. */
static void check_realloc_moved(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;
	char *p = malloc(100), *neighbour = malloc(100);

	if (!CHECK(p && neighbour))
		return;
	memset(p, 'x', 100);
	size_t old_u = usable(p);
	snap(&a);
	char *q = realloc(p, 100000);
	snap(&b);
	if (!CHECK(q != NULL))
		return;
	CHECK(q != p);
	memset(&want, 0, sizeof(want));
	want_realloc(&want, old_u, usable(q), 100000, q != p);
	CHECK_DELTA(&a, &b, &want);
	CHECK_EQ(b.proc.realloc_move_bytes - a.proc.realloc_move_bytes, old_u);
	CHECK(q[0] == 'x' && q[99] == 'x');
	free(q);
	free(neighbour);
}

/*
 * A free neighbour right after the block (too big for glibc's tcache and
 * fastbins, so it is really free): glibc grows into it in place.  On glibc
 * the two blocks are made adjacent (retrying while the heap hands out
 * scattered chunks); other allocators just get the sequence.
 */
static void check_realloc_in_place(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;
	char *p = NULL, *room = NULL, *guard = NULL;
	void *spare[3 * 64];
	int nspare = 0;

	for (int tries = 0; tries < 64; tries++) {
		p = malloc(100);
		room = malloc(4000);
		guard = malloc(100);
		if (!CHECK(p && room && guard))
			return;
		/* glibc: the next chunk's block starts 8 bytes after our usable end. */
		if (!on_glibc || room == p + usable(p) + 8)
			break;
		spare[nspare++] = p;
		spare[nspare++] = room;
		spare[nspare++] = guard;
	}
	if (on_glibc)
		CHECK(room == p + usable(p) + 8);
	free(room);
	while (nspare > 0)
		free(spare[--nspare]);
	size_t old_u = usable(p);
	snap(&a);
	char *q = realloc(p, 2000);
	snap(&b);
	if (!CHECK(q != NULL))
		return;
	if (on_glibc)
		CHECK(q == p);
	memset(&want, 0, sizeof(want));
	want_realloc(&want, old_u, usable(q), 2000, q != p);
	CHECK_DELTA(&a, &b, &want);
	CHECK(usable(q) > old_u);

	/* Shrink it again (in place on glibc). */
	old_u = usable(q);
	snap(&a);
	char *r = realloc(q, 50);
	snap(&b);
	if (!CHECK(r != NULL))
		return;
	if (on_glibc)
		CHECK(r == q);
	memset(&want, 0, sizeof(want));
	want_realloc(&want, old_u, usable(r), 50, r != q);
	CHECK_DELTA(&a, &b, &want);
	CHECK(usable(r) < old_u);
	free(r);
	free(guard);
}

/* realloc to the size the block already has: realloc_same_count. */
static void check_realloc_same(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;
	void *p = malloc(100);
	size_t u = usable(p);

	snap(&a);
	void *q = realloc(p, u);
	snap(&b);
	if (!CHECK(q != NULL))
		return;
	CHECK_EQ(usable(q), u);
	memset(&want, 0, sizeof(want));
	want_realloc(&want, u, usable(q), u, q != p);
	CHECK_EQ(want.realloc_same_count, 1);
	CHECK_DELTA(&a, &b, &want);
	free(q);
}

/* A failed realloc leaves the block alive and counts one failure. */
static void check_realloc_failure(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;
	char *p = malloc(64);

	memset(p, 'k', 64);
	snap(&a);
	errno = 0;
	char *q = realloc_v(p, opaque(SIZE_MAX - 4096));
	int e = errno;
	snap(&b);
	CHECK(q == NULL);
	if (on_glibc) /* errno is the allocator's: conform.sh compares it with and without us */
		CHECK_EQ(e, ENOMEM);
	memset(&want, 0, sizeof(want));
	want.alloc_fail_count = 1;
	CHECK_DELTA(&a, &b, &want);
	CHECK(p[0] == 'k' && p[63] == 'k');
	free(p);
}

/* Every kind of failed allocation: one alloc_fail_count each, errno kept. */
static void check_failures(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;
	void *sentinel = (void *)0x5a5a, *m1 = sentinel, *m2 = sentinel, *m3 = sentinel;
	int e[5], rc[3];
	void *r[5];

	snap(&a);
	errno = 0;
	r[0] = malloc(opaque(SIZE_MAX));
	e[0] = errno;
	errno = 0;
	r[1] = calloc(opaque(SIZE_MAX / 2 + 2), 2); /* n * size overflows */
	e[1] = errno;
	rc[0] = posix_memalign(&m1, 3, 16); /* not a power of two */
	rc[1] = posix_memalign(&m2, sizeof(void *) / 2, 16); /* below sizeof(void *) */
	rc[2] = posix_memalign(&m3, 64, opaque(SIZE_MAX - 4096));
	errno = 0;
	r[2] = aligned_alloc(64, opaque(SIZE_MAX - 4096));
	e[2] = errno;
	errno = 0;
	r[3] = memalign(64, opaque(SIZE_MAX - 4096));
	e[3] = errno;
	errno = 0;
	r[4] = reallocarray_v(NULL, opaque(SIZE_MAX / 2), 3);
	e[4] = errno;
	snap(&b);
	for (int i = 0; i < 5; i++) {
		CHECK(r[i] == NULL);
		if (on_glibc)
			CHECK_EQ(e[i], ENOMEM);
	}
	CHECK_EQ(rc[0], EINVAL);
	CHECK_EQ(rc[1], EINVAL);
	CHECK_EQ(rc[2], ENOMEM);
	CHECK(m1 == sentinel && m2 == sentinel && m3 == sentinel);
	memset(&want, 0, sizeof(want));
	want.alloc_fail_count = 8;
	CHECK_DELTA(&a, &b, &want);

	/* reallocarray overflow on a live block: p stays, one failure. */
	char *p = malloc(32);
	snap(&a);
	errno = 0;
	void *q = reallocarray_v(p, opaque(SIZE_MAX), 2);
	int eq = errno;
	snap(&b);
	CHECK(q == NULL);
	CHECK_EQ(eq, ENOMEM); /* heaptop's own overflow check */
	memset(&want, 0, sizeof(want));
	want.alloc_fail_count = 1;
	CHECK_DELTA(&a, &b, &want);
	free(p);
}

/* The aligned family, valloc, pvalloc and reallocarray: counted like malloc. */
static void check_aligned_family(void)
{
	struct ht_snap a, b;
	struct heaptop_stats want;
	void *pm = NULL;

	snap(&a);
	int rc = posix_memalign(&pm, 64, 100);
	void *aa = aligned_alloc(64, 100); /* size not a multiple of the alignment */
	void *ma = memalign(128, 300);
	void *va = valloc(5000);
	void *pv = pvalloc(5000);
	void *ra = reallocarray(NULL, 10, 20);
	snap(&b);
	CHECK_EQ(rc, 0);
	if (!CHECK(pm && aa && ma && va && pv && ra))
		return;
	CHECK((uintptr_t)pm % 64 == 0);
	CHECK((uintptr_t)aa % 64 == 0);
	CHECK((uintptr_t)ma % 128 == 0);
	CHECK((uintptr_t)va % 4096 == 0);
	CHECK((uintptr_t)pv % 4096 == 0);
	CHECK(usable(pv) >= 8192);
	memset(&want, 0, sizeof(want));
	want_alloc(&want, 100, usable(pm));
	want_alloc(&want, 100, usable(aa));
	want_alloc(&want, 300, usable(ma));
	want_alloc(&want, 5000, usable(va));
	want_alloc(&want, 5000, usable(pv)); /* requested bytes, not the rounded page */
	want_alloc(&want, 200, usable(ra));
	CHECK_DELTA(&a, &b, &want);

	size_t total = usable(pm) + usable(aa) + usable(ma) + usable(va) + usable(pv) + usable(ra);
	snap(&a);
	free(pm);
	free(aa);
	free(ma);
	free(va);
	free(pv);
	free(ra);
	snap(&b);
	memset(&want, 0, sizeof(want));
	want.dealloc_count = 6;
	want.dealloc_bytes = total;
	want.use_curr = -(uint64_t)total;
	CHECK_DELTA(&a, &b, &want);
}

/* free_sized is exported by heaptop even where libc (< 2.41) lacks it. */
static void check_free_sized(void)
{
	void (*fs)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
	struct ht_snap a, b;
	struct heaptop_stats want;

	if (!CHECK(fs != NULL))
		return;
	void *p = malloc(300);
	size_t u = usable(p);
	snap(&a);
	fs(p, 300);
	snap(&b);
	memset(&want, 0, sizeof(want));
	want_free(&want, u);
	CHECK_DELTA(&a, &b, &want);
}

/* errno survives a successful malloc / free / realloc. */
static void check_errno_kept(void)
{
	errno = 4242;
	void *p = malloc(24);
	CHECK_EQ(errno, 4242);
	p = realloc(p, 5000);
	CHECK_EQ(errno, 4242);
	free(p);
	CHECK_EQ(errno, 4242);
}

/*
 * use_max is exact in one thread: a sequence of rises and falls whose peak
 * the test knows; use_max must land exactly on max(old max, that peak).
 */
#define PEAK_BLOCKS 4096
static void *peak_blocks[PEAK_BLOCKS];

static void check_use_max_exact(void)
{
	struct ht_snap a, b;
	uint64_t use, peak, base_use;
	int live = 0;
	unsigned seed = 12345;

	snap(&a);
	base_use = use = peak = a.proc.use_curr;
	/* Rise past the old maximum in mixed steps, with falls in between. */
	uint64_t target = a.proc.use_max + (4u << 20);
	for (int round = 0; live < PEAK_BLOCKS && use < target; round++) {
		for (int k = 0; k < 40 && live < PEAK_BLOCKS; k++) {
			seed = seed * 1103515245 + 12345;
			size_t n = 16 + (seed >> 8) % 30000;
			peak_blocks[live] = malloc(n);
			if (!peak_blocks[live])
				test_hard_error("out of memory");
			use += usable(peak_blocks[live++]);
			if (use > peak)
				peak = use;
		}
		for (int k = 0; k < 15 && live > 0; k++) {
			use -= usable(peak_blocks[--live]);
			free(peak_blocks[live]);
		}
	}
	snap(&b);
	CHECK_EQ(b.proc.use_curr, use);
	uint64_t want_max = peak > a.proc.use_max ? peak : a.proc.use_max;
	CHECK(peak > a.proc.use_max); /* the test really set a new maximum */
	CHECK_EQ(b.proc.use_max, want_max);
	while (live > 0)
		free(peak_blocks[--live]);
	snap(&b);
	CHECK_EQ(b.proc.use_curr, base_use);
	CHECK_EQ(b.proc.use_max, want_max);
}

/*
 * The same when the fall that ends the top of a rise is a realloc that
 * shrinks a block in place, the rise ending with a large block, then with a
 * small one: the high must be on record (the library records a high when use
 * starts to fall, not at each new high).
 */
static void check_use_max_realloc_fall(void)
{
	struct ht_snap a, b;
	uint64_t use, peak;
	int live = 0;

	snap(&a);
	use = a.proc.use_curr;
	for (int shape = 0; shape < 2; shape++) {
		while (live < PEAK_BLOCKS && use < a.proc.use_max + (shape + 1) * (256u << 10)) {
			if (!(peak_blocks[live] = malloc(20000)))
				test_hard_error("out of memory");
			use += usable(peak_blocks[live++]);
		}
		peak = use;
		void *last = peak_blocks[live - 1];
		size_t before = usable(last);
		void *keep = shape ? malloc(16) : NULL; /* shape 1: the rise ends small */
		if (shape) {
			use += usable(keep);
			peak = use;
		}
		void *q = realloc(last, shape ? 8 : 4000);
		if (!q)
			test_hard_error("realloc failed");
		peak_blocks[live - 1] = q;
		use = use - before + usable(q);
		snap(&b);
		CHECK_EQ(b.proc.use_curr, use);
		CHECK_EQ(b.proc.use_max, peak);
		if (keep) {
			use -= usable(keep);
			free(keep);
		}
	}
	while (live > 0) {
		use -= usable(peak_blocks[--live]);
		free(peak_blocks[live]);
	}
	snap(&b);
	CHECK_EQ(b.proc.use_curr, use);
}

/* --- thread scope while another thread allocates --------------------------- */

static int noise_stop;

static void *noise(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&noise_stop, __ATOMIC_RELAXED)) {
		void *p = malloc(77);
		free(p);
	}
	return NULL;
}

static void check_thread_scope_with_noise(void)
{
	pthread_t th;
	struct heaptop_measure m;
	struct heaptop_stats d = { 0 };
	void *p[10];

	if (pthread_create(&th, NULL, noise, NULL) != 0)
		test_hard_error("pthread_create");
	CHECK_EQ(heaptop_measure_begin(&m, HEAPTOP_SCOPE_THREAD), 0);
	for (int i = 0; i < 10; i++)
		p[i] = malloc(1000);
	for (int i = 0; i < 10; i++)
		free(p[i]);
	int rc = heaptop_measure_end(&m, &d);
	__atomic_store_n(&noise_stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	if (!CHECK_EQ(rc, 0))
		return;
	CHECK_EQ(d.alloc_count, 10);
	CHECK_EQ(d.dealloc_count, 10);
	CHECK_EQ(d.alloc_req_bytes, 10000);
	CHECK_EQ(d.use_curr, 0);
	CHECK_EQ(d.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(77)], 0);
	CHECK_EQ(d.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(1000)], 10);
}

int main(void)
{
	struct heaptop_stats start, end;
	const char *alloc = getenv("HT_ALLOCATOR");

	on_glibc = !alloc || strcmp(alloc, "glibc") == 0;
	read_stats(&start, HEAPTOP_SCOPE_PROCESS);
	check_use_max_exact();
	check_use_max_realloc_fall();
	check_many_mallocs();
	check_malloc_zero_and_free_null();
	check_calloc();
	check_realloc_null_and_zero();
	check_realloc_moved();
	check_realloc_in_place();
	check_realloc_same();
	check_realloc_failure();
	check_failures();
	check_free_sized();
	check_errno_kept();
	check_thread_scope_with_noise();
	check_aligned_family(); /* last: pvalloc crashes over jemalloc (docs/testing.md) */
	/* After warm-up the library allocated nothing through the hooks. */
	read_stats(&end, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(end.untracked_count, 0);
	CHECK_EQ(end.untracked_free_count, 0);
	return test_summary("integ");
}
