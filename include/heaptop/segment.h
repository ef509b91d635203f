/*
 * heaptop/segment.h - the shared-memory segment ABI between libheaptop and
 * its readers (the heaptop viewer, scripts, other tools).
 *
 * One segment per traced process image, a POSIX shm object named
 *     /heaptop.<pid>.<n>               (i.e. /dev/shm/heaptop.<pid>.<n>)
 * created by the traced process with O_CREAT|O_EXCL, mode 0600, sized with
 * posix_fallocate().  <n> is the first free number from 0: the image after
 * an exec (same pid) takes the next one and marks its predecessor
 * HEAPTOP_STATE_EXECED; header.exec_gen counts those execs.  A reader given
 * a pid takes the RUNNING segment of that pid whose start_time_ticks matches
 * /proc/<pid>/stat, else the one with the highest exec_gen.
 *
 * Layout (all offsets from the start of the segment, all multiples of 64):
 *     [0, header_size)                   struct heaptop_seg_header
 *     [shards_off, + shard_count*shard_size)   struct heaptop_shard[]
 *     [timeline_off, + timeline_len*timeline_entry_size) timeline ring
 *     [sites_off, + sites_count*site_size)       struct heaptop_site[]   (v2)
 *     [modules_off, + modules_count*module_size) struct heaptop_module[] (v2)
 *     [pending_off, + shard_count*pending_size)  struct heaptop_shard_pending[] (v4)
 *     ... later versions append regions and announce them in the header.
 * A region with a count of 0 is absent (sites, modules and the pending
 * region are absent when sampling is off, sample_rate == 0).
 *
 * Only fixed-width types; no pointers, no bool, no size_t.  Little-endian
 * host order (the reader runs on the same machine).
 *
 * Versioning.  `version` is bumped on every change.  `compat_version` is the
 * oldest version whose readers can still read this segment correctly:
 * a reader that implements version R accepts a segment iff
 * compat_version <= R.  Appending a field into reserved space or a new region
 * keeps compat_version; changing the meaning or place of an existing field
 * raises it.
 *
 * Reader protocol.
 *  1. Open O_RDONLY, fstat(): it must be a regular file owned by the reader's
 *     uid (or the reader is root) with no group/other access; its size must be
 *     >= sizeof(struct heaptop_seg_header).  Map it read-only.
 *  2. Load `magic` with acquire ordering.  0 means "being created": retry
 *     later.  Anything else but HEAPTOP_MAGIC means "not a heaptop segment".
 *     Everything the header describes was written before the magic.
 *  3. Check compat_version <= the reader's version, then check every size,
 *     count and offset against the real file size with overflow-safe
 *     arithmetic, and bound every loop by those checked counts.  The file
 *     can be truncated at any time (SIGBUS on access): guard accesses.
 *  4. Counters: each shard is written by one thread at a time with relaxed
 *     8-byte stores; read each field with one relaxed 8-byte load and sum
 *     over all shards [0, shards_used).  Sums are not an atomic snapshot:
 *     counters only grow, so a sum is within the in-flight operations of the
 *     truth.  Bytes in use are derived, summed modulo 2^64 (one thread may
 *     free what another allocated, so a single shard's share can be negative):
 *       use_curr = sum(alloc_bytes - dealloc_bytes + realloc_growth_bytes
 *                      - realloc_shrink_bytes + untracked_bytes
 *                      - untracked_free_bytes)
 *     read as signed and clamped at 0.  The peak is
 *       use_max = max(header.use_max, use_curr, max over shards of peak_use)
 *     (v3): a thread raises header.use_max only when it publishes, and
 *     records smaller new highs in its own shard's peak_use.
 *  5. Timeline: entry i (i counts from 0 since start) lives in slot
 *     i % timeline_len.  Read `seq`, then the fields, then `seq` again
 *     (acquire fences between): the entry is valid iff both reads equal
 *     2*i+2.  Entries [max(0, head - timeline_len), head) may be valid; a
 *     writer killed mid-entry leaves it invalid forever: skip it, never wait.
 *  6. Strings (cmdline) are NUL-padded byte arrays that may hold anything:
 *     bound their length and strip control characters before display.
 *  7. Sites (v2: version >= 2 and header_size covers the v2 fields).  Slot
 *     i is in use iff `hash` != 0.  Its stack (nframes, flags, frames[]) is
 *     valid iff `published` loads as 1 with acquire ordering; it never
 *     changes after that.  A claimed slot whose writer died stays unpublished
 *     forever: skip it.  The counters are relaxed 8-byte atomics, updated
 *     independently (read each with one relaxed load; a pair such as
 *     live_bytes / live_samples may be one sample apart).  live_* are summed
 *     modulo 2^64 by adds and subtracts from many threads: read them as
 *     signed and clamp at 0.  frames[] hold raw return addresses (frame 0 is
 *     the first frame outside libheaptop, i.e. in the caller of malloc):
 *     subtract 1 from a frame before looking up its line.  Bound nframes by
 *     site_max_frames.  docs/sampling.md turns samples into estimates and
 *     gives their error; every estimate has its sample count beside it.
 *     v4: a site's counters and the sample totals are split between the
 *     site table (and the header) and a pending region: each shard owner
 *     keeps its latest sites' deltas in its own entry of the pending region
 *     (pending_off + shard index * pending_size, shards [0, shards_used))
 *     and moves them into the site table only when it needs the slot for
 *     another site.  Counter k of site i (the nine counters alloc_samples ..
 *     move_bytes in struct order, HEAPTOP_SITE_COUNTERS) = its field + the
 *     sum, modulo 2^64, of delta[k] of every pending site[] slot j <
 *     pending_sites whose `site` is i + 1, over all entries.  samples_total
 *     and move_samples_total: the header's field + every entry's `samples` /
 *     `move_samples`.  While an owner moves deltas its entry's `seq` is odd:
 *     read every entry's seq (acquire), the site table, the entries, then
 *     every seq again (acquire fence before); if one changed or was odd,
 *     retry a bounded number of times (a sum is then at most one move off).
 *  8. Peak contributors: peak_* of every site were copied from live_* when
 *     use_max reached peak_use_max.  Read peak_seq (acquire), the peak fields
 *     of all sites, then peak_seq again: the copy is consistent iff both
 *     reads are equal and even.  Retry a bounded number of times.
 *  9. Modules (v2): entry i is valid iff `seq` loads as 2 with acquire
 *     ordering, for i < min(modules_used, modules_count); its identity
 *     (base, start, end, build_id, path) never changes after that.  `state`
 *     and unload_mono_ns change once, loaded -> unloaded, when the object is
 *     gone (dlclose); unloaded entries are kept so addresses sampled while
 *     they were loaded still resolve.  Two entries may overlap in address
 *     range only if at most one of them is loaded; a frame sampled at a time
 *     t belongs to the entry that was loaded at t.  modules_gen changes after
 *     every change of the table.
 */
