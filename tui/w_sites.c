/*
 * tui/w_sites.c - the table panes: the top call sites (or, switched with
 * `v`, the peak contributors) and the realloc-move hotspots.  The update
 * step takes the rows that fit from one of the model's site orders (the
 * sort column's, read backwards for ascending), scrolled so the selected
 * row shows; every number cell is an estimate with the samples behind it,
 * "~12.3M (41)".  The draw step keeps the sort column and the call site
 * and shows the other columns the pane has room for.  Without sites the
 * pane says why (sampling off, nothing sampled yet, ...).
 */
#include <stdio.h>
#include <string.h>
#include "widgets.h"

struct table_col {
	const char *name;
	int width;                    /* columns, 0 for "the rest" */
	enum site_order order;        /* the order sorting by it reads */
};

#define NUM_W 14                  /* a number cell: "~1023.9M (99k)" */
#define SITE_MIN_W 30             /* the call-site column keeps at least this */

static const struct table_col site_cols[] = {
	{ "live", NUM_W, SITE_BY_LIVE }, { "alloc'd", NUM_W, SITE_BY_ALLOC_BYTES },
	{ "blocks", NUM_W, SITE_BY_BLOCKS }, { "moves", NUM_W, SITE_BY_MOVES },
	{ "call site", 0, SITE_BY_LIVE },
};
static const struct table_col move_cols[] = {
	{ "copied", NUM_W, SITE_MOVERS_BY_BYTES }, { "moves", NUM_W, SITE_MOVERS_BY_COUNT },
	{ "avg", NUM_W, SITE_MOVERS_BY_AVG }, { "call site", 0, SITE_MOVERS_BY_BYTES },
};
static const struct table_col peak_cols[] = {
	{ "at peak", NUM_W, SITE_PEAK_BY_BYTES }, { "live now", NUM_W, SITE_PEAK_BY_LIVE },
	{ "call site", 0, SITE_PEAK_BY_BYTES },
};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct table_col *columns(enum table t, int *n)
{
	switch (t) {
	case TABLE_MOVES: *n = NCOLS(move_cols); return move_cols;
	case TABLE_PEAK: *n = NCOLS(peak_cols); return peak_cols;
	default: *n = NCOLS(site_cols); return site_cols;
	}
}

enum table w_sites_table(const struct ui *ui, enum pane p)
{
	if (p == PANE_MOVES)
		return TABLE_MOVES;
	return ui->sites_peak ? TABLE_PEAK : TABLE_SITES;
}

int w_sites_columns(enum table t)
{
	int n;

	columns(t, &n);
	return n;
}

const char *w_sites_column_name(enum table t, int col)
{
	int n;
	const struct table_col *cols = columns(t, &n);

	return col >= 0 && col < n ? cols[col].name : "?";
}

/* ---- update ------------------------------------------------------------------------ */

/* Cell col of a site: the estimate, the samples behind it and how to write it. */
static void cell(enum table t, int col, const struct model_site *s, int64_t *v, int64_t *n,
		 unsigned *how)
{
	const struct site_values *x = &s->v;

	*how = FMT_EST_SHORT;
	if (t == TABLE_SITES) {
		const int64_t vals[] = { x->live_bytes, (int64_t)x->alloc_bytes, (int64_t)x->alloc_blocks,
					 (int64_t)x->move_count };
		const int64_t ns[] = { x->live_samples, (int64_t)x->alloc_samples, (int64_t)x->alloc_samples,
				       (int64_t)x->move_samples };
		*v = vals[col], *n = ns[col];
		*how |= col < 2 ? FMT_EST_BYTES : 0;
	} else if (t == TABLE_MOVES) {
		*v = col == 0 ? (int64_t)x->move_bytes : col == 1 ? (int64_t)x->move_count :
		     x->move_count ? (int64_t)(x->move_bytes / x->move_count) : 0;
		*n = (int64_t)x->move_samples;
		*how |= col != 1 ? FMT_EST_BYTES : 0;
	} else {
		*v = col == 0 ? (int64_t)x->peak_bytes : x->live_bytes;
		*n = col == 0 ? (int64_t)x->peak_samples : x->live_samples;
		*how |= FMT_EST_BYTES;
	}
}

