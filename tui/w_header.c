/*
 * tui/w_header.c - the top of the live view: a bar with the pid, uptime,
 * command and state (running, exited with its status, exec'd, gone) and the
 * PAUSED and "since mark" badges, then a grid of heapster-named counters
 * with per-second rates, heap in use next to the process RSS, and threads.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "widgets.h"

/* Cell order, column by column, for two and for three columns. */
static const enum header_cell_id order2[HC_COUNT] = {
	HC_USE_CURR, HC_USE_MAX, HC_RSS, HC_ALLOC, HC_DEALLOC, HC_ALLOC_AVG,
	HC_GROWTH, HC_SHRINK, HC_MOVE, HC_FAIL, HC_UNTRACKED, HC_THREADS,
};
static const enum header_cell_id order3[HC_COUNT] = {
	HC_USE_CURR, HC_USE_MAX, HC_RSS, HC_THREADS,
	HC_ALLOC, HC_DEALLOC, HC_ALLOC_AVG, HC_FAIL,
	HC_GROWTH, HC_SHRINK, HC_MOVE, HC_UNTRACKED,
};

static int grid_cols(int w)
{
	return w >= 120 ? 3 : 2;
}

int w_header_rows(int w)
{
	return 1 + HC_COUNT / grid_cols(w);
}

/* --- update ------------------------------------------------------------------ */

static double rate(const struct model *m, uint64_t now, uint64_t before)
{
	return m->interval_s > 0 && now >= before ? (double)(now - before) / m->interval_s : 0.0;
}

/* What became of the process, and whether that is the normal case. */
static int describe_state(const struct model *m, char *buf, size_t cap)
{
	const struct model_child *ch = &m->child;

	if (ch->launched && ch->exited) {
		if (WIFSIGNALED(ch->status))
			snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(ch->status),
				 strsignal(WTERMSIG(ch->status)));
		else
			snprintf(buf, cap, "exited with status %d", WEXITSTATUS(ch->status));
		return 0;
	}
	switch (m->cur.state) {
	case HEAPTOP_STATE_EXITED:
		snprintf(buf, cap, "exited");
		return 0;
	case HEAPTOP_STATE_EXECED:
		snprintf(buf, cap, "exec'd a new image");
		return 0;
	default:
		break;
	}
	if (!m->cur.alive) {
		snprintf(buf, cap, "process gone");
		return 0;
	}
	snprintf(buf, cap, "%s", fmt_state(m->cur.state, 1));
	return m->cur.state == HEAPTOP_STATE_RUNNING;
}

/* The wall-clock time ("HH:MM:SS") at which snapshot s was copied. */
static void wall_clock(const struct seg_snapshot *s, char *buf, size_t cap)
{
	uint64_t since = s->read_mono_ns > s->start_mono_ns ? s->read_mono_ns - s->start_mono_ns : 0;
	time_t t = (time_t)((s->start_realtime_ns + since) / 1000000000ull);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, cap, "%H:%M:%S", &tm))
		snprintf(buf, cap, "?");
}

static void set_cell(struct header_cell *c, const char *label, enum color_elem e)
{
	c->label = label;
	c->value[0] = c->extra[0] = c->detail[0] = '\0';
	c->value_elem = e;
}

/* A counter: a delta ("+12") when marked, with its rate and an average. */
static void count_cell(struct header_cell *c, const char *label, uint64_t v, int marked,
		       double per_s, uint64_t bytes)
{
	char n[FMT_BUF], b[FMT_BUF];

	set_cell(c, label, marked ? CE_DELTA : CE_VALUE);
	snprintf(c->value, sizeof(c->value), "%s%s", marked ? "+" : "", fmt_count(n, sizeof(n), v));
	fmt_rate(c->extra, sizeof(c->extra), per_s);
	if (bytes && v)
		snprintf(c->detail, sizeof(c->detail), "avg %s", fmt_bytes(b, sizeof(b), bytes / v));
}