#ifndef HEAPTOP_SEGMENT_H
#define HEAPTOP_SEGMENT_H

#include <stddef.h>
#include <stdint.h>
#include "counters.h"

#define HEAPTOP_MAGIC 0x3130504f54504548ull /* "HEPTOP01" in memory order */
#define HEAPTOP_ABI_VERSION 4u /* 2: sites, peak contributors, modules; 3: shard peak_use; 4: pending site deltas */
#define HEAPTOP_ABI_COMPAT 4u  /* 3: header.use_max alone may lag; merge peak_use (step 4);
				  4: site counters and sample totals alone may lag; add the pending region (step 7) */

#define HEAPTOP_SHM_PREFIX "heaptop."   /* names are HEAPTOP_SHM_PREFIX "<pid>.<gen>" */
#define HEAPTOP_CMDLINE_MAX 512

enum heaptop_state {
	HEAPTOP_STATE_INIT = 0,    /* header being written */
	HEAPTOP_STATE_RUNNING = 1, /* the image is live (or died without exiting: check the pid) */
	HEAPTOP_STATE_EXITED = 2,  /* exit() ran our destructor; counters are final */
	HEAPTOP_STATE_EXECED = 3,  /* the pid exec'd a new image, which has segment gen+1 */
};

/* Header flags. */
#define HEAPTOP_FLAG_KEEP 0x1u /* name is kept after exit (HEAPTOP_KEEP) */

