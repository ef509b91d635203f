/*
 * tests/sites/sites_prog.c - call-site sampling, checked from inside the
 * traced program: it allocates known amounts from distinct functions, then
 * reads its own segment (heaptop_segment_name()) and resolves frame 0 of
 * each site with dladdr (built with -rdynamic).  One mode per run:
 *
 *   exact     HEAPTOP_SAMPLE_RATE=1: per-site blocks, bytes, live after
 *             frees and realloc moves are exact; the top live site is right
 *   many      HEAPTOP_SAMPLE_RATE=1: 24 sites (more than a thread's pending
 *             slots) interleaved: each site's counters exact
 *   wide      HEAPTOP_SAMPLE_RATE=1: ~900000 live blocks of one site, of
 *             random sizes, freed at random: live counts exact
 *   shares    default rate: estimated shares of 60/30/10 sites within 10%
 *             (allocated over time and live), the realloc mover leads moves
 *   dl        a site in a dlopen'ed module that is dlclose'd: its module entry
 *             stays, unloaded, and holds the site's frame 0
 *   deep      10000-deep recursion: a truncated stack of HEAPTOP_MAX_FRAMES
 *   nounwind  code without unwind tables (C and asm): a stack, no crash;
 *             a thread whose first walk failed still names later sites
 *   noalloc   after warm-up, sampling allocates nothing through the hooks
 *   threads   HEAPTOP_SAMPLE_RATE=1, four threads, frees across threads: exact
 *   fork      HEAPTOP_SAMPLE_RATE=1: a fork child starts with no sites, and
 *             a stack its parent sampled is a new site there
 *   off       HEAPTOP_SAMPLE_RATE=0: no site or module table, no samples
 *
 * Built -O1 -fno-inline -fno-builtin -g so each site function really calls
 * the allocator itself.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "harness.h"
#include "heaptop.h"
#include "sites_view.h"

/* In nounwind_c.c and nounwind_asm.S, both without unwind tables. */
void *nounwind_c_alloc(size_t n);
void *nounwind_asm_alloc(size_t n);

static struct sites_view view;

static void open_own_segment(void)
{
	char path[128];
	const char *name = heaptop_segment_name();

	if (!name)
		test_hard_error("not tracking: run under LD_PRELOAD=libheaptop.so");
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (sites_view_open(&view, path) != 0)
		test_hard_error("cannot map %s as a v2 segment with sites", path);
}

/* Name of the function holding return address ip, or "". */
static const char *func_of(uint64_t ip)
{
	Dl_info di;
	if (ip && dladdr((void *)(uintptr_t)(ip - 1), &di) && di.dli_sname)
		return di.dli_sname;
	return "";
}

/* Sums every published site whose frame 0 lies in function fn. */
static struct site_sum sum_of(const char *fn)
{
	struct site_sum a;

	memset(&a, 0, sizeof(a));
	for (uint32_t i = 0; i < view.h->sites_count; i++) {
		const struct heaptop_site *s = sites_view_published(&view, i);
		if (s && s->nframes > 0 && strcmp(func_of(s->frames[0]), fn) == 0)
			site_sum_add(&a, &view, i);
	}
	return a;
}

/* The published site with the most of counter k (pending deltas included;
 * signed for live_*). */
static const struct heaptop_site *top_by(enum site_counter k, int is_signed)
{
	const struct heaptop_site *best = NULL;
	uint64_t most = 0;

	for (uint32_t i = 0; i < view.h->sites_count; i++) {
		const struct heaptop_site *s = sites_view_published(&view, i);
		uint64_t c = s ? sites_view_counter(&view, i, k) : 0;
		if (s && (!best || (is_signed ? (int64_t)c > (int64_t)most : c > most)))
			best = s, most = c;
	}
	return best;
}

/* The published site with the most live bytes. */
static const struct heaptop_site *top_live(void)
{
	return top_by(SC_LIVE_BYTES, 1);
}

static const struct heaptop_site *top_moves(void)
{
	return top_by(SC_MOVE_BYTES, 0);
}

/* ---- the sites ---------------------------------------------------------------- */

