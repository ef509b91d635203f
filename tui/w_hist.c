/*
 * tui/w_hist.c - the log2 size histogram pane: one of the four kinds of
 * counters.h (allocation sizes, realloc growth, shrink, move), only the
 * non-empty range of buckets, each with heapster's "[ 64 B .. 128 B)"
 * label, a bar, its count and its share.  Scrolls when the range is taller
 * than the pane; until the person scrolls, it shows the busiest buckets.
 */
#include <stdio.h>
#include <string.h>
#include "widgets.h"

static const char *const kind_names[HEAPTOP_HIST_KINDS] = {
#define W_HIST_X_NAME(id, key, desc) [HEAPTOP_HIST_##id] = desc,
	HEAPTOP_HISTOGRAMS(W_HIST_X_NAME)
#undef W_HIST_X_NAME
};

const char *w_hist_kind_name(enum heaptop_hist_kind k)
{
	return (unsigned)k < HEAPTOP_HIST_KINDS ? kind_names[k] : "?";
}

/* --- update ------------------------------------------------------------------ */

/* The first bucket of the `rows` consecutive buckets holding the most. */
static int busiest_window(const struct w_hist *w)
{
	uint64_t sum = 0, best = 0;
	int start = w->first;

	for (int i = w->first; i <= w->last; i++) {
		sum += w->count[i];
		if (i - w->first >= w->rows)
			sum -= w->count[i - w->rows];
		if (i - w->first + 1 >= w->rows && sum > best) {
			best = sum;
			start = i - w->rows + 1;
		}
	}
	return start;
}

static void pick_window(struct w_hist *w, int scroll)
{
	int span = w->last - w->first + 1;

	if (span <= w->rows || w->rows <= 0) {
		w->start = w->first;
		return;
	}
	if (scroll < 0) {
		w->start = busiest_window(w);
		return;
	}
	w->start = scroll < w->first ? w->first : scroll;
	if (w->start > w->last - w->rows + 1)
		w->start = w->last - w->rows + 1;
}

void w_hist_update(struct w_hist *w, const struct model *m, const struct ui *ui)
{
	struct heaptop_stats st;

	model_view_stats(m, &st);
	w->kind = ui->hist_kind;
	w->marked = m->has_mark;
	memcpy(w->count, st.hist[w->kind], sizeof(w->count));
	w->total = w->maxc = 0;
	w->first = HEAPTOP_HIST_BUCKETS;
	w->last = -1;
	for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++) {
		if (!w->count[i])
			continue;
		w->total += w->count[i];
		w->maxc = w->count[i] > w->maxc ? w->count[i] : w->maxc;
		w->first = i < w->first ? i : w->first;
		w->last = i;
	}
	w->rows = ui->layout.pane[PANE_HIST].h - 1;
	if (w->rows < 0)
		w->rows = 0;
	pick_window(w, ui->hist_scroll);
}

/* --- draw -------------------------------------------------------------------- */

static void draw_title(const struct w_hist *w, const struct ui *ui, struct canvas *c,
		       struct rect r)
{
	char title[160], arrows[64] = "", hint[160], n[FMT_BUF];
	int above = w->first <= w->last ? w->start - w->first : 0;
	int below = w->first <= w->last ? w->last - (w->start + w->rows - 1) : 0;
	int o = 0, room;

	snprintf(title, sizeof(title), " Histogram %d/%d: %s", (int)w->kind + 1, HEAPTOP_HIST_KINDS,
		 w_hist_kind_name(w->kind));
	if (w->marked)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), " (%s since mark)",
			 ui->g->delta);
	if (above > 0)
		o += snprintf(arrows + o, sizeof(arrows) - (size_t)o, "%s%d ", ui->g->up, above);
	if (below > 0)
		snprintf(arrows + o, sizeof(arrows) - (size_t)o, "%s%d ", ui->g->down, below);
	/* the hint loses its least useful parts first: the key, then the total */
	room = r.w - text_width(title) - 2;
	fmt_count(n, sizeof(n), w->total);
	snprintf(hint, sizeof(hint), "%s%s total  h: kind ", arrows, n);
	if (text_width(hint) > room)
		snprintf(hint, sizeof(hint), "%s%s total ", arrows, n);
	if (text_width(hint) > room)
		snprintf(hint, sizeof(hint), "%s", arrows);
	pane_title(c, r, ui->focus == PANE_HIST, title, hint);
}

/* A bar of `eighths` eighths of a cell (whole cells without partial glyphs). */
static void draw_bar(struct canvas *c, const struct glyphs *g, int x, int y, long eighths)
{
	if (!g->partial)
		eighths = eighths < 8 ? 8 : (eighths + 4) / 8 * 8;
	for (; eighths > 0; eighths -= 8, x++)
		canvas_put(c, x, y, g->hbar[eighths >= 8 ? 8 : eighths], CE_BAR);
}

void w_hist_draw(const struct w_hist *w, const struct ui *ui, struct canvas *c, struct rect r)
{
	char label[FMT_BUF], n[FMT_BUF];
	int lw = 0, nw = 0, bw, end;

	draw_title(w, ui, c, r);
	if (r.h < 2)
		return;
	if (w->first > w->last) {
		canvas_printf(c, r.x + 2, r.y + 1, r.w - 2, CE_DIM, "nothing counted yet%s",
			      w->marked ? " since the mark" : "");
		return;
	}
	end = w->start + w->rows - 1 < w->last ? w->start + w->rows - 1 : w->last;
	for (int i = w->start; i <= end; i++) {
		int lt = text_width(fmt_bucket(label, sizeof(label), (unsigned)i));
		int nt = text_width(fmt_count(n, sizeof(n), w->count[i]));
		lw = lt > lw ? lt : lw;
		nw = nt > nw ? nt : nw;
	}
	bw = r.w - 1 - lw - 1 - 1 - nw - 1 - 6 - 1;
	for (int i = w->start; i <= end; i++) {
		int y = r.y + 1 + (i - w->start), x = r.x + 1;
		double share = w->total ? 100.0 * (double)w->count[i] / (double)w->total : 0;

		canvas_text(c, x, y, lw, CE_LABEL, fmt_bucket(label, sizeof(label), (unsigned)i));
		x += lw + 1;
		if (bw > 0 && w->count[i]) {
			long e = (long)((double)w->count[i] / (double)w->maxc * bw * 8 + 0.5);
			draw_bar(c, ui->g, x, y, e > 0 ? e : 1);
		}
		x += (bw > 0 ? bw : 0) + 1;
		text_right(c, x + nw, y, w->marked ? CE_DELTA : CE_VALUE,
			   fmt_count(n, sizeof(n), w->count[i]));
		x += nw + 1;
		canvas_printf(c, x, y, 6, CE_RATE, "%5.1f%%", share);
	}
}
