/*
 * tui/segread.h - the viewer's reader of heaptop segments.  Treats every
 * segment as hostile input: checks owner and mode, validates every size,
 * count and offset against the real file size, copies out under a SIGBUS
 * guard (the file may be truncated while mapped), bounds every loop, and
 * sanitises strings before they can reach a terminal.  No curses here.
 */
#ifndef HEAPTOP_TUI_SEGREAD_H
#define HEAPTOP_TUI_SEGREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "heaptop.h"
#include "heaptop/segment.h"

/* Why a segment could not be opened or read (segread_strerror explains). */
enum segread_err {
	SEGREAD_OK = 0,
	SEGREAD_NO_PROCESS,   /* no such pid */
	SEGREAD_NO_SEGMENT,   /* the pid runs but has no segment (not started with heaptop) */
	SEGREAD_NOT_OWNER,    /* owned by another user, or group/other-accessible */
	SEGREAD_NOT_HEAPTOP,  /* wrong magic: not a heaptop segment */
	SEGREAD_VERSION,      /* compat_version newer than this reader */
	SEGREAD_CORRUPT,      /* sizes/offsets/counts inconsistent with the file */
	SEGREAD_TRUNCATED,    /* the file shrank under us (SIGBUS caught) */
	SEGREAD_NOT_READY,    /* magic still 0: being created, retry */
	SEGREAD_SYSTEM,       /* open/mmap/fstat failed: errno in detail */
};

/* One timeline point as the viewer keeps it. */
struct seg_point {
	uint64_t t_ns;        /* since process start */
	uint64_t use_curr, use_max, alloc_count, dealloc_count;
};

/* Frames kept per site: the library's maximum (HEAPTOP_MAX_FRAMES <= 64);
 * a deeper stack from another writer is cut here and marked truncated. */
#define SEG_FRAMES_MAX 64
/* Table sizes this reader accepts (the library's maxima); larger tables are
 * treated as damaged rather than read partially. */
#define SEG_SITES_MAX (1u << 16)
#define SEG_MODULES_MAX 4096u

/* One published call site (protocol step 7), counters as one relaxed read
 * each: the site table's field plus the pending deltas of every shard (v4);
 * live_* read as signed and clamped at 0 after the deltas are added. */
struct seg_site {
	uint64_t hash;                 /* the writer's stack hash */
	uint32_t slot;                 /* its slot in the table */
	uint16_t nframes;              /* frames used, <= SEG_FRAMES_MAX */
	uint16_t flags;                /* HEAPTOP_SITE_* */
	uint64_t alloc_samples, alloc_blocks, alloc_bytes;
	uint64_t live_samples, live_blocks, live_bytes;
	uint64_t move_samples, move_count, move_bytes;
	uint64_t peak_samples, peak_blocks, peak_bytes; /* valid when snapshot.peak_valid */
	uint64_t frames[SEG_FRAMES_MAX]; /* raw return addresses, innermost first */
};

/* One valid module entry (protocol step 9). */
struct seg_module {
	uint64_t base;                 /* load bias: runtime address - ELF address */
	uint64_t start, end;           /* runtime range [start, end) */
	uint64_t load_t_ns, unload_t_ns; /* since the process started; unload 0 while loaded */
	uint32_t state;                /* enum heaptop_module_state */
	uint16_t build_id_len;         /* <= HEAPTOP_BUILD_ID_MAX; 0 = none */
	uint16_t flags;                /* HEAPTOP_MODULE_PATH_CUT */
	int path_exact;                /* 1: path is the writer's whole path, unchanged by sanitising */
	uint8_t build_id[HEAPTOP_BUILD_ID_MAX];
	char path[HEAPTOP_MODULE_PATH_MAX + 1]; /* sanitised: printable, NUL-terminated */
};

/* Whether the segment has call-site tables. */
enum seg_sampling {
	SEG_SAMPLING_NONE = 0,         /* a version-1 writer: no sampling at all */
	SEG_SAMPLING_OFF,              /* HEAPTOP_SAMPLE_RATE=0: no tables */
	SEG_SAMPLING_ON,               /* tables read into sites/modules */
	SEG_SAMPLING_DAMAGED,          /* the tables' layout does not fit the file: ignored */
};