void *site_a(size_t n);
void *site_b(size_t n);
void *site_c(size_t n);
void *site_mover(void *p, size_t n);
void *site_rare_mover(void *p, size_t n);
void *site_deep(int depth, size_t n);
void *site_thread(size_t n);
void *site_parent(size_t n);
void *site_child(size_t n);
void *site_both(size_t n);

void *site_a(size_t n) { return malloc(n); }
void *site_b(size_t n) { return malloc(n); }
void *site_c(size_t n) { return malloc(n); }
void *site_mover(void *p, size_t n) { return realloc(p, n); }
void *site_rare_mover(void *p, size_t n) { return realloc(p, n); }
void *site_thread(size_t n) { return malloc(n); }
void *site_parent(size_t n) { return malloc(n); }
void *site_child(size_t n) { return malloc(n); }
void *site_both(size_t n) { return malloc(n); }

void *site_deep(int depth, size_t n)
{
	if (depth > 0) {
		void *p = site_deep(depth - 1, n);
		__asm__ volatile("" ::: "memory"); /* keep the frame: no tail call */
		return p;
	}
	return malloc(n);
}

/*
 * Grows a block by step bytes iters times through mv (a realloc site),
 * allocating a blocker after each result so the next growth can't stay in
 * place (the blocker is larger than any free chunk, so glibc carves it from
 * the top, right after the block); starts over every 500 steps.  Counts the
 * moves and the bytes they copied; returns the block.
 */
static void *force_moves(void *(*mv)(void *, size_t), int iters, size_t step, uint64_t *moves,
			 uint64_t *moved)
{
	static void *blockers[500];
	void *p = NULL;

	for (int i = 0; i < iters; i++) {
		int j = i % 500;
		if (j == 0) {
			for (int k = 0; i && k < 500; k++)
				free(blockers[k]);
			free(p);
			p = malloc(16);
		}
		size_t old_u = malloc_usable_size(p), req = 16 + (size_t)(j + 1) * step;
		void *q = mv(p, req);
		if (!q)
			test_hard_error("realloc failed");
		if (q != p)
			(*moves)++, *moved += old_u < req ? old_u : req;
		p = q;
		blockers[j] = malloc(2 * req + 64);
	}
	for (int k = 0; k < (iters - 1) % 500 + 1; k++)
		free(blockers[k]);
	return p;
}

/* ---- exact ----------------------------------------------------------------------- */

struct expect {
	uint64_t blocks, bytes, live_blocks, live_bytes;
};

static void check_exact_site(const char *fn, const struct expect *e)
{
	struct site_sum s = sum_of(fn);

	if (!CHECK(s.sites >= 1))
		fprintf(stderr, "  no site for %s\n", fn);
	CHECK_EQ(s.alloc_samples, e->blocks);
	CHECK_EQ(s.alloc_blocks, e->blocks);
	CHECK_EQ(s.alloc_bytes, e->bytes);
	CHECK_EQ(s.live_samples, e->live_blocks);
	CHECK_EQ(s.live_blocks, e->live_blocks);
	CHECK_EQ(s.live_bytes, e->live_bytes);
}

