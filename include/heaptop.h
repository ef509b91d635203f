/*
 * heaptop.h - the in-process API of libheaptop.
 *
 * Read heaptop's exact allocation counters from inside the traced program,
 * and measure what a piece of code allocates:
 *
 *     struct heaptop_measure m;
 *     heaptop_measure_begin(&m, HEAPTOP_SCOPE_THREAD);
 *     parse_config(buf);
 *     struct heaptop_stats d;
 *     if (heaptop_measure_end(&m, &d) == 0)
 *             assert(d.alloc_count <= 3);
 *
 * The program need not link libheaptop: every function here is declared weak,
 * so a program built without -lheaptop and run without LD_PRELOAD sees the
 * library as absent, and the helpers return -ENOSYS ("not tracking") instead
 * of crashing.  Linked or preloaded, the real functions are used.  To link
 * it in, use `pkg-config --libs heaptop`: it keeps the library needed under
 * -Wl,--as-needed, which would otherwise drop a library referenced only
 * weakly.
 */
#ifndef HEAPTOP_H
#define HEAPTOP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "heaptop/counters.h"

#ifdef __cplusplus
extern "C" {
#endif

enum heaptop_scope {
	HEAPTOP_SCOPE_PROCESS = 0, /* every thread of the process */
	HEAPTOP_SCOPE_THREAD = 1,  /* the calling thread only (exact even when others run) */
};

/* A copy of the counters; every field counts since the process started. */
struct heaptop_stats {
#define HEAPTOP_X_STATS_FIELD(name, unit, desc) uint64_t name;
	HEAPTOP_COUNTERS(HEAPTOP_X_STATS_FIELD)
#undef HEAPTOP_X_STATS_FIELD
	uint64_t use_curr; /* usable bytes live now (process scope; thread scope: net, may wrap) */
	uint64_t use_max;  /* peak of use_curr (process scope only, else 0) */
	uint64_t hist[HEAPTOP_HIST_KINDS][HEAPTOP_HIST_BUCKETS];
};

#if !defined(HEAPTOP_BUILDING_LIB)
#define HEAPTOP_API_DECL __attribute__((weak))
#else
#define HEAPTOP_API_DECL __attribute__((visibility("default")))
#endif

/* Fills *st for scope; 0, or -ENODEV when loaded but not tracking (disabled,
 * segment could not be made), -EAGAIN for HEAPTOP_SCOPE_THREAD on a thread
 * that shares the overflow shard. */
HEAPTOP_API_DECL int heaptop_stats_read(struct heaptop_stats *st, enum heaptop_scope scope);

/* 1 when this process is tracked right now, 0 when not. */
HEAPTOP_API_DECL int heaptop_tracking(void);

/* The shm name of this process's segment ("/heaptop.<pid>.<gen>"), or NULL. */
HEAPTOP_API_DECL const char *heaptop_segment_name(void);

#if !defined(HEAPTOP_BUILDING_LIB)
/* A begin/end measurement (heapster's `measure`). */
struct heaptop_measure {
	struct heaptop_stats begin;
	enum heaptop_scope scope;
	int status; /* result of the read at begin */
};

/* Reads the counters at begin; returns 0 or what heaptop_stats_read returned. */
static inline int heaptop_measure_begin(struct heaptop_measure *m, enum heaptop_scope scope)
{
	m->scope = scope;
	m->status = heaptop_stats_read ? heaptop_stats_read(&m->begin, scope) : -ENOSYS;
	return m->status;
}

/* Stores end-minus-begin of every counter and histogram bucket in *delta
 * (use_curr as a signed difference cast to uint64_t, use_max as the end
 * value); returns 0, -ENOSYS when the library is absent, or the error of
 * either read. */
static inline int heaptop_measure_end(struct heaptop_measure *m, struct heaptop_stats *delta)
{
	struct heaptop_stats end;
	int rc;

	if (m->status != 0)
		return m->status;
	rc = heaptop_stats_read(&end, m->scope);
	if (rc != 0)
		return rc;
#define HEAPTOP_X_DELTA(name, unit, desc) delta->name = end.name - m->begin.name;
	HEAPTOP_COUNTERS(HEAPTOP_X_DELTA)
#undef HEAPTOP_X_DELTA
	delta->use_curr = end.use_curr - m->begin.use_curr;
	delta->use_max = end.use_max;
	for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
		for (int b = 0; b < HEAPTOP_HIST_BUCKETS; b++)
			delta->hist[k][b] = end.hist[k][b] - m->begin.hist[k][b];
	return 0;
}
#endif /* !HEAPTOP_BUILDING_LIB */

#ifdef __cplusplus
}
#endif
#endif
