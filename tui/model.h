/*
 * tui/model.h - what the viewer knows about the watched process, with no
 * curses in sight: the latest snapshot, the previous one (for rates), an
 * optional mark (baseline for deltas), the use_curr/use_max history (the
 * segment's timeline, then our own samples), RSS from /proc, and the
 * sampled call sites with their frames named (model_sites.c).
 * Widgets read a model; only model_scan() changes it.
 */
#ifndef HEAPTOP_TUI_MODEL_H
#define HEAPTOP_TUI_MODEL_H

#include "segread.h"
#include "symbols.h"

/* What the launch wrapper knows about its child (absent in attach mode). */
struct model_child {
	int launched;       /* 1 when heaptop started the program */
	pid_t pid;          /* its pid; model_scan() reaps it with waitpid(WNOHANG) */
	uint64_t start_ticks; /* its start time (/proc/PID/stat), 0: unknown */
	int exited;         /* 1 once waitpid() reported it */
	int status;         /* waitpid status */
	char output[4096];  /* where the program's stdout/stderr go */
};

/* The orders a table of call sites can be read in: which sites, largest
 * first by what (read one backwards for ascending). */
enum site_order {
	SITE_BY_LIVE,           /* every site with something sampled, by live bytes */
	SITE_BY_ALLOC_BYTES,    /* ... by bytes allocated */
	SITE_BY_BLOCKS,         /* ... by blocks allocated */
	SITE_BY_MOVES,          /* ... by realloc moves */
	SITE_MOVERS_BY_BYTES,   /* sites with realloc moves, by bytes copied: the hotspots */
	SITE_MOVERS_BY_COUNT,   /* ... by moves */
	SITE_MOVERS_BY_AVG,     /* ... by bytes copied per move */
	SITE_PEAK_BY_BYTES,     /* sites live at the peak copy, by their bytes then: peak contributors */
	SITE_PEAK_BY_LIVE,      /* ... by their live bytes now */
	SITE_ORDER_COUNT
};

/* What is known of one call site over some span: estimates with the
 * samples behind each (docs/sampling.md).  live_* are signed: a change
 * since the mark may be negative. */
struct site_values {
	int64_t live_bytes, live_blocks, live_samples;
	uint64_t alloc_bytes, alloc_blocks, alloc_samples;
	uint64_t move_count, move_bytes, move_samples;
	uint64_t peak_bytes, peak_blocks, peak_samples; /* at the last peak copy, never a change */
};

/* One call site as widgets and snapshots show it. */
struct model_site {
	const struct seg_site *s;      /* the record in cur.sites: frames, flags, hash */
	struct site_values v;          /* shown: changes since the mark while one is set */
	struct site_values total;      /* since the process started */
	struct sym_frame where;        /* the first frame outside heaptop and the allocator */
	unsigned where_index;          /* its index in the stack */
};

/* A site's values at the mark, found again by stack identity. */
struct model_site_base;

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
	/* Call sites of cur (none unless cur.sampling == SEG_SAMPLING_ON). */
	struct symbols *sym;         /* names frames; NULL when out of memory */
	struct model_site *sites;    /* one per cur.sites entry */
	size_t nsites;
	uint32_t *order[2][SITE_ORDER_COUNT]; /* indices into sites by each order, of v [0] and total [1] */
	size_t norder[2][SITE_ORDER_COUNT];   /* sites with something to show in that order */
	struct model_site_base *mark_sites; /* sorted by stack identity */
	size_t nmark_sites;
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

/* --- call sites (model_sites.c) -------------------------------------------- */

/* Rebuilds m->sites and the orders from m->cur (and the mark); called by
 * model_init, model_scan and model_toggle_mark. */
void model_sites_update(struct model *m);
/* Sets or clears the per-site baseline to match m->has_mark. */
void model_sites_mark(struct model *m);
/* The i-th site of an order of the shown values v (0 = largest), or NULL
 * past its end. */
const struct model_site *model_site_at(const struct model *m, enum site_order o, size_t i);
/* Sites in an order of v. */
size_t model_site_count(const struct model *m, enum site_order o);
/* The same for the totals since the process started (JSON snapshots). */
const struct model_site *model_site_total_at(const struct model *m, enum site_order o, size_t i);
/* Sites in an order of the totals. */
size_t model_site_total_count(const struct model *m, enum site_order o);
/* The site whose stack hash is hash and frame 0 is frame0, or NULL. */
const struct model_site *model_site_find(const struct model *m, uint64_t hash, uint64_t frame0);
/* Frame i of a site's stack, named. */
void model_site_frame(const struct model *m, const struct model_site *s, unsigned i,
		      struct sym_frame *out);
/* Why a copy shows no call sites ("call-site sampling is off
 * (HEAPTOP_SAMPLE_RATE=0)"), or NULL when it has them. */
const char *model_sampling_note(const struct seg_snapshot *s);
/* 1 when the frame belongs to heaptop or an allocator wrapper (malloc
 * family, strdup, operator new): not what a site is named after. */
int model_frame_is_allocator(const struct sym_frame *f);
/* Frees the sites, orders, baseline and symbolizer. */
void model_sites_free(struct model *m);

#endif
