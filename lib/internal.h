/*
 * lib/internal.h - what libheaptop's files share and nobody else sees:
 * the table of real allocator functions, per-thread state, the runtime
 * (segment, shards, config) and the declarations of each file's entry points.
 *
 * Everything here is hidden (the library is built with -fvisibility=hidden);
 * only the malloc family and include/heaptop.h are exported.
 */
#ifndef HEAPTOP_LIB_INTERNAL_H
#define HEAPTOP_LIB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "heaptop/segment.h"

#define HT_EXPORT __attribute__((visibility("default")))
/* Declared hidden too, so other files reach our globals without the GOT. */
#pragma GCC visibility push(hidden)
#define HT_COLD __attribute__((noinline, cold))
#define HT_INLINE static inline __attribute__((always_inline))
#define HT_LIKELY(x) __builtin_expect(!!(x), 1)
#define HT_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* Orders our bookkeeping against a signal handler on the same thread. */
#define HT_SIGNAL_FENCE() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* The next definitions of the malloc family (dlsym(RTLD_NEXT)). */
struct ht_real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*usable)(void *);
};

/*
 * The gate the hooks read on every call: the functions to forward to.  All
 * NULL until initialisation is complete (or forwarding only is decided); it
 * fills a page of its own in .bss that is MADV_WIPEONFORK, so a child made
 * by fork, _Fork or clone finds it zero and takes the slow path, which gives
 * the child its own segment before it counts anything.  A static page, not a
 * pointer to one, so each hook reaches its function with one load.
 */
union ht_gate {
	struct ht_real fn;
	char page[4096];
};
extern union ht_gate ht_gate_page;
#define ht_live (&ht_gate_page.fn)
/* The resolved functions, valid once ht_resolve() returned them; never wiped. */
extern struct ht_real ht_next;

/*
 * 1 when the allocator below us is glibc's own and reading its chunk header
 * gave malloc_usable_size()'s answer for every block of a start-up self-test
 * (init.c): then the hooks read heap-chunk sizes inline instead of calling it.
 * mmapped chunks (bit 1 of the header) always ask the real function.
 */
extern int ht_glibc_chunks;

/* The size word in front of a glibc block. */
HT_INLINE size_t ht_glibc_head(const void *p)
{
	return ((const size_t *)p)[-1];
}

/* 1 when ht_glibc_usable() may be used for block p. */
HT_INLINE int ht_glibc_inline(const void *p)
{
	return ht_glibc_chunks && !(ht_glibc_head(p) & 2);
}

/* Usable size of a live, not mmapped, glibc block from its size word:
 * chunk size minus 8. */
HT_INLINE size_t ht_chunk_usable(size_t head)
{
	return (head & ~(size_t)7) - 8;
}

/* The same read from block p. */
HT_INLINE size_t ht_glibc_usable(const void *p)
{
	return ht_chunk_usable(ht_glibc_head(p));
}

/* Usable size of live block p of the allocator below us. */
HT_INLINE size_t ht_usable(void *p)
{
	return ht_glibc_inline(p) ? ht_glibc_usable(p) : ht_next.usable(p);
}

enum ht_thread_state {
	HT_THREAD_NEW = 0, /* has no shard yet: the next call claims one */
	HT_THREAD_OWNER,   /* owns t->shard */
	HT_THREAD_SHARED,  /* no free shard, or past its exit: counts go to shard 0 */
};

/*
 * Per-thread state; initial-exec TLS, so reading it never calls malloc.
 *
 * The fast path (account.h) touches only fast, room, room_rec, room_max and
 * left.  Use and use_max (shard.c): the thread's unpublished use delta is
 * unpub = S - room (S = peak_slack); room < 0 (unpub > S) or room >
 * room_max = 2S (unpub < -S) publishes; room < room_rec means unpub rose
 * above the highest value the thread recorded, so a fall must first record
 * it (a soft peak).  Sampling
 * and the timeline clock share one countdown: left falls by the bytes each
 * allocation adds and the slow path runs when it reaches 0; the sampling
 * countdown proper is left + sample_rest (sample.c, docs/sampling.md), the
 * clock is looked at every HT_TICK_BYTES counted.
 */
struct ht_thread {
	struct heaptop_shard *fast; /* == shard while the inline (glibc) fast path may run */
	int64_t room;               /* peak_slack - unpub: growth left before a publish */
	int64_t room_rec;           /* room below this: a rise not yet recorded */
	int64_t room_max;           /* room above this: publish (2 * peak_slack) */
	int64_t left;               /* bytes left before the slow path must run */
	struct heaptop_shard *ask;  /* == shard while the asking fast path may run */
	struct heaptop_shard *shard;/* the owned shard, or NULL */
	int64_t sample_rest;        /* sampling countdown = left + sample_rest */
	int64_t armed;              /* left when last armed: armed - left bytes since */
	int64_t tick_left;          /* bytes until the next look at the clock */
	uint8_t busy;               /* inside heaptop's slow path: nested calls forward */
	uint8_t state;              /* enum ht_thread_state */
};
extern __thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