static int mode_exact(void)
{
	enum { NA = 1000, NB = 400, NC = 200, NM = 300 };
	static void *a[NA], *b[NB], *c[NC];
	struct expect ea = { 0 }, eb = { 0 }, ec = { 0 };

	for (int i = 0; i < NA; i++) {
		a[i] = site_a(100 + i % 7);
		ea.blocks++, ea.bytes += malloc_usable_size(a[i]);
	}
	for (int i = 0; i < NB; i++) {
		b[i] = site_b(1000 + i);
		eb.blocks++, eb.bytes += malloc_usable_size(b[i]);
	}
	for (int i = 0; i < NC; i++) {
		c[i] = site_c(3000);
		ec.blocks++, ec.bytes += malloc_usable_size(c[i]);
	}
	/* Free every other a, all of c: live is what stays. */
	for (int i = 0; i < NA; i++) {
		if (i % 2) {
			free(a[i]);
			a[i] = NULL;
			continue;
		}
		ea.live_blocks++, ea.live_bytes += malloc_usable_size(a[i]);
	}
	for (int i = 0; i < NC; i++)
		free(c[i]);
	for (int i = 0; i < NB; i++)
		eb.live_blocks++, eb.live_bytes += malloc_usable_size(b[i]);

	uint64_t moves = 0, moved = 0;
	void *p = force_moves(site_mover, NM, 16, &moves, &moved);

	open_own_segment();
	check_exact_site("site_a", &ea);
	check_exact_site("site_b", &eb);
	check_exact_site("site_c", &ec);
	struct site_sum m = sum_of("site_mover");
	CHECK(moves >= NM / 2);
	CHECK_EQ(m.move_samples, moves);
	CHECK_EQ(m.move_count, moves);
	CHECK_EQ(m.move_bytes, moved);
	/* The realloc result is the mover's live block now. */
	CHECK_EQ(m.live_blocks, 1);
	CHECK_EQ(m.live_bytes, malloc_usable_size(p));
	const struct heaptop_site *top = top_live();
	CHECK(top && strcmp(func_of(top->frames[0]), "site_b") == 0);
	CHECK(top_moves() && strcmp(func_of(top_moves()->frames[0]), "site_mover") == 0);
	CHECK_EQ(view.h->sample_rate, 1);
	CHECK_EQ(view.h->sites_dropped, 0);
	CHECK_EQ(view.h->live_dropped, 0);
	/* Peak contributors were copied at some use_max on the way up. */
	uint64_t seq = __atomic_load_n(&view.h->peak_seq, __ATOMIC_ACQUIRE);
	CHECK(seq >= 2 && seq % 2 == 0);
	CHECK(view.h->peak_use_max > 0 && view.h->peak_use_max <= view.h->use_max);
	struct site_sum pb = sum_of("site_b");
	CHECK(pb.peak_bytes > 0 && pb.peak_bytes <= pb.live_bytes);
	for (int i = 0; i < NA; i++)
		free(a[i]);
	for (int i = 0; i < NB; i++)
		free(b[i]);
	free(p);
	struct site_sum a2 = sum_of("site_a");
	CHECK_EQ(a2.live_samples, 0);
	CHECK_EQ(a2.live_bytes, 0);
	return test_summary("sites exact");
}

/* ---- many ------------------------------------------------------------------------ */

/* Frames of site s inside site_deep: its recursion depth + 1. */
static int deep_frames(const struct heaptop_site *s)
{
	int n = 0;

	for (unsigned i = 0; i < s->nframes; i++)
		n += strcmp(func_of(s->frames[i]), "site_deep") == 0;
	return n;
}

/*
 * MANY_SITES sites (site_deep at depths 0..MANY_SITES-1: one stack each)
 * allocate and free round-robin, so a thread's HEAPTOP_PENDING_SITES
 * pending slots keep changing hands and deltas move into the site table all
 * the time: every site's counters must still be exact, and none may be
 * credited to another.
 */
#define MANY_SITES 24
static int mode_many(void)
{
	enum { ROUNDS = 60 };
	static void *blk[MANY_SITES][ROUNDS];
	struct expect e[MANY_SITES], got[MANY_SITES];

	memset(e, 0, sizeof(e));
	memset(got, 0, sizeof(got));
	for (int r = 0; r < ROUNDS; r++) {
		for (int d = 0; d < MANY_SITES; d++) {
			void *p = site_deep(d, 24 + 16 * (size_t)d + (size_t)r);
			blk[d][r] = p;
			e[d].blocks++, e[d].bytes += malloc_usable_size(p);
		}
		/* free a block of another site each time: live goes down out of order */
		for (int d = 0; r > 0 && d < MANY_SITES; d += 3) {
			int v = (d + 5 * r) % MANY_SITES;
			free(blk[v][r - 1]);
			blk[v][r - 1] = NULL;
		}
	}
	for (int d = 0; d < MANY_SITES; d++)
		for (int r = 0; r < ROUNDS; r++)
			if (blk[d][r])
				e[d].live_blocks++, e[d].live_bytes += malloc_usable_size(blk[d][r]);
	open_own_segment();
	for (uint32_t i = 0; i < view.h->sites_count; i++) {
		const struct heaptop_site *s = sites_view_published(&view, i);
		int d = s && s->nframes && strcmp(func_of(s->frames[0]), "site_deep") == 0 ?
			deep_frames(s) - 1 : -1;
		if (d < 0)
			continue;
		if (!CHECK(d < MANY_SITES))
			continue;
		struct site_sum a;
		memset(&a, 0, sizeof(a));
		site_sum_add(&a, &view, i);
		got[d].blocks += a.alloc_samples, got[d].bytes += a.alloc_bytes;
		got[d].live_blocks += (uint64_t)a.live_samples, got[d].live_bytes += (uint64_t)a.live_bytes;
	}
	for (int d = 0; d < MANY_SITES; d++) {
		CHECK_EQ(got[d].blocks, e[d].blocks);
		CHECK_EQ(got[d].bytes, e[d].bytes);
		CHECK_EQ(got[d].live_blocks, e[d].live_blocks);
		CHECK_EQ(got[d].live_bytes, e[d].live_bytes);
	}
	_Static_assert(MANY_SITES > HEAPTOP_PENDING_SITES, "more sites than pending slots");
	CHECK_EQ(view.h->sites_dropped, 0);
	CHECK_EQ(view.h->live_dropped, 0);
	for (int d = 0; d < MANY_SITES; d++)
		for (int r = 0; r < ROUNDS; r++)
			free(blk[d][r]);
	return test_summary("sites many");
}

