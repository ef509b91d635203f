/*
 * tui/w_graph.c - the graph of heap in use (use_curr, filled) with the peak
 * (use_max, a line) over the process's life, from the model's history.
 * The update step resamples the history into GRAPH_COLS time slices; the
 * draw step fits those to the pane with block characters (or ASCII), a
 * y scale in bytes and a time axis in process age.
 */
#include <stdio.h>
#include <string.h>
#include "widgets.h"

/* The graph spans at least this much time, so it fills in from the left. */
#define MIN_SPAN_NS (60ull * 1000000000ull)
#define LABEL_W 10 /* y labels and the axis line */

/* The smallest 2^k or 1.5 * 2^k that is >= v (at least 1 KiB): round
 * numbers for the scale, and halves of them are round too. */
static uint64_t nice_top(uint64_t v)
{
	uint64_t p = 1024;

	while (p < v && p < (1ull << 62)) {
		if (p + p / 2 >= v)
			return p + p / 2;
		p *= 2;
	}
	return p;
}

/* --- update ------------------------------------------------------------------ */

void w_graph_update(struct w_graph *w, const struct model *m, const struct ui *ui)
{
	uint64_t dt, lastv = 0, lastpk = 0, top = 0;
	int col = -1;

	memset(w->curr, 0, sizeof(w->curr));
	memset(w->peak, 0, sizeof(w->peak));
	w->npoints = m->nhist;
	w->use_curr = m->cur.stats.use_curr;
	w->use_max = m->cur.stats.use_max;
	w->has_mark = m->has_mark;
	w->mark_t = m->mark.uptime_ns;
	w->last_col = -1;
	w->t0 = m->nhist ? m->hist[0].t_ns : 0;
	if (w->t0 < 1000000000ull)
		w->t0 = 0; /* the history starts with the process: say "0s" */
	w->t1 = m->nhist ? m->hist[m->nhist - 1].t_ns : 0;
	if (w->t1 < w->t0 + MIN_SPAN_NS)
		w->t1 = w->t0 + MIN_SPAN_NS;
	dt = (w->t1 - w->t0) / GRAPH_COLS + 1;
	for (size_t i = 0; i < m->nhist; i++) {
		const struct seg_point *p = &m->hist[i];
		int c = p->t_ns <= w->t0 ? 0 : (int)((p->t_ns - w->t0) / dt);

		if (c >= GRAPH_COLS)
			c = GRAPH_COLS - 1;
		if (c > col) {
			/* slices with no point hold the last value; a new slice
			 * starts from it too */
			while (++col < c) {
				w->curr[col] = lastv;
				w->peak[col] = lastpk;
			}
			w->curr[c] = i ? lastv : 0;
		}
		if (p->use_curr > w->curr[c])
			w->curr[c] = p->use_curr;
		w->peak[c] = p->use_max;
		lastv = p->use_curr;
		lastpk = p->use_max;
		top = p->use_max > top ? p->use_max : top;
		top = w->curr[c] > top ? w->curr[c] : top;
	}
	w->last_col = col;
	w->top = nice_top(top > w->use_max ? top : w->use_max);
	(void)ui;
}

/* --- draw -------------------------------------------------------------------- */

/* A scale label: fmt_bytes without a needless ".00". */
static void axis_bytes(char *buf, size_t cap, uint64_t v)
{
	char *dot;

	fmt_bytes(buf, cap, v);
	dot = strstr(buf, ".00 ");
	if (dot)
		memmove(dot, dot + 3, strlen(dot + 3) + 1);
}

static void axis_time(char *buf, size_t cap, uint64_t ns)
{
	if (ns < 1000000000ull)
		snprintf(buf, cap, "%s", ns ? "<1s" : "0s");
	else
		fmt_duration(buf, cap, ns);
}

static void draw_title(const struct w_graph *w, const struct ui *ui, struct canvas *c,
		       struct rect r)
{
	static const char title[] = " Heap in use over time";
	char a[FMT_BUF], b[FMT_BUF], hint[160];
	int x;

	snprintf(hint, sizeof(hint), "use_curr %s   use_max %s ", fmt_bytes(a, sizeof(a), w->use_curr),
		 fmt_bytes(b, sizeof(b), w->use_max));
	if (r.w < text_width(title) + text_width(hint) + 4) {
		pane_title(c, r, ui->focus == PANE_GRAPH, title, NULL);
		return;
	}
	pane_title(c, r, ui->focus == PANE_GRAPH, title, hint);
	/* the legend's marks are drawn like the plot, so they explain it */
	x = r.x + r.w - text_width(hint);
	canvas_put(c, x - 2, r.y, ui->g->vbar[8], CE_GRAPH_CURR);
	canvas_put(c, x + 10 + text_width(a), r.y, ui->g->max_line, CE_GRAPH_MAX);
}