/* Bytes a thread allocates between two looks at the timeline clock. */
#define HT_TICK_BYTES ((int64_t)64 * 1024)

/* The open gate of t (the shard the fast paths count into), or NULL. */
HT_INLINE struct heaptop_shard *ht_gate(const struct ht_thread *t)
{
	return t->fast ? t->fast : t->ask;
}

/* The sampling countdown: bytes until the next sample (slow paths only). */
HT_INLINE int64_t ht_countdown(const struct ht_thread *t)
{
	return t->left + t->sample_rest;
}

/* Sets the sampling countdown to v and arms left for it and the clock (shard.c). */
void ht_countdown_set(struct ht_thread *t, int64_t v);

enum ht_run_state {
	HT_RUN_UNINIT = 0, /* nothing done yet */
	HT_RUN_RESOLVING,  /* one thread is resolving ht_next */
	HT_RUN_RESOLVED,   /* ht_next valid, segment being made */
	HT_RUN_READY,      /* tracking */
	HT_RUN_OFF,        /* forwarding only (disabled or no segment) */
};

/* Options, read once from HEAPTOP_* (config.c). */
struct ht_config {
	uint32_t shards;         /* HEAPTOP_SHARDS */
	uint32_t timeline_len;   /* HEAPTOP_TIMELINE */
	uint64_t interval_ms;    /* HEAPTOP_INTERVAL_MS */
	uint64_t peak_slack;     /* HEAPTOP_PEAK_SLACK */
	uint32_t keep;           /* HEAPTOP_KEEP, or HEAPTOP_KEEP_PID == getpid() */
	uint32_t disable;        /* HEAPTOP_DISABLE */
	uint32_t quiet;          /* HEAPTOP_QUIET */
	uint64_t sample_rate;    /* HEAPTOP_SAMPLE_RATE: mean bytes between samples, 0 off */
	uint32_t max_frames;     /* HEAPTOP_MAX_FRAMES */
	uint32_t sites;          /* HEAPTOP_SITES */
	uint32_t modules;        /* HEAPTOP_MODULES */
	uint64_t keep_pid;       /* HEAPTOP_KEEP_PID: keep if it is getpid() (0: none) */
};

/* The process's segment and where its parts are. */
struct ht_runtime {
	int state;                          /* enum ht_run_state, atomic */
	struct ht_config cfg;
	struct heaptop_seg_header *hdr;     /* mapping of the segment */
	uint64_t seg_size;
	char *shards;                       /* hdr + shards_off */
	struct heaptop_timeline_entry *timeline;
	char *sites;                        /* hdr + sites_off, or NULL (no sampling) */
	char *modules;                      /* hdr + modules_off, or NULL */
	char *pending;                      /* hdr + pending_off, or NULL (no sampling) */
	char name[48];                      /* "/heaptop.<pid>.<gen>" */
	pid_t pid;                          /* the pid the segment belongs to */
};
extern struct ht_runtime ht_rt;

/* The thread's use delta not yet added to header.use_published. */
HT_INLINE int64_t ht_unpub(const struct ht_thread *t)
{
	return (int64_t)ht_rt.cfg.peak_slack - t->room;
}

HT_INLINE struct heaptop_shard *ht_shard_at(uint32_t i)
{
	return (struct heaptop_shard *)(ht_rt.shards + (size_t)i * ht_rt.hdr->shard_size);
}

/* pool.c - the bootstrap allocator used before the real functions are known. */
extern char ht_pool[];
#define HT_POOL_SIZE (64u * 1024u)
HT_INLINE int ht_pool_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)ht_pool < HT_POOL_SIZE;
}
/* Returns zeroed, align-aligned memory from the pool, or NULL (ENOMEM) when full. */
void *ht_pool_alloc(size_t n, size_t align);
/* The size a pool block was allocated with. */
size_t ht_pool_size(const void *p);

/* init.c - lazy initialisation, fork children, exit. */
/* Makes sure the real functions are resolved; returns the table, or NULL when
 * the caller must serve itself from the pool. */
const struct ht_real *ht_resolve(void);
/* Called when ht_live has no function: initialise, or adopt a fork child.
 * Returns the table to forward to, or NULL for the pool. */
const struct ht_real *ht_cold_path(void);

/* config.c */
/* Reads every HEAPTOP_* option (secure_getenv) into *cfg, defaults first. */
void ht_config_read(struct ht_config *cfg);