/* ---- wide ------------------------------------------------------------------------ */

/*
 * WIDE_ALLOCS blocks of one site at rate 1, of random sizes, a third of
 * them freed again at random as it goes (as a growing hash table does):
 * some 900 000 stay live, fourteen times what the live map sized for the
 * default rate holds and more than the 1M-slot map rate 1 had before (it
 * dropped ~500 of them).  Every one is followed (live_dropped 0), so the
 * site's live counts are exact, before and after freeing every other block.
 */
#define WIDE_ALLOCS 1200000
static int mode_wide(void)
{
	void **blk = calloc(WIDE_ALLOCS, sizeof(*blk));
	uint64_t bytes = 0, freed = 0, live = 0, x = 88172645463325252ull;

	if (!blk)
		test_hard_error("out of memory");
	for (int i = 0; i < WIDE_ALLOCS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		blk[i] = site_b(16 + x % 120);
		if (!blk[i])
			test_hard_error("out of memory");
		bytes += malloc_usable_size(blk[i]);
		live++;
		size_t j = (size_t)(x >> 20) % (size_t)(i + 1);
		if ((x >> 40) % 3 == 0 && blk[j] && j != (size_t)i) {
			bytes -= malloc_usable_size(blk[j]);
			live--;
			free(blk[j]);
			blk[j] = NULL;
		}
	}
	open_own_segment();
	struct site_sum b = sum_of("site_b");
	CHECK_EQ(view.h->live_dropped, 0);
	CHECK_EQ(b.alloc_samples, WIDE_ALLOCS);
	CHECK_EQ((uint64_t)b.live_samples, live);
	CHECK_EQ((uint64_t)b.live_bytes, bytes);
	CHECK(live > 800000);
	uint64_t kept = live;
	for (int i = 0, n = 0; i < WIDE_ALLOCS; i++) {
		if (blk[i] && n++ % 2 == 0) {
			freed += malloc_usable_size(blk[i]);
			kept--;
			free(blk[i]);
			blk[i] = NULL;
		}
	}
	b = sum_of("site_b");
	CHECK_EQ((uint64_t)b.live_samples, kept);
	CHECK_EQ((uint64_t)b.live_bytes, bytes - freed);
	for (int i = 0; i < WIDE_ALLOCS; i++)
		free(blk[i]);
	b = sum_of("site_b");
	CHECK_EQ(b.live_samples, 0);
	CHECK_EQ(b.live_bytes, 0);
	free(blk);
	return test_summary("sites wide");
}

/* ---- shares ----------------------------------------------------------------------- */

static uint64_t lcg_state = 12345;
static uint64_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return lcg_state >> 33;
}

/*
 * est/est_total within 4 standard errors of truth/truth_total, the standard
 * error of a share f estimated from n samples in all being sqrt(f(1-f)/n)
 * (docs/sampling.md; an upper bound here, as blocks of several KiB are
 * sampled more surely than Poisson).  A fixed relative bound would fail a
 * few runs in a hundred by chance alone; 4 sigma fails one in ~16000.
 */