static void memory_cells(struct w_header *w, const struct model *m, const struct glyphs *g)
{
	const struct heaptop_stats *cur = &m->cur.stats, *prev = &m->prev.stats;
	char t[FMT_BUF];
	struct header_cell *c;

	c = &w->cells[HC_USE_CURR];
	set_cell(c, "use_curr", CE_VALUE);
	fmt_bytes(c->value, sizeof(c->value), cur->use_curr);
	if (m->has_mark) {
		c->value_elem = CE_DELTA;
		snprintf(c->extra, sizeof(c->extra), "%s %s", g->delta,
			 fmt_bytes_delta(t, sizeof(t), (int64_t)(cur->use_curr - m->mark.stats.use_curr)));
	} else if (m->interval_s > 0) {
		double d = ((double)cur->use_curr - (double)prev->use_curr) / m->interval_s;
		snprintf(c->extra, sizeof(c->extra), "%s/s", fmt_bytes_delta(t, sizeof(t), (int64_t)d));
	}

	c = &w->cells[HC_USE_MAX];
	set_cell(c, "use_max", CE_VALUE);
	fmt_bytes(c->value, sizeof(c->value), cur->use_max);
	if (m->cur.use_max_t_ns)
		snprintf(c->extra, sizeof(c->extra), "at %s", fmt_duration(t, sizeof(t), m->cur.use_max_t_ns));

	c = &w->cells[HC_RSS];
	set_cell(c, "RSS", CE_VALUE);
	if (!m->rss) {
		snprintf(c->value, sizeof(c->value), "?");
		snprintf(c->extra, sizeof(c->extra), "process gone");
		return;
	}
	fmt_bytes(c->value, sizeof(c->value), m->rss);
	snprintf(c->extra, sizeof(c->extra), "heap %.0f%%", 100.0 * (double)cur->use_curr / (double)m->rss);
	if (m->rss > cur->use_curr)
		snprintf(c->detail, sizeof(c->detail), "+%s other", fmt_bytes(t, sizeof(t), m->rss - cur->use_curr));
}

static void counter_cells(struct w_header *w, const struct model *m, const struct heaptop_stats *st)
{
	const struct heaptop_stats *cur = &m->cur.stats, *prev = &m->prev.stats;
	int mk = m->has_mark;
	char t[FMT_BUF];
	struct header_cell *c;

	count_cell(&w->cells[HC_ALLOC], "alloc_count", st->alloc_count, mk, m->alloc_rate, 0);
	snprintf(w->cells[HC_ALLOC].detail, FMT_BUF, "%s/s", fmt_bytes(t, sizeof(t),
		 (uint64_t)m->alloc_bytes_rate));
	count_cell(&w->cells[HC_DEALLOC], "dealloc_count", st->dealloc_count, mk, m->dealloc_rate, 0);
	snprintf(w->cells[HC_DEALLOC].detail, FMT_BUF, "%s/s", fmt_bytes(t, sizeof(t),
		 (uint64_t)m->dealloc_bytes_rate));
	count_cell(&w->cells[HC_GROWTH], "realloc_growth_count", st->realloc_growth_count, mk,
		   rate(m, cur->realloc_growth_count, prev->realloc_growth_count), st->realloc_growth_bytes);
	count_cell(&w->cells[HC_SHRINK], "realloc_shrink_count", st->realloc_shrink_count, mk,
		   rate(m, cur->realloc_shrink_count, prev->realloc_shrink_count), st->realloc_shrink_bytes);
	count_cell(&w->cells[HC_MOVE], "realloc_move_count", st->realloc_move_count, mk,
		   rate(m, cur->realloc_move_count, prev->realloc_move_count), st->realloc_move_bytes);
	count_cell(&w->cells[HC_FAIL], "alloc_fail_count", st->alloc_fail_count, mk,
		   rate(m, cur->alloc_fail_count, prev->alloc_fail_count), 0);
	if (st->alloc_fail_count)
		w->cells[HC_FAIL].value_elem = CE_WARNING;

	c = &w->cells[HC_ALLOC_AVG];
	set_cell(c, "alloc_avg", mk ? CE_DELTA : CE_VALUE);
	fmt_bytes(c->value, sizeof(c->value), st->alloc_count ? st->alloc_bytes / st->alloc_count : 0);
	if (st->alloc_count) /* usable vs. asked for: the allocator's rounding */
		snprintf(c->extra, sizeof(c->extra), "asked %s",
			 fmt_bytes(t, sizeof(t), st->alloc_req_bytes / st->alloc_count));

	count_cell(&w->cells[HC_UNTRACKED], "untracked", st->untracked_count, mk, 0, 0);
	fmt_bytes(w->cells[HC_UNTRACKED].extra, FMT_BUF, st->untracked_bytes);

	c = &w->cells[HC_THREADS];
	set_cell(c, "threads", CE_VALUE);
	snprintf(c->value, sizeof(c->value), "%u", (unsigned)m->cur.threads_active);
	snprintf(c->extra, sizeof(c->extra), "max %u", (unsigned)m->cur.threads_max);
	snprintf(c->detail, sizeof(c->detail), "%s in all", fmt_count(t, sizeof(t), m->cur.threads_total));
}

void w_header_update(struct w_header *w, const struct model *m, const struct ui *ui)
{
	struct heaptop_stats st;

	snprintf(w->cmd, sizeof(w->cmd), "%s", m->cur.cmdline);
	w->pid = m->cur.pid;
	fmt_duration(w->uptime, sizeof(w->uptime), m->cur.uptime_ns);
	w->state_ok = describe_state(m, w->state, sizeof(w->state));
	w->paused = m->paused;
	w->mark[0] = '\0';
	if (m->has_mark)
		wall_clock(&m->mark, w->mark, sizeof(w->mark));
	model_view_stats(m, &st);
	memory_cells(w, m, ui->g);
	counter_cells(w, m, &st);
}

