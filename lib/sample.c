/*
 * lib/sample.c - which allocations are sampled, and what each sample weighs.
 *
 * Sampling by bytes (docs/sampling.md): every thread counts down the usable
 * bytes it allocates (ht_countdown(), fed by the fast path's left); the block
 * that takes the countdown to 0 or below is sampled and a fresh countdown is
 * drawn from an exponential distribution of mean R = HEAPTOP_SAMPLE_RATE.
 * A block of s bytes is then sampled with probability p(s) = 1 - exp(-s/R),
 * independently of every other block, and stands for 1/p(s) blocks and
 * s/p(s) bytes.  R = 1 samples every block with weight 1 (exact).  Realloc
 * moves have their own countdown, by bytes copied.
 *
 * The maths needs exp and log only here; they are computed without libm.
 * The PRNG is a per-thread xorshift64*, reseeded in a fork child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include "account.h"

/* Per-thread sampler state beside ht_self (initial-exec: never allocates). */
struct ht_sampler {
	uint64_t rng;      /* xorshift64* state, never 0 once seeded */
	int64_t move_left; /* bytes copied by realloc moves until the next move sample */
	pid_t pid;         /* process that seeded it (0: not yet) */
	int64_t last_site; /* site of the thread's previous capture, or -1 */
	uint32_t walks;    /* captures, for the periodic module check */
};
static __thread struct ht_sampler ht_sampler __attribute__((tls_model("initial-exec")));

#define LN2 0.69314718055994530942

/* ---- maths without libm -------------------------------------------------- */

/* exp(-x) for 0 <= x <= 64: x = k ln2 + r, exp(-r) by its series. */
static double exp_neg(double x)
{
	int k = (int)(x / LN2);
	double r = x - k * LN2, term = 1.0, sum = 1.0;

	for (int i = 1; i <= 16; i++) {
		term *= -r / i;
		sum += term;
	}
	while (k-- > 0)
		sum *= 0.5;
	return sum;
}

/* 1 - exp(-x) for x >= 0, accurate for small x too. */
static double one_minus_exp_neg(double x)
{
	if (x > 60.0)
		return 1.0;
	if (x < 1e-4)
		return x * (1.0 - x * (0.5 - x / 6.0));
	return 1.0 - exp_neg(x);
}

/* -ln(u) for 0 < u <= 1: u = m 2^e with m in [1, 2), ln m = 2 atanh((m-1)/(m+1)). */
static double neg_log(double u)
{
	union { double d; uint64_t b; } v = { .d = u };
	int e = (int)((v.b >> 52) & 0x7ff) - 1023;
	v.b = (v.b & ((1ull << 52) - 1)) | (1023ull << 52);
	double m = v.d, z = (m - 1.0) / (m + 1.0), z2 = z * z, pow = z, sum = 0.0;

	for (int i = 1; i <= 41; i += 2) {
		sum += pow / i;
		pow *= z2;
	}
	return -(e * LN2 + 2.0 * sum);
}

/* ---- the per-thread PRNG --------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t next_u64(struct ht_sampler *g)
{
	uint64_t x = g->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in (0, 1]. */