static void check_share(const char *what, double est, double est_total, double truth,
			double truth_total, uint64_t n)
{
	double se = est / est_total, st = truth / truth_total;
	double sigma = n ? sqrt(st * (1 - st) / (double)n) : 1;
	fprintf(stderr, "# %s: estimated share %.4f, true %.4f (%+.1f%%, %+.2f sigma of %.4f, %llu samples)\n",
		what, se, st, 100.0 * (se - st) / st, (se - st) / sigma, sigma, (unsigned long long)n);
	if (!CHECK(fabs(se - st) <= 4 * sigma))
		fprintf(stderr, "  %s share %.4f not within 4 sigma (%.4f) of %.4f\n", what, se,
			4 * sigma, st);
}

static int mode_shares(void)
{
	/* Over time: 1 GiB in blocks of 1..8 KiB, freed at once, 60/30/10 by count. */
	uint64_t truth[3] = { 0, 0, 0 }, live[3] = { 0, 0, 0 };
	const uint64_t total = 1ull << 30;
	uint64_t done = 0;
	void *(*fns[3])(size_t) = { site_a, site_b, site_c };

	while (done < total) {
		uint64_t r = lcg() % 10;
		int k = r < 6 ? 0 : r < 9 ? 1 : 2;
		void *p = fns[k](1 + lcg() % 8192);
		size_t u = malloc_usable_size(p);
		truth[k] += u, done += u;
		free(p);
	}
	/* Held at the end: 600 MiB of untouched 8..120 KiB blocks, 60/30/10 by bytes. */
	static void *held[3][20000];
	uint64_t want[3] = { 360ull << 20, 180ull << 20, 60ull << 20 };
	size_t nheld[3] = { 0, 0, 0 };
	for (int k = 0; k < 3; k++) {
		while (live[k] < want[k] && nheld[k] < 20000) {
			void *p = fns[k](8192 + lcg() % (112 * 1024));
			if (!p)
				test_hard_error("out of memory");
			size_t u = malloc_usable_size(p);
			live[k] += u, truth[k] += u;
			held[k][nheld[k]++] = p;
		}
	}
	/* Moves: many in one function, a few larger ones in another. */
	uint64_t moves = 0, moved = 0, rare_moves = 0, rare_moved = 0;
	void *mp = force_moves(site_mover, 20000, 32, &moves, &moved);
	void *rp = force_moves(site_rare_mover, 20, 16384, &rare_moves, &rare_moved);
	fprintf(stderr, "# moves: site_mover %llu copying %llu bytes, site_rare_mover %llu copying %llu\n",
		(unsigned long long)moves, (unsigned long long)moved,
		(unsigned long long)rare_moves, (unsigned long long)rare_moved);

	open_own_segment();
	struct site_sum s[3] = { sum_of("site_a"), sum_of("site_b"), sum_of("site_c") };
	double est_all = (double)(s[0].alloc_bytes + s[1].alloc_bytes + s[2].alloc_bytes);
	double truth_all = (double)(truth[0] + truth[1] + truth[2]);
	fprintf(stderr, "# samples behind the estimates: %llu %llu %llu (live %lld %lld %lld)\n",
		(unsigned long long)s[0].alloc_samples, (unsigned long long)s[1].alloc_samples,
		(unsigned long long)s[2].alloc_samples, (long long)s[0].live_samples,
		(long long)s[1].live_samples, (long long)s[2].live_samples);
	uint64_t n_all = s[0].alloc_samples + s[1].alloc_samples + s[2].alloc_samples;
	uint64_t n_live = (uint64_t)(s[0].live_samples + s[1].live_samples + s[2].live_samples);
	check_share("allocated site_a", (double)s[0].alloc_bytes, est_all, (double)truth[0], truth_all,
		    n_all);
	check_share("allocated site_b", (double)s[1].alloc_bytes, est_all, (double)truth[1], truth_all,
		    n_all);
	double live_est = (double)(s[0].live_bytes + s[1].live_bytes + s[2].live_bytes);
	double live_all = (double)(live[0] + live[1] + live[2]);
	check_share("live site_a", (double)s[0].live_bytes, live_est, (double)live[0], live_all, n_live);
	check_share("live site_b", (double)s[1].live_bytes, live_est, (double)live[1], live_all, n_live);
	/* The total live estimate is within 4 standard errors (RSE 1/sqrt(n)) too. */
	double live_rse = n_live ? 1 / sqrt((double)n_live) : 1;
	fprintf(stderr, "# live total: estimated %.0f, true %.0f (%+.1f%%, RSE %.1f%%)\n", live_est,
		live_all, 100.0 * (live_est - live_all) / live_all, 100.0 * live_rse);
	CHECK(n_live > 0 && fabs(live_est - live_all) <= 4 * live_rse * live_all);
	const struct heaptop_site *top = top_live();
	CHECK(top && strcmp(func_of(top->frames[0]), "site_a") == 0);
	const struct heaptop_site *mv = top_moves();
	CHECK(mv && strcmp(func_of(mv->frames[0]), "site_mover") == 0);
	struct site_sum m = sum_of("site_mover");
	fprintf(stderr, "# site_mover: %llu move samples, estimated %llu moves, %llu bytes\n",
		(unsigned long long)m.move_samples, (unsigned long long)m.move_count,
		(unsigned long long)m.move_bytes);
	CHECK(m.move_samples >= 50);
	CHECK_EQ(view.h->sample_rate, 512 * 1024);
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < nheld[k]; i++)
			free(held[k][i]);
	free(mp);
	free(rp);
	return test_summary("sites shares");
}