static void fill_row(struct w_site_row *row, enum table t, const struct model *m,
		     const struct model_site *s)
{
	int ncols = w_sites_columns(t) - 1;

	for (int c = 0; c < ncols; c++) {
		int64_t v, n;
		unsigned how;
		cell(t, c, s, &v, &n, &how);
		if (m->cur.sample_rate == 1)
			how |= FMT_EST_EXACT;
		if (m->has_mark && !(t == TABLE_PEAK && c == 0))
			how |= FMT_EST_SIGNED; /* changes since the mark; the peak never is one */
		fmt_estimate(row->cell[c], sizeof(row->cell[c]), v, n, how);
	}
	symbols_format(&s->where, row->where, sizeof(row->where));
	row->hash = s->s->hash;
	row->frame0 = s->s->nframes ? s->s->frames[0] : 0;
}

/* Why the table has no rows. */
static void empty_note(struct w_sites *w, const struct model *m)
{
	const char *why = model_sampling_note(&m->cur);

	if (why)
		snprintf(w->note, sizeof(w->note), "%s", why);
	else if (w->table == TABLE_MOVES)
		snprintf(w->note, sizeof(w->note), "no realloc move sampled%s", m->has_mark ? " since the mark" : " yet");
	else if (w->table == TABLE_PEAK)
		snprintf(w->note, sizeof(w->note), "%s", !m->cur.peak_valid ? "the peak copy is being rewritten" :
			 "no peak copied yet");
	else
		snprintf(w->note, sizeof(w->note), "no allocation sampled%s", m->has_mark ? " since the mark" : " yet");
}

static void dropped_note(struct w_sites *w, const struct model *m)
{
	const struct seg_snapshot *s = &m->cur;

	w->dropped[0] = '\0';
	if (s->sampling == SEG_SAMPLING_ON && (s->sites_dropped || s->live_dropped))
		snprintf(w->dropped, sizeof(w->dropped), "dropped: %llu samples (site table full), "
			 "%llu blocks not followed", (unsigned long long)s->sites_dropped,
			 (unsigned long long)s->live_dropped);
	else if (s->sampling == SEG_SAMPLING_ON && s->pending_unsettled)
		snprintf(w->dropped, sizeof(w->dropped), "read while a thread moved its site deltas: "
			 "a site may be a few samples off until the next refresh");
}

/* The table rows [first, first + visible) that keep the selection in view. */
static void place(struct w_sites *w, const struct ui *ui)
{
	size_t sel = ui->table_sel[w->pane] > 0 ? (size_t)ui->table_sel[w->pane] : 0;
	size_t first = ui->table_scroll[w->pane] > 0 ? (size_t)ui->table_scroll[w->pane] : 0;
	size_t vis = (size_t)w->visible;

	if (sel >= w->total)
		sel = w->total ? w->total - 1 : 0;
	if (sel < first)
		first = sel;
	if (vis && sel >= first + vis)
		first = sel - vis + 1;
	if (first + vis > w->total)
		first = w->total > vis ? w->total - vis : 0;
	w->first = first;
	w->sel = w->total && vis ? (int)(sel - first) : -1;
}

void w_sites_update(struct w_sites *w, enum pane p, const struct model *m, const struct ui *ui)
{
	int n, h = ui->layout.pane[p].h;
	const struct table_col *cols;

	w->pane = p;
	w->table = w_sites_table(ui, p);
	cols = columns(w->table, &n);
	w->sort_col = ui->sort_col[w->table] >= 0 && ui->sort_col[w->table] < n - 1 ? ui->sort_col[w->table] : 0;
	w->sort_asc = ui->sort_asc[w->table];
	w->marked = m->has_mark;
	w->note[0] = '\0';
	dropped_note(w, m);
	enum site_order o = cols[w->sort_col].order;
	w->total = model_site_count(m, o);
	w->visible = h - 2 - (w->dropped[0] ? 1 : 0);
	w->visible = w->visible < 0 ? 0 : w->visible > SITES_ROWS_MAX ? SITES_ROWS_MAX : w->visible;
	place(w, ui);
	w->nrows = 0;
	for (size_t i = w->first; i < w->total && w->nrows < (size_t)w->visible; i++) {
		size_t k = w->sort_asc ? w->total - 1 - i : i;
		fill_row(&w->rows[w->nrows++], w->table, m, model_site_at(m, o, k));
	}
	if (!w->total)
		empty_note(w, m);
}