/* --- draw -------------------------------------------------------------------- */

/* The top bar: fixed facts on the left, the command in the middle (cut to
 * fit), badges on the right. */
static void draw_bar(const struct w_header *w, const struct ui *ui, struct canvas *c, struct rect r)
{
	char left[128], state[128], mark[80];
	int x, right_w, pw = w->paused ? 8 : 0, mw = 0;

	canvas_fill(c, (struct rect){ r.x, r.y, r.w, 1 }, ' ', CE_TITLE_BAR);
	snprintf(left, sizeof(left), " heaptop  pid %u  up %s  ", (unsigned)w->pid, w->uptime);
	snprintf(state, sizeof(state), " %s ", w->state);
	if (w->mark[0]) {
		snprintf(mark, sizeof(mark), " %s since mark %s ", ui->g->delta, w->mark);
		mw = text_width(mark) + 1;
	}
	right_w = text_width(state) + pw + mw;
	x = r.x + canvas_text(c, r.x, r.y, r.w, CE_TITLE_BAR, left);
	canvas_text(c, x, r.y, r.x + r.w - right_w - x - 1, CE_TITLE_BAR, w->cmd);
	x = r.x + r.w - right_w;
	if (x < r.x)
		x = r.x;
	if (mw)
		x += canvas_text(c, x, r.y, r.x + r.w - x, CE_DELTA, mark) + 1;
	if (pw)
		x += canvas_text(c, x, r.y, r.x + r.w - x, CE_PAUSED, " PAUSED ");
	canvas_text(c, x, r.y, r.x + r.w - x, w->state_ok ? CE_STATE_OK : CE_STATE_BAD, state);
}

enum cell_field { F_LABEL, F_VALUE, F_EXTRA };

static const char *field(const struct header_cell *h, enum cell_field f)
{
	return f == F_LABEL ? h->label : f == F_VALUE ? h->value : h->extra;
}

/* The widest text of one field over a column of cells. */
static int max_width(const struct w_header *w, const enum header_cell_id *ids, int n,
		     enum cell_field f)
{
	int m = 0;

	for (int i = 0; i < n; i++) {
		int t = text_width(field(&w->cells[ids[i]], f));
		m = t > m ? t : m;
	}
	return m;
}

/* Columns a column of cells needs for labels, values and extras. */
static int natural_width(const struct w_header *w, const enum header_cell_id *ids, int n)
{
	return 1 + max_width(w, ids, n, F_LABEL) + 1 + max_width(w, ids, n, F_VALUE) + 1 +
	       max_width(w, ids, n, F_EXTRA) + 1;
}

/* One column of cells, labels and values aligned within it. */
static void draw_column(const struct w_header *w, const enum header_cell_id *ids, int n,
			struct canvas *c, int x, int y, int cw)
{
	int lw = max_width(w, ids, n, F_LABEL), vw = max_width(w, ids, n, F_VALUE);

	for (int i = 0; i < n; i++) {
		const struct header_cell *h = &w->cells[ids[i]];
		int end = x + cw - 1, cx = x + 1;

		cx += canvas_text(c, cx, y + i, end - cx, CE_LABEL, h->label);
		cx = x + 1 + lw + 1 + vw - text_width(h->value);
		cx += canvas_text(c, cx, y + i, end - cx, h->value_elem, h->value);
		if (h->extra[0])
			cx += 1 + canvas_text(c, cx + 1, y + i, end - cx - 1, CE_RATE, h->extra);
		if (h->detail[0] && cx + 2 + text_width(h->detail) <= end)
			canvas_text(c, cx + 2, y + i, end - cx - 2, CE_DIM, h->detail);
	}
}

/* Each column gets what it needs, and the room left over is shared out;
 * when they need more than there is, they share the width equally. */
static void column_widths(const struct w_header *w, const enum header_cell_id *order, int ncols,
			  int rows, int width, int *cw)
{
	int need = 0;

	for (int i = 0; i < ncols; i++)
		need += cw[i] = natural_width(w, order + i * rows, rows);
	for (int i = 0; i < ncols; i++)
		cw[i] = need <= width ? cw[i] + (width - need) / ncols : width / ncols;
}

void w_header_draw(const struct w_header *w, const struct ui *ui, struct canvas *c, struct rect r)
{
	int ncols = grid_cols(r.w), rows = HC_COUNT / ncols, cw[3], x = r.x;
	const enum header_cell_id *order = ncols == 3 ? order3 : order2;

	if (r.h < 1)
		return;
	draw_bar(w, ui, c, r);
	column_widths(w, order, ncols, rows, r.w, cw);
	for (int col = 0; col < ncols; col++) {
		draw_column(w, order + col * rows, rows < r.h - 1 ? rows : r.h - 1, c, x, r.y + 1, cw[col]);
		x += cw[col];
	}
}