/* ---- dl ---------------------------------------------------------------------------- */

static int mode_dl(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		test_hard_error("dlopen %s: %s", path, dlerror());
	void *(*fn)(size_t) = (void *(*)(size_t))dlsym(h, "dlmod_alloc");
	if (!fn)
		test_hard_error("no dlmod_alloc in %s", path);
	void *blocks[100];
	for (int i = 0; i < 100; i++)
		blocks[i] = fn(1000);
	uint64_t frame = 0;
	open_own_segment();
	for (uint32_t i = 0; i < view.h->sites_count && !frame; i++) {
		const struct heaptop_site *s = sites_view_published(&view, i);
		if (s && s->nframes && strcmp(func_of(s->frames[0]), "dlmod_alloc") == 0)
			frame = s->frames[0];
	}
	CHECK(frame != 0);
	for (int i = 0; i < 100; i++)
		free(blocks[i]);
	if (dlclose(h) != 0)
		test_hard_error("dlclose: %s", dlerror());

	int found = 0;
	for (uint32_t i = 0; i < sites_view_modules(&view); i++) {
		const struct heaptop_module *m = sites_view_module(&view, i);
		if (!m || !strstr(m->path, "dlmod"))
			continue;
		found++;
		CHECK_EQ(m->state, HEAPTOP_MODULE_UNLOADED);
		CHECK(m->start <= frame && frame < m->end);
		CHECK(m->build_id_len > 0);
		CHECK(m->unload_mono_ns >= m->load_mono_ns);
	}
	CHECK_EQ(found, 1);
	/* The executable and libc are there, loaded, with build-ids. */
	int exe = 0;
	for (uint32_t i = 0; i < sites_view_modules(&view); i++) {
		const struct heaptop_module *m = sites_view_module(&view, i);
		if (m && m->state == HEAPTOP_MODULE_LOADED && m->start <= (uintptr_t)&mode_dl &&
		    (uintptr_t)&mode_dl < m->end)
			exe++;
	}
	CHECK_EQ(exe, 1);
	printf("%" PRIx64 "\n", frame); /* for the reader run after exit */
	fflush(stdout);
	return test_summary("sites dl");
}

/* ---- deep, nounwind ---------------------------------------------------------------- */

static int mode_deep(void)
{
	unsigned want = getenv("HEAPTOP_MAX_FRAMES") ? (unsigned)atoi(getenv("HEAPTOP_MAX_FRAMES")) : 32;
	void *p = site_deep(10000, 777);
	open_own_segment();
	struct site_sum d = sum_of("site_deep");
	CHECK(d.sites >= 1);
	for (uint32_t i = 0; i < view.h->sites_count; i++) {
		const struct heaptop_site *s = sites_view_published(&view, i);
		if (!s || !s->nframes || strcmp(func_of(s->frames[0]), "site_deep") != 0)
			continue;
		CHECK_EQ(s->nframes, want);
		CHECK(s->flags & HEAPTOP_SITE_TRUNCATED);
		for (unsigned f = 0; f < s->nframes; f++)
			CHECK_STR(func_of(s->frames[f]), "site_deep");
	}
	free(p);
	return test_summary("sites deep");
}

