/*
 * lib/stacks.c - capturing the stack of a sampled allocation with
 * libunwind's unw_backtrace, bounded to HEAPTOP_MAX_FRAMES frames.
 *
 * Frames are raw return addresses (symbolizers subtract 1, see
 * include/heaptop/segment.h); the leading frames inside libheaptop itself
 * are dropped, so frame 0 is the caller of the malloc family.  Code without
 * unwind tables and very deep stacks give a truncated stack: libunwind stops
 * where it can't go on, and we never ask for more than fits.  Callers hold
 * no heaptop lock and have the thread's gate closed with t->busy set, so
 * whatever libunwind allocates on its first use is forwarded untracked.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include "internal.h"

/* Frames of our own we may see before the caller's (hooks, slow paths). */
#define SELF_FRAMES_MAX 16

/* libheaptop's own code: [self_lo, self_hi), found on the first capture. */
static uintptr_t self_lo, self_hi;
static int self_known;

static void find_self(void)
{
	uintptr_t lo, hi;

	if (ht_modules_range_of((uintptr_t)&find_self, &lo, &hi) == 0) {
		__atomic_store_n(&self_lo, lo, __ATOMIC_RELAXED);
		__atomic_store_n(&self_hi, hi, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&self_known, 1, __ATOMIC_RELEASE);
}

static int in_self(uintptr_t ip)
{
	return ip - self_lo < self_hi - self_lo;
}

unsigned ht_stack_capture(uint64_t *frames, unsigned max, int *truncated)
{
	void *ips[HT_FRAMES_MAX + SELF_FRAMES_MAX];
	unsigned want, skip = 0, n, out = 0;

	if (!__atomic_load_n(&self_known, __ATOMIC_ACQUIRE))
		find_self();
	if (max > HT_FRAMES_MAX)
		max = HT_FRAMES_MAX;
	want = max + SELF_FRAMES_MAX;
	int got = unw_backtrace(ips, (int)want);
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
	return out;
}
