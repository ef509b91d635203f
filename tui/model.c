/*
 * tui/model.c - the viewer's model of the watched process (see model.h):
 * scanning the segment into cur/prev, per-second rates, the use history,
 * RSS, the mark, following an exec to the next image, and reaping the
 * child heaptop launched.  The call sites are model_sites.c's.  No curses
 * here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "model.h"
#include "procfs.h"

/* History points kept; beyond this the oldest quarter is dropped. */
#define HIST_MAX (1u << 16)

static void hist_push(struct model *m, const struct seg_point *p)
{
	if (m->nhist && p->t_ns <= m->hist[m->nhist - 1].t_ns)
		return; /* nothing new (exited process, or a point the timeline had) */
	if (m->nhist == HIST_MAX) {
		size_t drop = HIST_MAX / 4;
		memmove(m->hist, m->hist + drop, (m->nhist - drop) * sizeof(*m->hist));
		m->nhist -= drop;
	}
	if (m->nhist == m->caphist) {
		size_t ncap = m->caphist ? m->caphist * 2 : 256;
		struct seg_point *nh = realloc(m->hist, ncap * sizeof(*nh));
		if (!nh)
			return; /* the graph misses a point; the counters are still right */
		m->hist = nh, m->caphist = ncap;
	}
	m->hist[m->nhist++] = *p;
}

/* Frees a snapshot's timeline points only (the history has them). */
static void drop_points(struct seg_snapshot *s)
{
	free(s->points);
	s->points = NULL;
	s->npoints = 0;
}

/* A copy of s's plain values that owns none of its arrays. */
static struct seg_snapshot values_of(const struct seg_snapshot *s)
{
	struct seg_snapshot v = *s;

	v.points = NULL, v.sites = NULL, v.modules = NULL;
	v.npoints = v.nsites = v.nmodules = 0;
	return v;
}

/* Seeds the history with the segment's timeline (cur.points) and the
 * current state, then drops cur.points: the model keeps one copy. */
static void hist_seed(struct model *m)
{
	m->nhist = 0;
	for (size_t i = 0; i < m->cur.npoints; i++)
		hist_push(m, &m->cur.points[i]);
	drop_points(&m->cur);
}

static void hist_sample(struct model *m)
{
	struct seg_point p = {
		.t_ns = m->cur.uptime_ns,
		.use_curr = m->cur.stats.use_curr,
		.use_max = m->cur.stats.use_max,
		.alloc_count = m->cur.stats.alloc_count,
		.dealloc_count = m->cur.stats.dealloc_count,
	};
	hist_push(m, &p);
}

static void reap_child(struct model_child *c)
{
	int status;

	if (!c->launched || c->exited)
		return;
	pid_t r = waitpid(c->pid, &status, WNOHANG);
	if (r == c->pid) {
		c->exited = 1;
		c->status = status;
	} else if (r < 0 && errno == ECHILD) {
		c->exited = 1; /* reaped elsewhere: status unknown */
		c->status = 0;
	}
}

static double rate(uint64_t now, uint64_t before, double s)
{
	return now >= before && s > 0 ? (double)(now - before) / s : 0.0;
}

static void update_rates(struct model *m)
{
	const struct heaptop_stats *c = &m->cur.stats, *p = &m->prev.stats;
	double s = m->interval_s;

	m->alloc_rate = rate(c->alloc_count, p->alloc_count, s);
	m->dealloc_rate = rate(c->dealloc_count, p->dealloc_count, s);
	m->alloc_bytes_rate = rate(c->alloc_bytes, p->alloc_bytes, s);
	m->dealloc_bytes_rate = rate(c->dealloc_bytes, p->dealloc_bytes, s);
}

enum segread_err model_init(struct model *m, struct segread *seg)
{
	struct model_child child = m->child;

	memset(m, 0, sizeof(*m));
	m->child = child;
	m->seg = seg;
	m->last_err = segread_read(seg, &m->cur);
	if (m->last_err != SEGREAD_OK)
		return m->last_err;
	hist_seed(m);
	hist_sample(m);
	m->prev = values_of(&m->cur);
	model_sites_update(m);
	m->rss = m->cur.alive ? proc_rss_bytes((pid_t)m->cur.pid) : 0;
	reap_child(&m->child);
	return SEGREAD_OK;
}

/* After an exec the pid's new image has the next segment: switch to it,
 * starting a fresh history (the counters start again from zero). */
static void follow_exec(struct model *m)
{
	struct segread *next;
	struct seg_snapshot s;
	int e;

	if (m->cur.state != HEAPTOP_STATE_EXECED || !m->cur.alive ||
	    segread_open_pid((pid_t)m->cur.pid, m->cur.start_time_ticks, &next, &e) != SEGREAD_OK)
		return;
	memset(&s, 0, sizeof(s));
	if (segread_read(next, &s) != SEGREAD_OK || s.exec_gen <= m->cur.exec_gen) {
		segread_snapshot_free(&s);
		segread_close(next);
		return;
	}
	segread_close(m->seg);
	m->seg = next;
	segread_snapshot_free(&m->cur);
	m->cur = s;
	m->has_mark = 0;
	model_sites_mark(m);
	hist_seed(m);
	m->prev = values_of(&m->cur);
}

enum segread_err model_scan(struct model *m)
{
	struct seg_snapshot s;

	reap_child(&m->child);
	if (m->paused)
		return m->last_err;
	memset(&s, 0, sizeof(s));
	m->last_err = segread_read(m->seg, &s);
	if (m->last_err != SEGREAD_OK)
		return m->last_err; /* cur stays the last good copy */
	drop_points(&s); /* our own samples follow the timeline */
	m->prev = values_of(&m->cur);
	segread_snapshot_free(&m->cur);
	m->cur = s;
	follow_exec(m);
	m->interval_s = (double)(m->cur.read_mono_ns - m->prev.read_mono_ns) / 1e9;
	update_rates(m);
	hist_sample(m);
	model_sites_update(m);
	m->rss = m->cur.alive ? proc_rss_bytes((pid_t)m->cur.pid) : 0;
	return SEGREAD_OK;
}

void model_toggle_mark(struct model *m)
{
	if (m->has_mark) {
		m->has_mark = 0;
	} else {
		m->mark = values_of(&m->cur);
		m->has_mark = 1;
	}
	model_sites_mark(m);
	model_sites_update(m);
}

void model_view_stats(const struct model *m, struct heaptop_stats *out)
{
	const struct heaptop_stats *c = &m->cur.stats, *b = &m->mark.stats;

	*out = *c;
	if (!m->has_mark)
		return;
#define MODEL_X_DELTA(name, unit, desc) out->name = c->name - b->name;
	HEAPTOP_COUNTERS(MODEL_X_DELTA)
#undef MODEL_X_DELTA
	out->use_curr = c->use_curr - b->use_curr; /* signed difference, like heaptop_measure_end */
	out->use_max = c->use_max;
	for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
		for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++)
			out->hist[k][i] = c->hist[k][i] - b->hist[k][i];
}

void model_free(struct model *m)
{
	model_sites_free(m);
	segread_snapshot_free(&m->cur);
	segread_close(m->seg);
	free(m->hist);
	m->seg = NULL;
	m->hist = NULL;
	m->nhist = m->caphist = 0;
}