/* segment.c */
/* Creates and maps this image's segment into ht_rt; 0 or -errno (one line said). */
int ht_segment_create(void);
/* Marks the segment exited (or exec'd) and removes its name unless kept. */
void ht_segment_finish(uint32_t state);

/* shard.c - ownership of shards and the published use / use_max. */
/* Slow-path accounting for a new block p of req bytes (p may be NULL); returns p. */
void *ht_alloc_slow(struct ht_thread *t, void *p, size_t req);
/* Ends a fast-path allocation (u usable bytes) that must publish, tick or
 * sample; returns p. */
void *ht_alloc_finish(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u);
/* Slow-path accounting for a free of p (not NULL, not a pool block), then fn(p). */
void ht_free_slow(struct ht_thread *t, void *p, void (*fn)(void *));
/* Ends a fast-path free that must publish or may free a live sample, then fn(p). */
void ht_free_finish(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u,
		    void (*fn)(void *));
/* A fast-path free of u usable bytes that comes after an unrecorded rise of
 * use: records it, counts the free, then fn(p). */
void ht_free_rise(struct ht_thread *t, struct heaptop_shard *s, void *p, size_t u,
		  void (*fn)(void *));
/* Counts the free of a block of u usable bytes that is already gone. */
void ht_note_dealloc(size_t u);
/* Counts a successful realloc of the live block old (old_u usable bytes
 * before) into q for req bytes: grow / shrink / same, moved or in place;
 * had: old was a live sample (already taken out of the live map). */
void ht_note_realloc(void *old, size_t old_u, void *q, size_t req, int had);
/* Adds the thread's unpub to the published use and raises use_max; resets
 * room, room_rec and room_max. */
void ht_publish(struct ht_thread *t);
/* The same for shard 0's callers: delta goes straight to the header. */
void ht_publish_shared(int64_t delta);
/* Looks at the clock and writes a timeline point when one is due. */
void ht_tick(void);
/* Forgets the calling thread's shard (fork child), without touching the old segment. */
void ht_thread_reset(struct ht_thread *t);
/* Sets up the pthread key whose destructor hands a dying thread's shard back. */
int ht_threads_init(void);

/* timeline.c */
/* Writes a timeline point now if one is due (or always, when force). */
void ht_timeline_point(int force);
/* Monotonic nanoseconds (CLOCK_MONOTONIC_COARSE when coarse). */
uint64_t ht_now_ns(int coarse);

#include "stats_sum.h" /* ht_sum_shards, also built into the viewer */

/*
 * Sampled call sites (docs/sampling.md).  sample.c decides what is sampled
 * and with what weight, stacks.c captures stacks, sites.c keeps the site
 * table and the live sampled blocks, modules.c the module table, dl.c
 * follows dlopen/dlclose.  All of it runs off the fast path with the
 * thread's gate closed and t->busy set, so nested allocations (libunwind's)
 * are forwarded untracked; none of it holds a lock across a call out.
 */

/* One live sampled block: its site and the weights it added there. */
struct ht_live_rec {
	uint32_t site;
	uint64_t blocks, bytes;
};

/*
 * Set (sites.c) once a sampled block is live: a counting filter indexed by
 * ht_filter_slot(p), non-zero where a live sample may hash.  NULL while
 * nothing sampled is live, so frees with sampling off never read it.
 */
extern uint8_t *ht_live_filter;
#define HT_FILTER_BITS 16

HT_INLINE size_t ht_filter_slot(const void *p)
{
	return (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) >> (64 - HT_FILTER_BITS));
}

/* 1 when p may be a live sampled block (then ht_sites_live_take decides). */
HT_INLINE int ht_live_maybe(const void *p)
{
	const uint8_t *f = __atomic_load_n(&ht_live_filter, __ATOMIC_RELAXED);
	return HT_UNLIKELY(f != NULL) && __atomic_load_n(&f[ht_filter_slot(p)], __ATOMIC_RELAXED) != 0;
}

/* sample.c */
/* ht_sample_weigh below a sample rate of 2: 1/p(u) blocks, u/p(u) bytes. */
void ht_sample_weigh_maths(size_t u, uint64_t *blocks, uint64_t *bytes);

/* The weights of a sample of u usable bytes: the blocks and bytes it stands
 * for (at HEAPTOP_SAMPLE_RATE=1 exactly 1 and u, without the maths). */
HT_INLINE void ht_sample_weigh(size_t u, uint64_t *blocks, uint64_t *bytes)
{
	if (ht_rt.cfg.sample_rate == 1) {
		*blocks = 1;
		*bytes = u;
		return;
	}
	ht_sample_weigh_maths(u, blocks, bytes);
}
/* Prepares sampling for a new segment (first start or fork child): private
 * maps, per-process state; turns sampling off if they can't be made. */
