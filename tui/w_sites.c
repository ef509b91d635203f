/*
 * tui/w_sites.c - the table panes: top call sites and realloc-move
 * hotspots.  The table (columns, sort column and order, header row,
 * scrolling) is in place; this build samples no call sites, so the update
 * step finds no rows and the pane says so plainly.  When sampling arrives,
 * w_sites_update() fills rows from the model and the draw step lists them.
 */
#include <stdio.h>
#include "widgets.h"

struct table_col {
	const char *name;
	int width;           /* columns, 0 for "the rest" */
};

static const struct table_col site_cols[] = {
	{ "live", 10 }, { "allocs", 10 }, { "alloc'd", 10 }, { "avg", 9 }, { "call site", 0 },
};
static const struct table_col move_cols[] = {
	{ "moves", 10 }, { "copied", 10 }, { "avg", 9 }, { "call site", 0 },
};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct table_col *columns(enum pane p, int *n)
{
	if (p == PANE_MOVES) {
		*n = NCOLS(move_cols);
		return move_cols;
	}
	*n = NCOLS(site_cols);
	return site_cols;
}

int w_sites_columns(enum pane p)
{
	int n;

	columns(p, &n);
	return n;
}

const char *w_sites_column_name(enum pane p, int col)
{
	int n;
	const struct table_col *cols = columns(p, &n);

	return col >= 0 && col < n ? cols[col].name : "?";
}

void w_sites_update(struct w_sites *w, enum pane p, const struct model *m, const struct ui *ui)
{
	w->pane = p;
	w->available = 0; /* no call-site data in the segment of this version */
	w->nrows = 0;
	w->sort_col = ui->sort_col[p];
	w->sort_asc = ui->sort_asc[p];
	(void)m;
}

static void draw_header_row(const struct w_sites *w, const struct ui *ui, struct canvas *c,
			    struct rect r)
{
	int n, x = r.x + 1;
	const struct table_col *cols = columns(w->pane, &n);

	for (int i = 0; i < n && x < r.x + r.w; i++) {
		int cw = cols[i].width ? cols[i].width : r.x + r.w - x;
		enum color_elem e = i == w->sort_col ? CE_PANE_TITLE : CE_LABEL;
		int used = canvas_text(c, x, r.y, cw, e, cols[i].name);

		if (i == w->sort_col)
			canvas_text(c, x + used, r.y, cw - used, e, w->sort_asc ? ui->g->up : ui->g->down);
		x += cw + 1;
	}
}

void w_sites_draw(const struct w_sites *w, const struct ui *ui, struct canvas *c, struct rect r)
{
	char hint[96];

	snprintf(hint, sizeof(hint), "sort: %s  < > I ", w_sites_column_name(w->pane, w->sort_col));
	pane_title(c, r, ui->focus == w->pane, w->pane == PANE_MOVES ? " Realloc-move hotspots" :
		   " Top call sites", hint);
	if (!w->available) {
		text_wrap(c, (struct rect){ r.x + 1, r.y + 1, r.w - 2, r.h - 1 }, CE_DIM,
			  "call-site sampling not available in this build");
		return;
	}
	if (r.h >= 2)
		draw_header_row(w, ui, c, (struct rect){ r.x, r.y + 1, r.w, 1 });
}
