/*
 * lib/timeline.c - the timeline ring: a point (time, use_curr, use_max,
 * alloc_count, dealloc_count) at most every interval, written by whichever
 * thread finds one due, so a viewer that attaches late still sees the past.
 * Entries are guarded by a sequence number (see the reader protocol in
 * include/heaptop/segment.h); the writer never waits for anybody.
 *
 * An entry's use_max is the running maximum of what the writers saw, so the
 * ring never goes down: with several threads, a sum of shards read while
 * they move can see a block freed in one shard and its successor allocated
 * in another both live (docs/counters.md), and a later point must not then
 * show a lower peak.  (Two writers at the same instant, a forced point at
 * exit beside a periodic one, can still land in either order.)
 */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>
#include "internal.h"
#include "heaptop.h"

uint64_t ht_now_ns(int coarse)
{
	struct timespec ts;
	clock_gettime(coarse ? CLOCK_MONOTONIC_COARSE : CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The highest use_max written by this process (a fork child starts over). */
static uint64_t written_max;
static pid_t written_pid;

/* Raises the running maximum to v; returns it. */
static uint64_t running_max(uint64_t v)
{
	if (__atomic_load_n(&written_pid, __ATOMIC_RELAXED) != ht_rt.pid) {
		__atomic_store_n(&written_max, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&written_pid, ht_rt.pid, __ATOMIC_RELAXED);
	}
	uint64_t cur = __atomic_load_n(&written_max, __ATOMIC_RELAXED);
	while (v > cur && !__atomic_compare_exchange_n(&written_max, &cur, v, 1, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
	return v > cur ? v : cur;
}

void ht_timeline_point(int force)
{
	struct heaptop_seg_header *h = ht_rt.hdr;
	uint64_t now = ht_now_ns(!force) - h->start_mono_ns;
	uint64_t due = __atomic_load_n(&h->timeline_next_ns, __ATOMIC_RELAXED);

	if (now > (uint64_t)INT64_MAX) /* coarse clock read just behind start */
		now = 0;
	if (!force && now < due)
		return;
	if (!__atomic_compare_exchange_n(&h->timeline_next_ns, &due, now + h->timeline_interval_ns,
					 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED) && !force)
		return; /* another thread writes this one */

	struct heaptop_stats st;
	uint32_t used = __atomic_load_n(&h->shards_used, __ATOMIC_ACQUIRE);
	ht_sum_shards(ht_rt.shards, used, h->shard_size, &st);
	uint64_t max = __atomic_load_n(&h->use_max, __ATOMIC_RELAXED);
	max = running_max(max > st.use_max ? max : st.use_max);

	uint64_t i = __atomic_fetch_add(&h->timeline_head, 1, __ATOMIC_RELAXED);
	struct heaptop_timeline_entry *e = &ht_rt.timeline[i % h->timeline_len];
	__atomic_store_n(&e->seq, 2 * i + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->t_ns, now, __ATOMIC_RELAXED);
	__atomic_store_n(&e->use_curr, st.use_curr, __ATOMIC_RELAXED);
	__atomic_store_n(&e->use_max, max, __ATOMIC_RELAXED);
	__atomic_store_n(&e->alloc_count, st.alloc_count, __ATOMIC_RELAXED);
	__atomic_store_n(&e->dealloc_count, st.dealloc_count, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, 2 * i + 2, __ATOMIC_RELEASE);
}