void ht_sample_prepare(void);
/* Enters a section that may take libunwind's, the loader's or the unwind
 * cache's locks: 0, or -1 when none may be taken (a fork is under way). */
int ht_walk_enter(void);
/* Leaves the section ht_walk_enter() entered. */
void ht_walk_leave(void);
/* pthread_atfork handlers: no stack walk may be under way across a fork. */
void ht_sample_fork_prepare(void);
void ht_sample_fork_parent(void);
void ht_sample_fork_child(void);
/* The countdown of t reached 0 at block p of u usable bytes: sample it or re-arm. */
void ht_sample_alloc(struct ht_thread *t, void *p, size_t u);
/* Sampling side of a successful realloc (see ht_note_realloc, which took a
 * growth of a block that wasn't a live sample off the countdown already);
 * moved = bytes copied, 0 when in place. */
void ht_sample_realloc(struct ht_thread *t, int had, size_t old_u, void *q, size_t new_u,
		       size_t moved);

/* stacks.c */
#define HT_FRAMES_MAX 64
/* Captures the calling thread's stack below libheaptop into frames[max]
 * (raw return addresses); returns the count (-1: none, a fork is under
 * way), *truncated set when cut, *same set when the frames are those of the
 * thread's previous capture. */
int ht_stack_capture(uint64_t *frames, unsigned max, int *truncated, int *same);
/* Maps the unwind-rule cache (once; a fork child keeps it); 0 or -errno
 * (then every capture uses libunwind). */
int ht_stack_prepare(void);
/* An object was unloaded: forgets every cached unwind rule. */
void ht_stack_forget(void);

/* sites.c */
/* Prepares the private live map (once) and forgets every live sample; 0 or -errno. */
int ht_sites_prepare(void);
/* Finds or adds the site of a stack; returns its index, or -1 (dropped,
 * counted); *added set when the site is new. */
int64_t ht_sites_find(const uint64_t *frames, unsigned n, int truncated, int *added);
/* Counts an allocation sample of weights r at site r->site (in the totals
 * too) and follows live block p. */
void ht_sites_alloc(const void *p, const struct ht_live_rec *r);
/* Counts one sample taken without a site (move: a realloc-move sample). */
void ht_sites_count_sample(int move);
/* Counts a realloc-move sample of weights (count, bytes) at site (in the totals too). */
void ht_sites_move(uint32_t site, uint64_t count, uint64_t bytes);
/* Takes p (u usable bytes) out of the live samples if it is one (its
 * site's live goes down); returns 1 and fills *out (may be NULL) when it was. */
int ht_sites_live_take(const void *p, size_t u, struct ht_live_rec *out);
/* Puts a record taken by ht_sites_live_take back (a failed realloc). */
void ht_sites_live_put(const void *p, const struct ht_live_rec *r);
/* use_max rose to max: copies every site's live estimate to its peak fields
 * when max grew enough since the last copy and nobody else is copying. */
void ht_sites_peak_maybe(uint64_t max);

/* modules.c */
/* Forgets earlier scans (the table of a new segment starts empty). */
void ht_modules_prepare(void);
/* Records every loaded object, marks recorded ones that are gone unloaded. */
void ht_modules_scan(void);
/* Rescans when the loader's load/unload counts changed since the last scan. */
void ht_modules_refresh(void);
/* The runtime range [lo, hi) of the PT_LOAD segments of the object holding
 * addr; 0, or -1 when no object holds it. */
int ht_modules_range_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi);

/* loader.c - the loader's write lock across fork. */
/* Finds the lock dl_iterate_phdr holds (once: returns at once when found
 * or after a few tries); call in a walk section. */
void ht_loader_find(void);
/* Fork prepare handler: notes whether other threads may exist. */
void ht_loader_fork_prepare(void);
/* In a fork child: 1 when the lock is held by a thread of the parent (or
 * may be: not found and the parent had threads), so dl_iterate_phdr would
 * wait forever. */
int ht_loader_fork_child_stuck(void);

/* diag.c - diagnostics that never allocate. */
/* Writes "heaptop: " + the NULL-terminated strings + "\n" to stderr, once per key. */
void ht_say_once(unsigned key, const char *first, ...) __attribute__((sentinel));
/* Formats v in decimal into buf (>= 21 bytes); returns buf. */
char *ht_utoa(uint64_t v, char *buf);

enum ht_say_key {
	HT_SAY_NO_SEGMENT,
	HT_SAY_NO_USABLE,
	HT_SAY_FORK_SEGMENT,
	HT_SAY_POOL_FULL,
	HT_SAY_NO_SAMPLING,
	HT_SAY_FORK_NO_STACKS,
	HT_SAY_KEYS
};

#pragma GCC visibility pop

#endif