/*
 * A thread whose first sample comes from code without unwind tables (its
 * first walk fails over to libunwind), then samples site_a: those must
 * still start at site_a, not in our own frames.
 */
static void *nounwind_first(void *arg)
{
	void **p = arg;
	p[0] = nounwind_c_alloc(100);
	for (int i = 1; i <= 100; i++)
		p[i] = site_a(300);
	return NULL;
}

static int mode_nounwind(void)
{
	void *p[200], *q[101];
	pthread_t th;
	for (int i = 0; i < 100; i++) {
		p[2 * i] = nounwind_c_alloc(100);
		p[2 * i + 1] = nounwind_asm_alloc(200);
	}
	if (pthread_create(&th, NULL, nounwind_first, q) != 0)
		test_hard_error("pthread_create");
	pthread_join(th, NULL);
	open_own_segment();
	struct site_sum c = sum_of("nounwind_c_alloc"), a = sum_of("nounwind_asm_alloc");
	CHECK(c.sites >= 1);
	CHECK(a.sites >= 1);
	CHECK_EQ(c.alloc_samples, 101);
	CHECK_EQ(a.alloc_samples, 100);
	CHECK_EQ(sum_of("site_a").alloc_samples, 100);
	for (int i = 0; i < 200; i++)
		free(p[i]);
	for (int i = 0; i <= 100; i++)
		free(q[i]);
	return test_summary("sites nounwind");
}

/* ---- noalloc ------------------------------------------------------------------------ */

static uint64_t untracked(void)
{
	struct heaptop_stats st;
	if (heaptop_stats_read(&st, HEAPTOP_SCOPE_PROCESS) != 0)
		test_hard_error("heaptop_stats_read failed");
	return st.untracked_count;
}

static void *alloc_via(int k, size_t n)
{
	switch (k % 4) {
	case 0: return site_a(n);
	case 1: return site_b(n);
	case 2: return site_c(n);
	default: return site_deep(k % 50, n);
	}
}

static int mode_noalloc(void)
{
	/* Warm-up: libunwind's first steps, the module scan, every site once. */
	for (int k = 0; k < 200; k++)
		free(alloc_via(k, 64));
	uint64_t before = untracked();
	for (int k = 0; k < 20000; k++)
		free(alloc_via(k, 16 + (size_t)k % 1000));
	uint64_t after = untracked();
	open_own_segment();
	CHECK_EQ(after, before);
	CHECK(sites_view_samples_total(&view) >= 20000);
	fprintf(stderr, "# untracked blocks: %llu before and %llu after %llu samples\n",
		(unsigned long long)before, (unsigned long long)after,
		(unsigned long long)sites_view_samples_total(&view));
	return test_summary("sites noalloc");
}

/* ---- threads ------------------------------------------------------------------------ */

enum { THREADS = 4, PER_THREAD = 5000 };
static void *tblocks[THREADS][PER_THREAD];

static void *thread_alloc(void *arg)
{
	void **mine = arg;
	for (int i = 0; i < PER_THREAD; i++)
		mine[i] = site_thread(48);
	return NULL;
}

/* Frees the odd blocks of another thread. */
static void *thread_free(void *arg)
{
	void **theirs = arg;
	for (int i = 1; i < PER_THREAD; i += 2)
		free(theirs[i]);
	return NULL;
}

static int mode_threads(void)
{
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_alloc, tblocks[i]);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_free, tblocks[(i + 1) % THREADS]);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	open_own_segment();
	struct site_sum s = sum_of("site_thread");
	uint64_t u = malloc_usable_size(tblocks[0][0]);
	CHECK_EQ(s.alloc_blocks, THREADS * PER_THREAD);
	CHECK_EQ(s.alloc_bytes, THREADS * PER_THREAD * u);
	CHECK_EQ(s.live_blocks, THREADS * PER_THREAD / 2);
	CHECK_EQ(s.live_bytes, THREADS * PER_THREAD / 2 * u);
	return test_summary("sites threads");
}

/* ---- fork ---------------------------------------------------------------------------- */