/* Shard flags. */
#define HEAPTOP_SHARD_SHARED 0x1u /* written by many threads with atomic adds (shard 0) */

struct heaptop_seg_header {
	/* --- identity: written once, before magic --------------------------- */
	uint64_t magic;               /* HEAPTOP_MAGIC, stored last with release */
	uint32_t version;             /* HEAPTOP_ABI_VERSION of the writer */
	uint32_t compat_version;      /* oldest reader version that can read this */
	uint32_t header_size;         /* sizeof(struct heaptop_seg_header) of the writer */
	uint32_t flags;               /* HEAPTOP_FLAG_* */
	uint64_t seg_size;            /* bytes of the whole segment */
	uint32_t pid;                 /* process id */
	uint32_t ppid;                /* parent process id at creation */
	uint32_t exec_gen;            /* execs that kept this pid before this image */
	uint32_t uid;                 /* real uid of the process */
	uint64_t start_time_ticks;    /* /proc/<pid>/stat field 22: tells pid reuse apart */
	uint64_t start_realtime_ns;   /* CLOCK_REALTIME when the segment was made */
	uint64_t start_mono_ns;       /* CLOCK_MONOTONIC then; timeline times count from it */
	/* --- layout ---------------------------------------------------------- */
	uint64_t shards_off;          /* offset of shard 0 */
	uint32_t shard_count;         /* shards in the array; shard 0 is shared */
	uint32_t shard_size;          /* bytes per shard (>= sizeof(struct heaptop_shard)) */
	uint64_t timeline_off;        /* offset of the timeline ring */
	uint32_t timeline_len;        /* entries in the ring */
	uint32_t timeline_entry_size; /* bytes per entry */
	uint64_t timeline_interval_ns;/* minimum spacing of entries */
	uint64_t peak_slack;          /* bytes a thread may hold unpublished (use_max bound) */
	uint64_t reserved_layout[8];  /* zero; later versions announce regions here */
	char cmdline[HEAPTOP_CMDLINE_MAX]; /* argv joined by spaces, NUL padded, untrusted */

	/* --- live fields: change while the process runs ---------------------- */
	_Alignas(64) uint32_t state;  /* enum heaptop_state */
	uint32_t shards_used;         /* high-water shard index + 1 (readers sum [0, this)) */
	uint32_t threads_active;      /* threads owning a shard now */
	uint32_t threads_max;         /* most threads owning a shard at once */
	uint64_t threads_total;       /* threads that ever owned a shard */
	uint64_t shard_misses;        /* threads that found no free shard and used shard 0 */
	uint64_t exit_mono_ns;        /* exit or exec time since start_mono_ns, else 0 */
	uint64_t timeline_head;       /* entries reserved so far (see protocol step 5) */
	uint64_t timeline_next_ns;    /* writer-private: when the next entry is due */

	_Alignas(64) int64_t use_published; /* writer-private: sum of published use deltas */
	uint64_t use_max;             /* peak of use_published; merge shards' peak_use (step 4) */
	uint64_t use_max_mono_ns;     /* when use_max last rose, since start_mono_ns */