/* ---- draw -------------------------------------------------------------------------- */

/* Which number columns fit next to the call site: the sort column always. */
static void shown_columns(const struct w_sites *w, int width, int *shown)
{
	int n, used = 1 + NUM_W + 1;
	const struct table_col *cols = columns(w->table, &n);

	for (int i = 0; i < n - 1; i++) {
		shown[i] = i == w->sort_col;
		if (!shown[i] && used + cols[i].width + 1 + SITE_MIN_W <= width) {
			shown[i] = 1;
			used += cols[i].width + 1;
		}
	}
}

static void draw_header_row(const struct w_sites *w, const struct ui *ui, struct canvas *c,
			    struct rect r, const int *shown)
{
	int n, x = r.x + 1;
	const struct table_col *cols = columns(w->table, &n);

	for (int i = 0; i < n && x < r.x + r.w; i++) {
		if (i < n - 1 && !shown[i])
			continue;
		int cw = cols[i].width ? cols[i].width : r.x + r.w - x;
		enum color_elem e = i == w->sort_col ? CE_PANE_TITLE : CE_LABEL;
		int used = canvas_text(c, x, r.y, cw, e, cols[i].name);
		if (i == w->sort_col)
			used += canvas_text(c, x + used, r.y, cw - used, e, w->sort_asc ? ui->g->up : ui->g->down);
		if (i == n - 1 && used + 16 <= cw)
			canvas_text(c, x + used + 2, r.y, cw - used - 2, CE_DIM, "(n): samples");
		x += cw + 1;
	}
}

static void draw_row(const struct w_sites *w, const struct w_site_row *row, int selected,
		     struct canvas *c, struct rect r, const int *shown)
{
	int n, x = r.x + 1;
	enum color_elem e = selected ? CE_SELECTED : w->marked ? CE_DELTA : CE_VALUE;

	columns(w->table, &n);
	if (selected)
		canvas_fill(c, r, ' ', CE_SELECTED);
	for (int i = 0; i < n - 1; i++) {
		if (!shown[i])
			continue;
		int tw = text_width(row->cell[i]);
		canvas_text(c, x + (tw < NUM_W ? NUM_W - tw : 0), r.y, NUM_W, e, row->cell[i]);
		x += NUM_W + 1;
	}
	canvas_text(c, x, r.y, r.x + r.w - x, selected ? CE_SELECTED : CE_DEFAULT, row->where);
}

static const char *title_of(const struct w_sites *w)
{
	switch (w->table) {
	case TABLE_MOVES: return w->marked ? " Realloc-move hotspots since mark" : " Realloc-move hotspots";
	case TABLE_PEAK: return " Peak contributors";
	default: return w->marked ? " Top call sites since mark" : " Top call sites";
	}
}

void w_sites_draw(const struct w_sites *w, const struct ui *ui, struct canvas *c, struct rect r)
{
	int shown[SITES_COLS_MAX];
	char hint[96];

	snprintf(hint, sizeof(hint), "sort: %s  < > I%s Enter ", w_sites_column_name(w->table, w->sort_col),
		 w->pane == PANE_SITES ? " v" : "");
	pane_title(c, r, ui->focus == w->pane, title_of(w), hint);
	if (r.h < 2)
		return;
	if (!w->total) {
		text_wrap(c, (struct rect){ r.x + 1, r.y + 1, r.w - 2, r.h - 1 }, CE_DIM, w->note);
		return;
	}
	shown_columns(w, r.w, shown);
	draw_header_row(w, ui, c, (struct rect){ r.x, r.y + 1, r.w, 1 }, shown);
	for (size_t i = 0; i < w->nrows; i++)
		draw_row(w, &w->rows[i], ui->focus == w->pane && (int)i == w->sel, c,
			 (struct rect){ r.x, r.y + 2 + (int)i, r.w, 1 }, shown);
	if (w->dropped[0] && r.h >= 3)
		canvas_text(c, r.x + 1, r.y + r.h - 1, r.w - 1, CE_WARNING, w->dropped);
}
