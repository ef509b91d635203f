/*
 * lib/stacks.c - capturing the stack of a sampled allocation, bounded to
 * HEAPTOP_MAX_FRAMES frames.
 *
 * Frames are raw return addresses (symbolizers subtract 1, see
 * include/heaptop/segment.h); the leading frames inside libheaptop itself
 * are dropped, so frame 0 is the caller of the malloc family.  Code without
 * unwind tables and very deep stacks give a truncated stack: the unwinder
 * stops where it can't go on, and we never ask for more than fits.  Callers
 * hold no heaptop lock and have the thread's gate closed with t->busy set,
 * so whatever libunwind allocates on its first use is forwarded untracked.
 *
 * Two unwinders.  On x86-64 a walk first tries our own: each return
 * address maps to a "rule" (where the caller's CFA, return address and
 * %rbp are) computed once from the object's DWARF call-frame information
 * (.eh_frame_hdr, .eh_frame) and kept in a process-wide cache, both in
 * lib/cfi.c, so a walk costs a hash probe and two loads per frame; this
 * file walks with those rules, keeping per thread a memo of the previous
 * walk and the rules it used last, which spare most probes.  Anything the
 * rule format can't say (signal frames, CFA expressions, code without
 * unwind tables, a CFA that doesn't move up the stack) makes the whole walk
 * fall back to libunwind's unw_backtrace, which is also the only unwinder
 * elsewhere.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <string.h>
#include "internal.h"
#include "cfi.h"

/* Frames of our own we may see before the caller's (hooks, slow paths). */
#define SELF_FRAMES_MAX 16

/* libheaptop's own code: [self_lo, self_hi), found on the first capture. */
static uintptr_t self_lo, self_hi;
static int self_known;