/* A consistent, validated, private copy of everything in one segment. */
struct seg_snapshot {
	char name[64];                 /* shm name, "/heaptop.<pid>.<n>" */
	uint32_t pid, ppid, exec_gen, uid;
	uint32_t state;                /* enum heaptop_state as written */
	int alive;                     /* 1: pid runs and start time matches; 0: gone */
	uint32_t version;
	uint64_t start_realtime_ns, start_mono_ns;
	uint64_t exit_mono_ns;         /* as lib/segment.c writes it: since start_mono_ns; 0 while running */
	uint64_t start_time_ticks;
	uint64_t read_mono_ns;         /* CLOCK_MONOTONIC when copied */
	uint64_t uptime_ns;            /* process age at copy time (or at exit) */
	char cmdline[HEAPTOP_CMDLINE_MAX + 1]; /* sanitised: printable, NUL-terminated */
	uint32_t shard_count, shards_used, threads_active, threads_max;
	uint64_t threads_total, shard_misses, peak_slack;
	struct heaptop_stats stats;    /* summed counters and histograms */
	uint64_t timeline_interval_ns;
	size_t npoints;                /* valid points, oldest first */
	struct seg_point *points;      /* malloc'd by segread, npoints entries (freed by segread_snapshot_free) */
	uint64_t use_max_t_ns;         /* when use_max last rose, since start; 0 unknown */
	/* --- call-site sampling (v2); all zero when sampling != SEG_SAMPLING_ON */
	enum seg_sampling sampling;
	uint64_t sample_rate;          /* mean bytes between samples; 1 = every block (exact) */
	uint64_t samples_total, move_samples_total; /* the header's plus every pending entry's (v4) */
	int pending_unsettled;         /* 1: an owner moved deltas through every try: sums may be a move off */
	uint64_t sites_dropped, live_dropped, modules_dropped; /* see segment.h */
	uint32_t sites_count, sites_used, modules_count, modules_used;
	uint64_t modules_gen;
	int peak_valid;                /* 1: the peak_* fields are one consistent copy */
	uint64_t peak_use_max;         /* use_max when they were copied (0: never) */
	uint64_t peak_t_ns;            /* when, since the process started */
	uint32_t sites_unread;         /* claimed slots skipped: unpublished, torn or invalid */
	uint32_t modules_unread;       /* entries skipped: being written, torn or invalid */
	size_t nsites;                 /* published sites copied */
	struct seg_site *sites;        /* malloc'd, freed by segread_snapshot_free */
	size_t nmodules;               /* valid module entries copied, in table order */
	struct seg_module *modules;    /* malloc'd, freed by segread_snapshot_free */
};

struct segread;                    /* an open segment (fd + mapping) */

/* Opens the newest segment of the process pid that started at start_ticks
 * (0: the one /proc shows now; when pid is gone too, the newest segment of
 * any process that had pid); stale segments of other processes that had the
 * pid are never picked.  err/detail explain a failure. */
enum segread_err segread_open_pid(pid_t pid, uint64_t start_ticks, struct segread **out,
				  int *detail_errno);
/* Opens a segment by shm name ("/heaptop.123.0" or "heaptop.123.0"). */
enum segread_err segread_open_name(const char *name, struct segread **out, int *detail_errno);
/* Opens an in-memory image (tests and the fuzzer): buf must stay valid. */
enum segread_err segread_open_buffer(const void *buf, size_t len, struct segread **out);
/* Copies the segment into *snap (validated); snap's arrays (points, sites,
 * modules) are replaced. */
enum segread_err segread_read(struct segread *r, struct seg_snapshot *snap);
/* Frees what segread_read allocated inside snap. */
void segread_snapshot_free(struct seg_snapshot *snap);
/* Reads the header and counters but not the timeline or the tables (the
 * arrays stay NULL); snap is overwritten, not freed.  For listings. */
enum segread_err segread_read_header_only(struct segread *r, struct seg_snapshot *snap);
/* Parses "heaptop.<pid>.<gen>" (a leading '/' allowed): 0, or -1 when the
 * name is not a heaptop segment name. */
int segread_parse_name(const char *name, uint32_t *pid, uint32_t *gen);
/* Unmaps and closes. */
void segread_close(struct segread *r);
/* A sentence for an error, naming what to do ("was it started with heaptop?"). */
const char *segread_strerror(enum segread_err e);

/* One entry of the /dev/shm listing. */
struct seg_listing {
	char name[64];
	uint32_t pid;
	int alive;                     /* 1 live, 0 stale (process gone or pid reused) */
	enum segread_err err;          /* why it could not be read, or SEGREAD_OK */
	struct seg_snapshot snap;      /* valid when err == SEGREAD_OK (points not loaded) */
};

/* Lists the calling user's heaptop segments; *out malloc'd, count returned or -errno. */
int segread_list(struct seg_listing **out);
/* Removes the calling user's stale segments; returns how many, or -errno. */
int segread_remove_stale(void);

#endif