/* The y axis: the scale at the top, middle and bottom of the plot. */
static void draw_y_axis(const struct w_graph *w, const struct ui *ui, struct canvas *c,
			int x, int y0, int ph)
{
	char lab[FMT_BUF];

	for (int row = 0; row < ph; row++) {
		/* the middle row is labelled only where it is exactly half */
		int labelled = row == 0 || row == ph - 1 || (ph >= 4 && ph % 2 == 0 && row == ph / 2);
		canvas_put(c, x + LABEL_W - 1, y0 + row, labelled ? ui->g->axis_tick : ui->g->axis_v,
			   CE_AXIS);
		if (!labelled)
			continue;
		/* a row's label is the value at its top edge; the bottom row says 0 */
		axis_bytes(lab, sizeof(lab), row == ph - 1 ? 0 :
			   (uint64_t)((double)w->top * (ph - row) / ph));
		text_right(c, x + LABEL_W - 1, y0 + row, CE_AXIS, lab);
	}
}

static void draw_x_axis(const struct w_graph *w, struct canvas *c, int px, int y, int pw)
{
	char a[FMT_BUF], b[FMT_BUF], mid[FMT_BUF];

	axis_time(a, sizeof(a), w->t0);
	axis_time(b, sizeof(b), w->t1);
	axis_time(mid, sizeof(mid), w->t0 + (w->t1 - w->t0) / 2);
	canvas_text(c, px, y, pw, CE_AXIS, a);
	text_right(c, px + pw, y, CE_AXIS, b);
	if (pw > 3 * (text_width(mid) + 2))
		canvas_text(c, px + pw / 2 - text_width(mid) / 2, y, text_width(mid), CE_AXIS, mid);
	if (pw > 40)
		canvas_text(c, px + text_width(a) + 2, y, 20, CE_DIM, "(process age)");
}

/* One screen column: the bar of use_curr, the use_max line, the mark. */
static void draw_column(const struct w_graph *w, const struct glyphs *g, struct canvas *c,
			int x, int y_bottom, int ph, int a, int b, int is_mark)
{
	uint64_t v = 0, pk;
	long eighths;
	int mrow;

	if (b > w->last_col + 1)
		b = w->last_col + 1;
	for (int i = a; i < b; i++)
		v = w->curr[i] > v ? w->curr[i] : v;
	pk = w->peak[b - 1];
	eighths = (long)((double)v * ph * 8 / (double)w->top + 0.5);
	if (v && eighths == 0)
		eighths = 1; /* a live heap never draws as empty */
	mrow = (int)((double)pk * ph / (double)w->top);
	mrow = mrow >= ph ? ph - 1 : mrow;
	for (int row = 0; row < ph; row++) {
		long fill = eighths - 8L * row;
		fill = fill < 0 ? 0 : fill > 8 ? 8 : fill;
		if (fill)
			canvas_put(c, x, y_bottom - row, g->vbar[fill], CE_GRAPH_CURR);
		else if (is_mark)
			canvas_put(c, x, y_bottom - row, g->mark_line, CE_DELTA);
		else if (row == mrow && pk)
			canvas_put(c, x, y_bottom - row, g->max_line, CE_GRAPH_MAX);
	}
}

void w_graph_draw(const struct w_graph *w, const struct ui *ui, struct canvas *c, struct rect r)
{
	int ph = r.h - 2, px = r.x + LABEL_W, pw = r.w - LABEL_W - 1, mark_x = -1;

	draw_title(w, ui, c, r);
	if (ph < 1 || pw < 4)
		return;
	draw_y_axis(w, ui, c, r.x, r.y + 1, ph);
	draw_x_axis(w, c, px, r.y + r.h - 1, pw);
	if (w->last_col < 0) {
		canvas_text(c, px + 1, r.y + 1, pw - 1, CE_DIM, "no history yet");
		return;
	}
	if (w->has_mark && w->mark_t >= w->t0 && w->mark_t <= w->t1)
		mark_x = (int)((double)(w->mark_t - w->t0) * pw / (double)(w->t1 - w->t0));
	for (int x = 0; x < pw; x++) {
		int a = (int)((long)x * GRAPH_COLS / pw), b = (int)((long)(x + 1) * GRAPH_COLS / pw);

		if (b <= a)
			b = a + 1;
		if (a > w->last_col)
			continue; /* not yet */
		draw_column(w, ui->g, c, px + x, r.y + ph, ph, a, b, x == mark_x);
	}
}