/* 0, or -1 when the loader may not be asked now (a fork is under way). */
static int find_self(void)
{
	uintptr_t lo, hi;

	if (__atomic_load_n(&self_known, __ATOMIC_ACQUIRE))
		return 0;
	if (ht_walk_enter() != 0)
		return -1;
	int found = ht_modules_range_of((uintptr_t)&find_self, &lo, &hi);
	ht_walk_leave();
	if (found == 0) {
		__atomic_store_n(&self_lo, lo, __ATOMIC_RELAXED);
		__atomic_store_n(&self_hi, hi, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&self_known, 1, __ATOMIC_RELEASE);
	return 0;
}

static int in_self(uintptr_t ip)
{
	uintptr_t lo = __atomic_load_n(&self_lo, __ATOMIC_RELAXED);
	return ip - lo < __atomic_load_n(&self_hi, __ATOMIC_RELAXED) - lo;
}

/* libunwind: the walk of record, and the fallback of the fast one. */
static int capture_libunwind(uint64_t *frames, unsigned max, int *truncated)
{
	void *ips[HT_FRAMES_MAX + SELF_FRAMES_MAX];
	unsigned want = max + SELF_FRAMES_MAX, skip = 0, n, out = 0;

	if (ht_walk_enter() != 0)
		return -1;
	int got = unw_backtrace(ips, (int)want);
	ht_walk_leave();

	n = got > 0 ? (unsigned)got : 0;
	while (n > 0 && ips[n - 1] == NULL) /* some versions append zero frames */
		n--;
	while (skip < n && in_self((uintptr_t)ips[skip]))
		skip++;
	for (unsigned i = skip; i < n && out < max; i++)
		frames[out++] = (uint64_t)(uintptr_t)ips[i];
	/* A full buffer means the stack may go on; fewer than asked after our
	 * frames means it was cut by max. */
	*truncated = n == want || n - skip > out;
	return (int)out;
}

#if defined(__x86_64__)

/*
 * The calling thread's previous walk: the code address looked up at each
 * step and its rule.  A walk first replays it: while the stack holds the
 * same return addresses, %rsp-based steps need neither a lookup nor a
 * decision.  Past that, steps still take their rules from here when the
 * address matches, else from the rules this thread used last, kept by
 * address in a small direct-mapped cache in front of cfi.c's shared one
 * (no sequence lock, no shared line): where stacks differ between samples
 * (an interpreter's), most frames are still ones the thread saw recently.
 * A walk that met exactly the same addresses to its end produced the same
 * frames, which lets the caller skip the site lookup.  Walks don't nest
 * on a thread (t->busy).
 */
#define MEMO_STEPS 24
#define NEAR_BITS 7
#define NEAR_SLOTS (1u << NEAR_BITS)

struct near_slot {
	uint64_t key; /* 0: empty */
	uint64_t rule;
};

struct walk_memo {
	uint64_t key[MEMO_STEPS];
	uint64_t rule[MEMO_STEPS];
	uint32_t valid;  /* entries of key/rule that hold */
	uint32_t fast;   /* leading entries with %rsp-based step rules */
	uint32_t self;   /* frames of ours the walk that made them skipped */
	uint32_t steps;  /* steps of the previous walk, 0: it doesn't count */
	uint32_t epoch;  /* ht_cfi_epoch() the entries belong to */
	struct near_slot near[NEAR_SLOTS];
};
static __thread struct walk_memo memo __attribute__((tls_model("initial-exec")));

/* The rule at key: from the thread's near slot, else from cfi.c (and kept). */
HT_INLINE uint64_t near_rule(struct walk_memo *m, struct rule_slot *tab, uintptr_t key)
{
	struct near_slot *e = &m->near[((uint64_t)key * 0x9e3779b97f4a7c15ull) >> (64 - NEAR_BITS)];

	if (HT_LIKELY(e->key == key))
		return e->rule;
	uint64_t r = ht_cfi_rule(tab, key);
	if ((r & RULE_KIND) != RULE_FAIL) { /* a failure may pass: ask again next time */
		e->key = key;
		e->rule = r;
	}
	return r;
}

/* The rule of the walk's step i at code address key. */
HT_INLINE uint64_t step_rule(struct walk_memo *m, struct rule_slot *tab, unsigned i, uintptr_t key,
			     unsigned *hits)
{
	if (HT_LIKELY(i < m->valid) && m->key[i] == key) {
		*hits += 1;
		return m->rule[i];
	}
	uint64_t r = near_rule(m, tab, key);
	if (i < MEMO_STEPS) {
		m->key[i] = key;
		m->rule[i] = r;
		m->valid = i + 1;
		if (m->fast > i)
			m->fast = i;
		if (m->fast == i && !(r & (RULE_KIND | RULE_CFA_RBP)))
			m->fast = i + 1;
	}
	return r;
}

/* Where a walk is: the next step's number and address, the registers, the frames so far. */
struct walk_at {
	unsigned i, out, self, hits;
	uintptr_t key, sp, bp;
};

/*
 * Replays the previous walk's leading %rsp-based steps while each return
 * address read is the one it read, recording frames past its own ones
 * (never more than max).  Leaves w at the first step it didn't take.
 */
HT_INLINE void replay(const struct walk_memo *restrict m, struct walk_at *restrict w, uint64_t *restrict frames,
		      unsigned max)
{
	unsigned lim = m->fast < m->valid ? m->fast : m->valid - 1, i = 0, out = 0;
	uintptr_t sp = w->sp, bp = w->bp;

	if (lim > m->self + max)
		lim = m->self + max;
	if (!m->valid || m->key[0] != w->key)
		return;
	for (; i < lim; i++) {
		uint64_t r = m->rule[i];
		uintptr_t cfa = sp + (uint32_t)(r >> 32);
		int16_t rbp_at = (int16_t)(uint16_t)(r >> 16);
		uintptr_t ret = *(const uintptr_t *)(cfa - 8);
		if (ret - 1 != m->key[i + 1])
			break; /* another caller: the general loop takes step i again */
		if (rbp_at)
			bp = *(const uintptr_t *)(cfa + rbp_at);
		sp = cfa;
		if (i >= m->self)
			frames[out++] = ret;
	}
	/* Steps 0..i-1 are done; step i is the general loop's. */
	w->i = i;
	w->key = m->key[i];
	w->sp = sp;
	w->bp = bp;
	w->out = out;
	w->self = i - out;
	w->hits = i;
}

/*
 * Walks up from a point (pc, sp, bp) of the calling function; returns the
 * frame count, or -1 when a rule can't take the walk on (fall back).
 * *same: the frames are those of the thread's previous walk.
 */
static __attribute__((noinline)) int walk(struct rule_slot *tab, uintptr_t pc, uintptr_t sp,
					  uintptr_t bp, uint64_t *restrict frames, unsigned max,
					  int *truncated, int *same)
{
	struct walk_memo *m = &memo;
	struct walk_at w = { 0, 0, 0, 0, pc, sp, bp };
	uintptr_t self_at = __atomic_load_n(&self_lo, __ATOMIC_RELAXED);
	uintptr_t self_len = __atomic_load_n(&self_hi, __ATOMIC_RELAXED) - self_at;
	int trunc = 0;

	if (HT_UNLIKELY(m->epoch != ht_cfi_epoch())) {
		m->valid = m->fast = m->steps = 0;
		memset(m->near, 0, sizeof m->near);
		m->epoch = ht_cfi_epoch();
	}
	replay(m, &w, frames, max);
	unsigned i = w.i, out = w.out, self = w.self, hits = w.hits;
	uintptr_t key = w.key;
	sp = w.sp;
	bp = w.bp;
	for (;; i++) {
		uint64_t r = step_rule(m, tab, i, key, &hits);
		uintptr_t cfa;
		if (HT_UNLIKELY(r & RULE_KIND)) {
			if ((r & RULE_KIND) != RULE_LAST)
				goto out_fail;
			break;
		}
		if (r & RULE_CFA_RBP) {
			cfa = bp + (uint32_t)(r >> 32);
			if (HT_UNLIKELY(cfa <= sp || cfa - sp > FRAME_MAX || (cfa & 7)))
				goto out_fail;
		} else {
			cfa = sp + (uint32_t)(r >> 32);
		}
		int16_t rbp_at = (int16_t)(uint16_t)(r >> 16);
		pc = *(const uintptr_t *)(cfa - 8);
		if (rbp_at)
			bp = *(const uintptr_t *)(cfa + rbp_at);
		sp = cfa;
		if (HT_UNLIKELY(pc == 0))
			break;
		key = pc - 1; /* a return address: look up the call */
		if (out == 0 && pc - self_at < self_len && self < SELF_FRAMES_MAX) {
			self++;
			continue;
		}
		if (out == max) {
			trunc = 1;
			break;
		}
		frames[out++] = pc;
	}
	i++; /* steps taken */
	*same = hits == i && i == m->steps;
	m->steps = i <= MEMO_STEPS ? i : 0;
	m->self = self;
	*truncated = trunc;
	return (int)out;
out_fail:
	/*
	 * Step i's entry is left out: its RULE_FAIL may pass.  The steps kept
	 * are replayed against m->self, so it must be this walk's count (a
	 * stale one, say 0 after a first walk that failed, would make the
	 * replay record our own frames as the caller's, for good).
	 */
	m->steps = 0;
	m->self = self;
	if (m->valid > i)
		m->valid = i;
	if (m->fast > i)
		m->fast = i;
	return -1;
}

void ht_stack_forget(void)
{
	ht_cfi_forget();
}

int ht_stack_prepare(void)
{
	return ht_cfi_prepare();
}

int ht_stack_capture(uint64_t *frames, unsigned max, int *truncated, int *same)
{
	struct rule_slot *tab = ht_cfi_cache();
	uintptr_t pc, sp, bp;

	if (find_self() != 0)
		return -1;
	if (max > HT_FRAMES_MAX)
		max = HT_FRAMES_MAX;
	if (HT_LIKELY(tab != NULL)) {
		/* A point of this function: its address, and %rsp / %rbp there. */
		__asm__ volatile("leaq 0(%%rip), %0\n\t"
				 "movq %%rsp, %1\n\t"
				 "movq %%rbp, %2"
				 : "=r"(pc), "=r"(sp), "=r"(bp));
		int n = walk(tab, pc, sp, bp, frames, max, truncated, same);
		if (n >= 0)
			return n;
	}
	*same = 0;
	return capture_libunwind(frames, max, truncated);
}

#else /* not x86-64: libunwind only */

void ht_stack_forget(void)
{
}

int ht_stack_prepare(void)
{
	return 0;
}

int ht_stack_capture(uint64_t *frames, unsigned max, int *truncated, int *same)
{
	*same = 0;
	if (find_self() != 0)
		return -1;
	if (max > HT_FRAMES_MAX)
		max = HT_FRAMES_MAX;
	return capture_libunwind(frames, max, truncated);
}

#endif