	/* --- v2 layout: sampled call sites and modules (written before magic) - */
	_Alignas(64) uint64_t sites_off; /* offset of the site table; 0 when absent */
	uint32_t sites_count;         /* slots in the site table (HEAPTOP_SITES) */
	uint32_t site_size;           /* bytes per slot (>= sizeof(struct heaptop_site) + 8*site_max_frames) */
	uint32_t site_max_frames;     /* capacity of frames[] per site (HEAPTOP_MAX_FRAMES) */
	uint32_t module_size;         /* bytes per module entry (>= sizeof(struct heaptop_module)) */
	uint64_t modules_off;         /* offset of the module table; 0 when absent */
	uint32_t modules_count;       /* entries in the module table (HEAPTOP_MODULES) */
	uint32_t reserved_v2;         /* zero */
	uint64_t sample_rate;         /* mean bytes between samples; 0 off, 1 every block (exact) */
	uint64_t pending_off;         /* v4: offset of the pending region (one entry per shard); 0 when absent */
	uint32_t pending_size;        /* v4: bytes per entry (>= sizeof(struct heaptop_shard_pending), a multiple of 64) */
	uint32_t pending_sites;       /* v4: site slots used in each entry's site[] (<= HEAPTOP_PENDING_SITES) */
	uint64_t reserved_v4_layout;  /* zero */

	/* --- v2 live fields -------------------------------------------------- */
	_Alignas(64) uint32_t sites_used; /* slots claimed so far */
	uint32_t modules_used;        /* module entries claimed so far (may exceed modules_count) */
	uint64_t samples_total;       /* allocation samples taken (realloc results included) */
	uint64_t move_samples_total;  /* realloc-move samples taken */
	uint64_t sites_dropped;       /* samples lost because their stack found no slot */
	uint64_t live_dropped;        /* sampled blocks not followed to their free (live map full) */
	uint64_t modules_dropped;     /* loaded objects not recorded (module table full) */
	uint64_t modules_gen;         /* bumped after every change of the module table */
	uint64_t peak_seq;            /* even when the peak copy is stable, odd while written */
	uint64_t peak_use_max;        /* use_max when peak_* were copied (0: never) */
	uint64_t peak_mono_ns;        /* when, since start_mono_ns */
};

/* Bytes of a version-1 header: the part every reader may rely on. */
#define HEAPTOP_HEADER_V1_SIZE offsetof(struct heaptop_seg_header, sites_off)

/*
 * Per-thread counters.  A thread owns one shard at a time and is its only
 * writer; a shard outlives its thread and is reused by later threads, so its
 * counters are cumulative and a thread's exit loses nothing.  Shard 0 is the
 * shared overflow shard, written with atomic adds.
 */
struct heaptop_shard {
	uint32_t owner_tid;           /* kernel tid of the owner, 0 = free */
	uint32_t flags;               /* HEAPTOP_SHARD_* */
	uint64_t owners_total;        /* threads that have owned this shard */
#define HEAPTOP_X_SHARD_FIELD(name, unit, desc) uint64_t name;
	HEAPTOP_COUNTERS(HEAPTOP_X_SHARD_FIELD)
#undef HEAPTOP_X_SHARD_FIELD
	uint64_t peak_use;            /* v3: highest use this shard's owners saw between publishes (a use_max candidate) */
	_Alignas(64) uint64_t hist[HEAPTOP_HIST_KINDS][HEAPTOP_HIST_BUCKETS]; /* log2 buckets */
} __attribute__((aligned(64)));

/* One timeline point, written at most every timeline_interval_ns. */
struct heaptop_timeline_entry {
	uint64_t seq;                 /* 2*i+2 when entry i is complete, odd while written */
	uint64_t t_ns;                /* CLOCK_MONOTONIC - start_mono_ns */
	uint64_t use_curr;            /* bytes in use */
	uint64_t use_max;             /* peak so far */
	uint64_t alloc_count;         /* cumulative */
	uint64_t dealloc_count;       /* cumulative */
	uint64_t reserved[2];         /* zero */
};

/* Site flags. */
#define HEAPTOP_SITE_TRUNCATED 0x1u /* the stack was deeper than frames[] or unwinding stopped early */

/*
 * One call site: a deduplicated sampled stack and its estimates (see
 * protocol step 7).  "Allocated" counts sampled blocks handed out here,
 * blocks made by realloc included; "live" those not freed yet; "move" the
 * realloc moves sampled here by bytes copied.  *_samples is how many samples
 * stand behind the estimates next to it.
 */
