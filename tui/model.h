/*
 * tui/model.h - what the viewer knows about the watched process, with no
 * curses in sight: the latest snapshot, the previous one (for rates), an
 * optional mark (baseline for deltas), the use_curr/use_max history (the
 * segment's timeline, then our own samples), and RSS from /proc.
 * Widgets read a model; only model_scan() changes it.
 */
#ifndef HEAPTOP_TUI_MODEL_H
#define HEAPTOP_TUI_MODEL_H

#include "segread.h"

/* What the launch wrapper knows about its child (absent in attach mode). */
struct model_child {
	int launched;       /* 1 when heaptop started the program */
	pid_t pid;          /* its pid; model_scan() reaps it with waitpid(WNOHANG) */
	int exited;         /* 1 once waitpid() reported it */
	int status;         /* waitpid status */
	char output[4096];  /* where the program's stdout/stderr go */
};

struct model {
	struct segread *seg;
	struct seg_snapshot cur;     /* latest copy */
	struct seg_snapshot prev;    /* the one before (rates) */
	struct seg_snapshot mark;    /* baseline when has_mark */
	int has_mark;
	int paused;                  /* scans keep the current copy */
	double interval_s;           /* seconds between cur and prev */
	/* Per-second rates between prev and cur. */
	double alloc_rate, dealloc_rate, alloc_bytes_rate, dealloc_bytes_rate;
	/* History for the graph: the timeline, then one point per scan. */
	struct seg_point *hist;
	size_t nhist, caphist;
	/* /proc/<pid>/status VmRSS in bytes, 0 when unknown (process gone). */
	uint64_t rss;
	struct model_child child;
	enum segread_err last_err;   /* of the last scan */
};

/* Attaches to an open segment (takes ownership of seg, even on failure:
 * model_free closes it); reads it once.  m->child is kept as the caller set
 * it, so zero m before (struct model m = {0}). */
enum segread_err model_init(struct model *m, struct segread *seg);
/* Reaps a launched child, reads the segment again (follows an exec to the
 * pid's next segment), updates rates, history and RSS.  On an error cur
 * stays the last good copy.  cur.points is always NULL (see hist). */
enum segread_err model_scan(struct model *m);
/* Sets the mark to the current copy, or clears it if one is set. */
void model_toggle_mark(struct model *m);
/* Counters and histograms to display: cur, or cur minus mark when marked
 * (then use_curr is a signed difference stored as uint64_t: print it as
 * (int64_t); use_max stays the current peak). */
void model_view_stats(const struct model *m, struct heaptop_stats *out);
/* Frees everything. */
void model_free(struct model *m);

#endif