static void *both_parent[40], *both_child[30];

static void fill_both(void **b, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = site_both(64);
}

/*
 * Fills both_parent, forks, and has the child fill both_child from the
 * same call, so both sample the very same stack: the child must not reuse
 * what the parent's thread remembered of it (its site table is new).
 * Returns fork's result.
 */
static pid_t fork_after_fill(void)
{
	pid_t pid = 1;

	for (volatile int pass = 0; pass < 2; pass++) {
		if (pass == 1 && (pid = fork()) != 0)
			break;
		fill_both(pass ? both_child : both_parent, pass ? 30 : 40);
	}
	return pid;
}

static int mode_fork(void)
{
	void *kept[100];
	for (int i = 0; i < 100; i++)
		kept[i] = site_parent(200);
	pid_t pid = fork_after_fill();
	if (pid < 0)
		test_hard_error("fork failed");
	if (pid == 0) {
		void *mine[50];
		for (int i = 0; i < 50; i++)
			mine[i] = site_child(300);
		for (int i = 0; i < 100; i++)
			free(kept[i]); /* sampled in the parent: unknown here */
		open_own_segment();
		CHECK(view.h->pid == (uint32_t)getpid());
		CHECK_EQ(sum_of("site_parent").sites, 0);
		struct site_sum c = sum_of("site_child");
		CHECK_EQ(c.alloc_blocks, 50);
		CHECK_EQ(c.live_blocks, 50);
		struct site_sum b = sum_of("site_both");
		CHECK_EQ(b.alloc_blocks, 30);
		CHECK_EQ(b.live_blocks, 30);
		for (int i = 0; i < 50; i++)
			free(mine[i]);
		char path[128];
		snprintf(path, sizeof(path), "/dev/shm%s", heaptop_segment_name());
		unlink(path);
		_exit(test_summary("sites fork child"));
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	open_own_segment();
	CHECK_EQ(sum_of("site_child").sites, 0);
	struct site_sum p = sum_of("site_parent");
	CHECK_EQ(p.alloc_blocks, 100);
	CHECK_EQ(p.live_blocks, 100);
	struct site_sum b = sum_of("site_both");
	CHECK_EQ(b.alloc_blocks, 40);
	CHECK_EQ(b.live_blocks, 40);
	for (int i = 0; i < 100; i++)
		free(kept[i]);
	for (int i = 0; i < 40; i++)
		free(both_parent[i]);
	return test_summary("sites fork");
}

/* ---- off ------------------------------------------------------------------------------ */

static int mode_off(void)
{
	for (int i = 0; i < 10000; i++)
		free(site_a(100 + (size_t)i));
	open_own_segment();
	const struct heaptop_seg_header *h = view.h;
	CHECK_EQ(h->version, HEAPTOP_ABI_VERSION);
	CHECK_EQ(h->sample_rate, 0);
	CHECK_EQ(h->sites_count, 0);
	CHECK_EQ(h->sites_off, 0);
	CHECK_EQ(h->modules_count, 0);
	CHECK_EQ(h->pending_off, 0);
	CHECK_EQ(sites_view_samples_total(&view), 0);
	return test_summary("sites off");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!heaptop_tracking || !heaptop_tracking()) /* weak: NULL without the library */
		test_skip("not tracking (run under LD_PRELOAD=libheaptop.so)");
	if (!strcmp(mode, "exact"))
		return mode_exact();
	if (!strcmp(mode, "many"))
		return mode_many();
	if (!strcmp(mode, "wide"))
		return mode_wide();
	if (!strcmp(mode, "shares"))
		return mode_shares();
	if (!strcmp(mode, "dl") && argc > 2)
		return mode_dl(argv[2]);
	if (!strcmp(mode, "deep"))
		return mode_deep();
	if (!strcmp(mode, "nounwind"))
		return mode_nounwind();
	if (!strcmp(mode, "noalloc"))
		return mode_noalloc();
	if (!strcmp(mode, "threads"))
		return mode_threads();
	if (!strcmp(mode, "fork"))
		return mode_fork();
	if (!strcmp(mode, "off"))
		return mode_off();
	test_hard_error("usage: sites_prog exact|many|wide|shares|dl MODULE|deep|nounwind|noalloc|threads|fork|off");
}
