/*
 * lib/shard.c - who writes which shard, and everything off the fast path
 * that counts: claiming a shard for a new thread, handing it back when the
 * thread exits, the shared overflow shard, untracked (nested) calls, realloc
 * classification, and publishing use deltas for use_max.
 *
 * use_max.  Each thread keeps the use delta it has not yet published (unpub)
 * and publishes it (one atomic add to header.use_published, then raising
 * header.use_max) when unpub rises above peak_slack or falls below
 * -peak_slack.  Between publishes a thread remembers rec, the highest unpub
 * it has recorded (after a publish: headroom = min(use_max -
 * use_published, peak_slack)).  A fall of use (free, shrink) that comes
 * while unpub > rec first records the high it ends, use_published + unpub,
 * in the shard's peak_use (a "soft peak") and sets rec = unpub; a publish
 * folds peak_use into header.use_max.  Readers take the max of
 * header.use_max, use_curr and every shard's peak_use.  With one thread
 * every high is either the current use or was followed by a fall that
 * recorded it or by a publish: use_max is exact, and an allocation pays
 * nothing for it while use only grows (perl building a hash).  With N
 * threads |use_max - true peak| <= N * peak_slack (docs/counters.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "account.h"

__thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

static pthread_key_t ht_exit_key;

/* Where a slow-path update goes. */
struct ht_sink {
	struct heaptop_shard *s;
	int shared; /* shard 0: atomic adds, publish straight to the header */
};

static void sink_add(const struct ht_sink *k, uint64_t *c, uint64_t v)
{
	if (k->shared)
		ht_shared_add(c, v);
	else
		ht_own_add(c, v);
}

/*
 * Use is about to fall while unpub is above the highest value the thread
 * recorded (gate closed): records published use + unpub, the high this fall
 * ends, as a candidate in the thread's own shard (readers merge peak_use,
 * segment.h step 4).  Single-threaded that is the exact use of the moment.
 */
static void soft_peak(struct ht_thread *t, struct heaptop_shard *s)
{
	int64_t v = __atomic_load_n(&ht_rt.hdr->use_published, __ATOMIC_RELAXED) + ht_unpub(t);
	int64_t old = (int64_t)__atomic_load_n(&s->peak_use, __ATOMIC_RELAXED);

	__atomic_store_n(&s->peak_use, (uint64_t)(v > old ? v : old), __ATOMIC_RELAXED);
	t->room_rec = t->room;
}

/* Publishes when unpub left [-peak_slack, peak_slack] (gate closed). */
static void use_settle(struct ht_thread *t)
{
	if (t->room < 0 || t->room > t->room_max)
		ht_publish(t);
}

/* Feeds a change of bytes in use to use_max (the counters carry the bytes). */
static void sink_use(struct ht_thread *t, const struct ht_sink *k, int64_t v)
{
	if (k->shared) {
		ht_publish_shared(v);
		return;
	}
	if (v < 0 && t->room < t->room_rec)
		soft_peak(t, k->s);
	t->room -= v;
	use_settle(t);
}

/* Charges the bytes counted since the last arming to the clock's budget. */
static void countdown_charge(struct ht_thread *t)
{
	t->tick_left -= t->armed - t->left;
	t->armed = t->left;
}

void ht_countdown_set(struct ht_thread *t, int64_t v)
{
	countdown_charge(t);
	int64_t l = v < t->tick_left ? v : t->tick_left;
	if (l < 0)
		l = 0; /* overdue: the next allocation comes back here */
	t->armed = l;
	t->left = l;
	t->sample_rest = v - l;
}

/* left ran out: looks at the clock when its bytes are counted, re-arms. */
static void countdown_run(struct ht_thread *t)
{
	int64_t v = ht_countdown(t);

	countdown_charge(t);
	if (t->tick_left <= 0) {
		t->tick_left = HT_TICK_BYTES;
		ht_tick();
	}
	ht_countdown_set(t, v);
}

/* The same at an allocation of block p (u usable bytes), which may be sampled. */
static void countdown_due(struct ht_thread *t, void *p, size_t u)
{
	countdown_run(t);
	if (ht_countdown(t) <= 0)
		ht_sample_alloc(t, p, u);
}

