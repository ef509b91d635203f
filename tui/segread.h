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
};

struct segread;                    /* an open segment (fd + mapping) */

/* Opens the live (or newest) segment of pid; err/detail explain a failure. */
enum segread_err segread_open_pid(pid_t pid, struct segread **out, int *detail_errno);
/* Opens a segment by shm name ("/heaptop.123.0" or "heaptop.123.0"). */
enum segread_err segread_open_name(const char *name, struct segread **out, int *detail_errno);
/* Opens an in-memory image (tests and the fuzzer): buf must stay valid. */
enum segread_err segread_open_buffer(const void *buf, size_t len, struct segread **out);
/* Copies the segment into *snap (validated); snap->points is replaced. */
enum segread_err segread_read(struct segread *r, struct seg_snapshot *snap);
/* Frees what segread_read allocated inside snap. */
void segread_snapshot_free(struct seg_snapshot *snap);
/* Reads the header and counters but not the timeline (snap->points stays
 * NULL); snap is overwritten, not freed.  For listings. */
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