static double next_unit(struct ht_sampler *g)
{
	return (double)((next_u64(g) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

/* The next countdown: exponential of mean R (0 when every block is sampled). */
static int64_t draw(struct ht_sampler *g)
{
	uint64_t rate = ht_rt.cfg.sample_rate;

	if (rate <= 1)
		return 0;
	double v = neg_log(next_unit(g)) * (double)rate;
	return v > 4e18 ? (int64_t)4e18 : (int64_t)v;
}

/* Seeds the calling thread's sampler when this process hasn't yet (new
 * thread, fork child) and arms its countdowns; returns it. */
static struct ht_sampler *sampler(struct ht_thread *t)
{
	struct ht_sampler *g = &ht_sampler;

	if (HT_LIKELY(g->pid == ht_rt.pid))
		return g;
	g->rng = mix64(ht_now_ns(0) ^ ((uint64_t)gettid() << 32) ^ (uint64_t)(uintptr_t)g) | 1;
	g->pid = ht_rt.pid;
	g->last_site = -1; /* a fork child's site table starts empty */
	/* Memoryless: what the thread counted before only shortens the first wait. */
	ht_countdown_set(t, ht_countdown(t) + draw(g));
	g->move_left = draw(g);
	return g;
}

/* ---- weights --------------------------------------------------------------- */

/* Probability that a block (or move) of s bytes is sampled. */
static double sample_prob(size_t s)
{
	uint64_t rate = ht_rt.cfg.sample_rate;

	if (rate == 1)
		return 1.0;
	return one_minus_exp_neg((double)s / (double)rate);
}

static uint64_t round_u64(double v)
{
	return v >= 1.8e19 ? UINT64_MAX : (uint64_t)(v + 0.5);
}

void ht_sample_weigh_maths(size_t s, uint64_t *blocks, uint64_t *bytes)
{
	double p = sample_prob(s);

	if (p <= 0.0) /* s == 0: a zero-size block is sampled only at R = 1 */
		p = 1.0;
	*blocks = round_u64(1.0 / p);
	*bytes = round_u64((double)s / p);
}

/* ---- taking samples -------------------------------------------------------- */

/*
 * Stack walks and fork.  libunwind, dl_iterate_phdr and the unwind-rule
 * cache's writer take locks; a fork while another thread holds one would
 * hand the child a lock nobody will release.  So the sections that may take
 * them (ht_walk_enter/leave; a walk on cached rules takes none) are
 * counted, and the fork prepare handler stops new ones and waits (bounded)
 * for the running ones.  fork_pending counts the forks under way, not a
 * flag: glibc (2.35 on) runs atfork handlers without its own lock, so two
 * threads' forks overlap, and the first one's parent handler must not let
 * walks start while the second has not cloned yet.  A fork child never
 * enters a section again (and says so once) when one was still running at
 * the clone (the wait timed out, or a signal handler forked in the middle
 * of its own thread's walk), or when the program's own thread held the
 * loader's lock (loader.c).
 */
static unsigned fork_pending;
static unsigned walkers;
static int walks_unsafe;
/* This thread's own sections (a signal handler may fork in the middle of one). */
static __thread unsigned own_walks __attribute__((tls_model("initial-exec")));

int ht_walk_enter(void)
{
	if (__atomic_load_n(&fork_pending, __ATOMIC_SEQ_CST) || walks_unsafe)
		return -1;
	__atomic_add_fetch(&walkers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&fork_pending, __ATOMIC_SEQ_CST)) {
		__atomic_sub_fetch(&walkers, 1, __ATOMIC_SEQ_CST);
		return -1;
	}
	__atomic_store_n(&own_walks, own_walks + 1, __ATOMIC_RELAXED);
	return 0;
}

void ht_walk_leave(void)
{
	__atomic_store_n(&own_walks, own_walks - 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&walkers, 1, __ATOMIC_SEQ_CST);
}

/* Captures between two looks at the loader's counts when no site is new. */
#define MODULES_CHECK_EVERY 256

/*
 * The site of the calling stack, or -1 (no stack: a fork is under way).
 * The same stack as the thread's previous capture is the same site.  The
 * module table is brought up to date when a new site appears (its frames
 * may lie in an object not yet recorded), and every MODULES_CHECK_EVERY
 * captures otherwise (objects unloaded behind dlclose's back).
 */
static int64_t here(struct ht_sampler *g)
{
	uint64_t frames[HT_FRAMES_MAX];
	int truncated = 0, same = 0, added = 0;
	int64_t site;

	int n = ht_stack_capture(frames, ht_rt.cfg.max_frames, &truncated, &same);
	if (n < 0)
		return -1;
	if (same && g->last_site >= 0)
		site = g->last_site;
	else
		site = g->last_site = ht_sites_find(frames, (unsigned)n, truncated, &added);
	if ((added || (++g->walks & (MODULES_CHECK_EVERY - 1)) == 1) && ht_walk_enter() == 0) {
		ht_loader_find();
		ht_modules_refresh();
		ht_walk_leave();
	}
	return site;
}

void ht_sample_fork_prepare(void)
{
	__atomic_add_fetch(&fork_pending, 1, __ATOMIC_SEQ_CST);
	ht_loader_fork_prepare();
	/* Walks take microseconds.  This thread's own (a signal handler forking
	 * in the middle of one) can't end before the fork: not waited for (the
	 * child sees them and takes no more walks).  The bound of 1 s is for a
	 * walker that is not scheduled; it is a clock's, since a 1 us sleep
	 * lasts the timer slack (~55 us). */
	unsigned mine = __atomic_load_n(&own_walks, __ATOMIC_RELAXED);
	struct timespec now, end;
	if (__atomic_load_n(&walkers, __ATOMIC_SEQ_CST) <= mine ||
	    clock_gettime(CLOCK_MONOTONIC, &end) != 0)
		return;
	end.tv_sec++;
	while (__atomic_load_n(&walkers, __ATOMIC_SEQ_CST) > mine) {
		struct timespec ts = { 0, 1000 };
		nanosleep(&ts, NULL);
		if (clock_gettime(CLOCK_MONOTONIC, &now) != 0 || now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return;
	}
}

void ht_sample_fork_parent(void)
{
	__atomic_sub_fetch(&fork_pending, 1, __ATOMIC_SEQ_CST);
}

void ht_sample_fork_child(void)
{
	if (__atomic_load_n(&walkers, __ATOMIC_SEQ_CST)) {
		walks_unsafe = 1; /* a walker was still inside: its locks may be held */
		ht_say_once(HT_SAY_FORK_NO_STACKS, "forked during another thread's stack walk: ",
			    "no call stacks in this child (counts stay exact)", NULL);
	} else if (ht_rt.cfg.sample_rate && !walks_unsafe && ht_loader_fork_child_stuck()) {
		walks_unsafe = 1; /* the program's own thread was in the loader */
		ht_say_once(HT_SAY_FORK_NO_STACKS, "forked while another thread may have held ",
			    "the loader's lock: no call stacks in this child (counts stay exact)",
			    NULL);
	}
	/* Only this thread's sections go on here, and leave when they end. */
	__atomic_store_n(&walkers, own_walks, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fork_pending, 0, __ATOMIC_SEQ_CST);
}

static void record_alloc(int64_t site, const void *p, size_t u)
{
	struct ht_live_rec r;

	if (site < 0) {
		ht_sites_count_sample(0);
		return;
	}
	r.site = (uint32_t)site;
	ht_sample_weigh(u, &r.blocks, &r.bytes);
	ht_sites_alloc(p, &r);
}

void ht_sample_alloc(struct ht_thread *t, void *p, size_t u)
{
	if (!ht_rt.cfg.sample_rate || !ht_rt.sites) {
		ht_countdown_set(t, INT64_MAX);
		return;
	}
	struct ht_sampler *g = sampler(t);
	if (ht_countdown(t) > 0)
		return;
	int saved = errno;
	uint8_t was_busy = t->busy;
	t->busy = 1;
	ht_countdown_set(t, draw(g));
	record_alloc(here(g), p, u);
	t->busy = was_busy;
	errno = saved;
}

/*
 * A realloc keeps the law "a block of s bytes is sampled with p(s)": a grown
 * block that was sampled stays sampled; one that wasn't is sampled when the
 * countdown runs out within the bytes it grew (memoryless); a shrunk sampled
 * block stays sampled with probability p(new)/p(old).  The new block belongs
 * to the realloc's call site.
 */
void ht_sample_realloc(struct ht_thread *t, int had, size_t old_u, void *q, size_t new_u,
		       size_t moved)
{
	if (!ht_rt.sites)
		return;
	struct ht_sampler *g = sampler(t);
	int take_new = 0, take_move = 0;

	if (had) {
		take_new = new_u >= old_u || next_unit(g) * sample_prob(old_u) <= sample_prob(new_u);
	} else if (new_u > old_u) {
		/* the caller took the growth off the countdown */
		take_new = ht_countdown(t) <= 0;
		if (take_new)
			ht_countdown_set(t, draw(g));
	}
	if (moved) {
		g->move_left -= (int64_t)moved;
		take_move = g->move_left <= 0;
		if (take_move)
			g->move_left = draw(g);
	}
	if (!take_new && !take_move)
		return;

	int saved = errno;
	uint8_t was_busy = t->busy;
	t->busy = 1;
	int64_t site = here(g);
	if (take_new)
		record_alloc(site, q, new_u);
	if (take_move) {
		uint64_t count, bytes;
		ht_sample_weigh(moved, &count, &bytes);
		if (site >= 0)
			ht_sites_move((uint32_t)site, count, bytes); /* counts the sample */
		else
			ht_sites_count_sample(1);
	}
	t->busy = was_busy;
	errno = saved;
}

void ht_sample_prepare(void)
{
	if (!ht_rt.cfg.sample_rate)
		return;
	ht_modules_prepare();
	(void)ht_stack_prepare(); /* no cache: libunwind does every walk */
	if (ht_sites_prepare() != 0) {
		ht_say_once(HT_SAY_NO_SAMPLING, "cannot map the live-sample table; ",
			    "call sites are not sampled", NULL);
		ht_rt.cfg.sample_rate = 0;
	}
}