static void atomic_max_u64(uint64_t *m, uint64_t v, int stamp)
{
	uint64_t cur = __atomic_load_n(m, __ATOMIC_RELAXED);
	while (v > cur) {
		if (__atomic_compare_exchange_n(m, &cur, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			if (stamp) {
				uint64_t at = ht_now_ns(1) - ht_rt.hdr->start_mono_ns;
				/* The coarse clock may read just behind start_mono_ns. */
				__atomic_store_n(&ht_rt.hdr->use_max_mono_ns, at > INT64_MAX ? 0 : at,
						 __ATOMIC_RELAXED);
				ht_sites_peak_maybe(v);
			}
			return;
		}
	}
}

/* Adds delta to the published use and raises use_max to it or to peak, the
 * publisher's last soft peak (0: none); returns the new published use. */
static int64_t publish_delta(int64_t delta, uint64_t peak)
{
	int64_t now = __atomic_add_fetch(&ht_rt.hdr->use_published, delta, __ATOMIC_RELAXED);
	uint64_t top = now > 0 ? (uint64_t)now : 0;
	if (peak > top)
		top = peak;
	if (top)
		atomic_max_u64(&ht_rt.hdr->use_max, top, 1);
	return now;
}

void ht_publish(struct ht_thread *t)
{
	uint64_t peak = t->shard ? __atomic_load_n(&t->shard->peak_use, __ATOMIC_RELAXED) : 0;
	int64_t now = publish_delta(ht_unpub(t), peak);
	int64_t max = (int64_t)__atomic_load_n(&ht_rt.hdr->use_max, __ATOMIC_RELAXED);
	int64_t room = max - now; /* headroom */

	if (room < 0)
		room = 0;
	if (room > (int64_t)ht_rt.cfg.peak_slack)
		room = (int64_t)ht_rt.cfg.peak_slack;
	t->room = (int64_t)ht_rt.cfg.peak_slack; /* unpub = 0 */
	t->room_rec = t->room - room;             /* rec = headroom */
	t->room_max = 2 * t->room;
}

void ht_publish_shared(int64_t delta)
{
	publish_delta(delta, 0);
}

void ht_tick(void)
{
	ht_timeline_point(0);
}

static uint32_t self_tid(void)
{
	return (uint32_t)gettid();
}

/* Hands the calling thread's shard back: its counts stay in the shard. */
static void release_shard(struct ht_thread *t)
{
	struct heaptop_shard *s = t->shard;

	if (!s)
		return;
	ht_gate_close(t);
	if (ht_unpub(t))
		ht_publish(t);
	t->shard = NULL;
	t->state = HT_THREAD_SHARED;
	__atomic_store_n(&s->owner_tid, 0, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&ht_rt.hdr->threads_active, 1, __ATOMIC_RELAXED);
}

/* pthread key destructor: runs at thread exit.  Calls after it go to shard 0. */
static void thread_exit(void *arg)
{
	(void)arg;
	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) == HT_RUN_READY)
		release_shard(&ht_self);
	else
		ht_self.state = HT_THREAD_SHARED;
}

int ht_threads_init(void)
{
	return pthread_key_create(&ht_exit_key, thread_exit) ? -EAGAIN : 0;
}

void ht_thread_reset(struct ht_thread *t)
{
	ht_gate_close(t);
	t->shard = NULL;
	t->room = t->room_rec = t->room_max = 0;
	t->left = t->sample_rest = t->armed = t->tick_left = 0;
	t->state = HT_THREAD_NEW;
}

/* Shards a thread that found none free checks for a dead owner. */
#define REAP_PROBES 8

/* 1 when tid is no longer a thread of this process (it took a shard too
 * late in its exit for our key destructor to run); keeps errno. */
static int owner_gone(uint32_t tid)
{
	int saved = errno;
	int gone = syscall(SYS_tgkill, (pid_t)ht_rt.pid, (pid_t)tid, 0) != 0 && errno == ESRCH;
	errno = saved;
	return gone;
}