struct heaptop_site {
	uint64_t hash;                /* stack hash, claimed by CAS; 0 = free slot */
	uint32_t published;           /* 1 once nframes, flags and frames are written (release) */
	uint16_t nframes;             /* frames used, <= site_max_frames */
	uint16_t flags;               /* HEAPTOP_SITE_* */
	uint64_t alloc_samples;       /* allocation samples */
	uint64_t alloc_blocks;        /* estimated blocks allocated */
	uint64_t alloc_bytes;         /* estimated usable bytes allocated */
	uint64_t live_samples;        /* sampled blocks not freed yet */
	uint64_t live_blocks;         /* estimated live blocks (signed, see step 7) */
	uint64_t live_bytes;          /* estimated live usable bytes (signed) */
	uint64_t move_samples;        /* realloc-move samples */
	uint64_t move_count;          /* estimated realloc moves */
	uint64_t move_bytes;          /* estimated bytes copied by them */
	uint64_t peak_samples;        /* live_samples at the last peak copy */
	uint64_t peak_blocks;         /* live_blocks then */
	uint64_t peak_bytes;          /* live_bytes then */
	uint64_t reserved[2];         /* zero */
	uint64_t frames[];            /* raw return addresses, innermost first */
};

/* The counters of struct heaptop_site that pending deltas add to:
 * alloc_samples .. move_bytes, consecutive in that order. */
#define HEAPTOP_SITE_COUNTERS 9
#define HEAPTOP_PENDING_SITES 8

/* The deltas one shard owner has not moved into one site's counters yet. */
struct heaptop_pending_site {
	uint32_t site;                /* slot index + 1 of the site; 0: none */
	uint32_t reserved;            /* zero */
	uint64_t delta[HEAPTOP_SITE_COUNTERS]; /* added to the site's counters, modulo 2^64 */
};

/* v4: what the owner of one shard keeps back from the site table (protocol
 * step 7).  Written by the shard's owner only, with relaxed 8-byte stores. */
struct heaptop_shard_pending {
	uint64_t seq;                 /* even; odd while the owner moves deltas into the site table */
	uint64_t samples;             /* allocation samples not in header.samples_total */
	uint64_t move_samples;        /* realloc-move samples not in header.move_samples_total */
	uint64_t reserved;            /* zero */
	struct heaptop_pending_site site[HEAPTOP_PENDING_SITES];
} __attribute__((aligned(64)));

/* Module states. */
enum heaptop_module_state {
	HEAPTOP_MODULE_LOADED = 1,    /* mapped now */
	HEAPTOP_MODULE_UNLOADED = 2,  /* gone (dlclose); kept so old frames resolve */
};

#define HEAPTOP_MODULE_PATH_MAX 416
#define HEAPTOP_BUILD_ID_MAX 32

/* One loaded object (executable, shared library, vdso), see protocol step 9. */
struct heaptop_module {
	uint64_t seq;                 /* 0 free, 1 being written, 2 valid (release) */
	uint32_t state;               /* enum heaptop_module_state */
	uint16_t build_id_len;        /* bytes of build_id used; 0 = none */
	uint16_t flags;               /* HEAPTOP_MODULE_PATH_CUT: path was cut */
	uint64_t base;                /* load bias: runtime address - ELF virtual address */
	uint64_t start;               /* lowest runtime address of its PT_LOAD segments */
	uint64_t end;                 /* end (exclusive) of the highest PT_LOAD segment */
	uint64_t load_mono_ns;        /* first seen, since start_mono_ns */
	uint64_t unload_mono_ns;      /* seen gone, since start_mono_ns; 0 while loaded */
	uint64_t seen_gen;            /* writer-private */
	uint8_t build_id[HEAPTOP_BUILD_ID_MAX]; /* NT_GNU_BUILD_ID descriptor */
	char path[HEAPTOP_MODULE_PATH_MAX]; /* NUL padded, untrusted; the executable's is /proc/self/exe's target */
};
#define HEAPTOP_MODULE_PATH_CUT 0x1u

#endif