/* Makes the calling thread the owner of shard idx (owner_tid already ours). */
static void own_shard(struct ht_thread *t, struct heaptop_shard *s, uint32_t idx)
{
	struct heaptop_seg_header *h = ht_rt.hdr;

	__atomic_store_n(&s->owners_total, s->owners_total + 1, __ATOMIC_RELAXED);
	uint32_t used = __atomic_load_n(&h->shards_used, __ATOMIC_RELAXED);
	while (used < idx + 1 &&
	       !__atomic_compare_exchange_n(&h->shards_used, &used, idx + 1, 1, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
	uint32_t active = __atomic_add_fetch(&h->threads_active, 1, __ATOMIC_RELAXED);
	uint32_t most = __atomic_load_n(&h->threads_max, __ATOMIC_RELAXED);
	while (active > most &&
	       !__atomic_compare_exchange_n(&h->threads_max, &most, active, 1, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	__atomic_add_fetch(&h->threads_total, 1, __ATOMIC_RELAXED);
	t->shard = s;
	t->room = (int64_t)ht_rt.cfg.peak_slack; /* unpub = 0 */
	t->room_rec = t->room;                    /* rec = 0 */
	t->room_max = 2 * t->room;
	t->state = HT_THREAD_OWNER;
}

/*
 * Finds a free shard for the calling thread (t->busy is set).  When none is
 * free, a few are checked for an owner that died without handing its shard
 * back (its first allocation came after the last round of key destructors,
 * so ours never ran): such a shard is taken over, its counts kept.  A tid
 * reused by a live thread of ours is left alone, which is only conservative.
 */
static void claim_shard(struct ht_thread *t)
{
	struct heaptop_seg_header *h = ht_rt.hdr;
	uint32_t n = h->shard_count, tid = self_tid();
	static uint32_t hint;
	uint32_t start = __atomic_fetch_add(&hint, 1, __ATOMIC_RELAXED);

	t->state = HT_THREAD_SHARED;
	/* Register first: without the destructor a thread could keep its shard forever. */
	if (pthread_setspecific(ht_exit_key, (void *)1) != 0)
		return;
	for (uint32_t i = 0; i + 1 < n; i++) {
		uint32_t idx = 1 + (start + i) % (n - 1);
		struct heaptop_shard *s = ht_shard_at(idx);
		uint32_t zero = 0;

		if (__atomic_load_n(&s->owner_tid, __ATOMIC_RELAXED) != 0)
			continue;
		if (!__atomic_compare_exchange_n(&s->owner_tid, &zero, tid, 0, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		own_shard(t, s, idx);
		return;
	}
	for (uint32_t i = 0; i < REAP_PROBES && i + 1 < n; i++) {
		uint32_t idx = 1 + (start + i) % (n - 1);
		struct heaptop_shard *s = ht_shard_at(idx);
		uint32_t old = __atomic_load_n(&s->owner_tid, __ATOMIC_RELAXED);

		if (old == 0 || old == tid || !owner_gone(old) ||
		    !__atomic_compare_exchange_n(&s->owner_tid, &old, tid, 0, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		__atomic_sub_fetch(&h->threads_active, 1, __ATOMIC_RELAXED); /* the dead owner */
		own_shard(t, s, idx);
		return;
	}
	__atomic_add_fetch(&h->shard_misses, 1, __ATOMIC_RELAXED);
}

/*
 * Decides where a slow-path update goes.  Returns 1 with *k set for a
 * tracked update, 0 for an untracked one (nested inside heaptop) into
 * shard 0, -1 when nothing is counted (not tracking).
 */
static int pick_sink(struct ht_thread *t, struct ht_sink *k)
{
	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RUN_READY || !ht_live->malloc)
		return -1;
	k->s = ht_shard_at(0);
	k->shared = 1;
	if (t->busy || (t->shard && !ht_gate(t)))
		return 0;
	if (t->state == HT_THREAD_NEW) {
		t->busy = 1;
		claim_shard(t);
		t->busy = 0;
	}
	if (t->state == HT_THREAD_OWNER) {
		k->s = t->shard;
		k->shared = 0;
		ht_gate_close(t);
	}
	return 1;
}

static void sink_done(struct ht_thread *t, const struct ht_sink *k)
{
	if (k->shared)
		return;
	ht_gate_open(t, k->s);
}

void *ht_count_alloc(void *p, size_t req)
{
	return ht_count_alloc_inline(p, req);
}

void *ht_count_alloc_other(void *p, size_t req)
{
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = ht_gate(t);

	if (HT_UNLIKELY(!s || !p))
		return ht_alloc_slow(t, p, req);
	return ht_own_alloc(t, s, p, req, ht_usable(p));
}

void ht_count_free_other(void *p, void (*fn)(void *))
{
	if (ht_pool_owns(p))
		return; /* its header says "mmapped", so the fast path sent it here */
	struct ht_thread *t = &ht_self;
	struct heaptop_shard *s = ht_gate(t);

	if (HT_UNLIKELY(!s))
		return ht_free_slow(t, p, fn);
	ht_own_free(t, s, p, ht_usable(p), fn);
}

void *ht_count_realloc_slow(void *q, void *old, size_t old_u, size_t req)
{
	if (!q)
		return ht_count_alloc(NULL, req);
	ht_note_realloc(old, old_u, q, req, 0);
	return q;
}

void *ht_realloc_finish(struct ht_thread *t, struct heaptop_shard *s, void *q)
{
	ht_gate_close(t);
	use_settle(t);
	ht_gate_open(t, s);
	return q;
}

void *ht_alloc_finish(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u)
{
	ht_gate_close(t);
	use_settle(t);
	if (t->left <= 0)
		countdown_due(t, p, u);
	ht_gate_open(t, s);
	return p;
}

void ht_free_finish(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u,
		    void (*fn)(void *))
{
	ht_gate_close(t);
	use_settle(t);
	if (ht_live_maybe(p))
		ht_sites_live_take(p, u, NULL);
	ht_gate_open(t, s);
	fn(p);
}

void ht_free_rise(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u,
		  void (*fn)(void *))
{
	ht_gate_close(t);
	soft_peak(t, s);
	ht_own_add(&s->dealloc_count, 1);
	ht_own_add(&s->dealloc_bytes, u);
	t->room += (int64_t)u;
	use_settle(t);
	if (ht_live_maybe(p))
		ht_sites_live_take(p, u, NULL);
	ht_gate_open(t, s);
	fn(p);
}

void *ht_alloc_slow(struct ht_thread *t, void *p, size_t req)
{
	struct ht_sink k;
	int how = pick_sink(t, &k);

	if (how < 0)
		return p;
	if (!p) {
		sink_add(&k, &k.s->alloc_fail_count, 1);
	} else if (how == 0) {
		size_t u = ht_usable(p);
		ht_shared_add(&k.s->untracked_count, 1);
		ht_shared_add(&k.s->untracked_bytes, u);
		return p;
	} else {
		size_t u = ht_usable(p);
		sink_add(&k, &k.s->alloc_count, 1);
		sink_add(&k, &k.s->alloc_bytes, u);
		sink_add(&k, &k.s->alloc_req_bytes, req);
		sink_add(&k, &k.s->hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(req)], 1);
		sink_use(t, &k, (int64_t)u);
		t->left -= (int64_t)u;
		if (t->left <= 0)
			countdown_due(t, p, u);
	}
	sink_done(t, &k);
	return p;
}

static void count_dealloc(struct ht_thread *t, struct ht_sink *k, int how, size_t u)
{
	if (how == 0) {
		ht_shared_add(&k->s->untracked_free_count, 1);
		ht_shared_add(&k->s->untracked_free_bytes, u);
		return;
	}
	sink_add(k, &k->s->dealloc_count, 1);
	sink_add(k, &k->s->dealloc_bytes, u);
	sink_use(t, k, -(int64_t)u);
	sink_done(t, k);
}

void ht_free_slow(struct ht_thread *t, void *p, void (*fn)(void *))
{
	struct ht_sink k;
	int how = pick_sink(t, &k);

	if (how >= 0) {
		size_t u = ht_usable(p);
		count_dealloc(t, &k, how, u);
		if (how > 0 && ht_live_maybe(p))
			ht_sites_live_take(p, u, NULL);
	}
	fn(p);
}

void ht_note_dealloc(size_t u)
{
	struct ht_thread *t = &ht_self;
	struct ht_sink k;
	int how = pick_sink(t, &k);

	if (how >= 0)
		count_dealloc(t, &k, how, u);
}

void ht_note_realloc(void *old, size_t old_u, void *q, size_t req, int had)
{
	struct ht_thread *t = &ht_self;
	struct ht_sink k;
	int how = pick_sink(t, &k);

	(void)req;
	if (how < 0)
		return;
	size_t new_u = ht_usable(q);
	if (how == 0) {
		ht_shared_add(&k.s->untracked_free_count, 1);
		ht_shared_add(&k.s->untracked_free_bytes, old_u);
		ht_shared_add(&k.s->untracked_count, 1);
		ht_shared_add(&k.s->untracked_bytes, new_u);
		return;
	}
	if (new_u > old_u) {
		sink_add(&k, &k.s->realloc_growth_count, 1);
		sink_add(&k, &k.s->realloc_growth_bytes, new_u - old_u);
		sink_add(&k, &k.s->hist[HEAPTOP_HIST_GROWTH][heaptop_hist_bucket(new_u - old_u)], 1);
	} else if (new_u < old_u) {
		sink_add(&k, &k.s->realloc_shrink_count, 1);
		sink_add(&k, &k.s->realloc_shrink_bytes, old_u - new_u);
		sink_add(&k, &k.s->hist[HEAPTOP_HIST_SHRINK][heaptop_hist_bucket(old_u - new_u)], 1);
	} else {
		sink_add(&k, &k.s->realloc_same_count, 1);
	}
	if (q != old) {
		size_t copied = old_u < req ? old_u : req;
		sink_add(&k, &k.s->realloc_move_count, 1);
		sink_add(&k, &k.s->realloc_move_bytes, copied);
		sink_add(&k, &k.s->hist[HEAPTOP_HIST_MOVE][heaptop_hist_bucket(copied)], 1);
	}
	if (new_u != old_u)
		sink_use(t, &k, (int64_t)new_u - (int64_t)old_u);
	if (new_u > old_u && !had)
		t->left -= (int64_t)(new_u - old_u); /* the growth counts toward a sample */
	if (ht_rt.cfg.sample_rate)
		ht_sample_realloc(t, had, old_u, q, new_u, q != old ? (old_u < req ? old_u : req) : 0);
	if (t->left <= 0)
		countdown_run(t);
	sink_done(t, &k);
}
