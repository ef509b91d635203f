/*
 * tui/layout.c - the geometry of the live view.  Top to bottom: header,
 * graph, histogram (side by side with the graph on very wide screens), the
 * two table panes side by side, the status line and the key line.  At
 * 80x24 every pane keeps at least its title and a few rows.
 */
#include "layout.h"

static struct rect mkrect(int x, int y, int w, int h)
{
	struct rect r = { x, y, w > 0 ? w : 0, h > 0 ? h : 0 };
	return r;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void layout_compute(struct layout *l, int w, int h, int header_rows)
{
	int rest, sites_h, graph_h, y;

	l->w = w;
	l->h = h;
	l->header = mkrect(0, 0, w, header_rows);
	l->keys = mkrect(0, h - 1, w, 1);
	l->status = mkrect(0, h - 2, w, 1);
	rest = h - header_rows - 2;
	if (rest < 0)
		rest = 0;
	sites_h = rest < 20 ? clamp(rest / 5, 0, 3) : clamp(rest / 5, 3, 14);
	y = header_rows;
	if (w >= 160) {
		graph_h = rest - sites_h;
		l->pane[PANE_GRAPH] = mkrect(0, y, w / 2, graph_h);
		l->pane[PANE_HIST] = mkrect(w / 2 + 1, y, w - w / 2 - 1, graph_h);
	} else {
		graph_h = (rest - sites_h) / 2;
		if (graph_h < 5 && rest - sites_h >= 10)
			graph_h = 5;
		l->pane[PANE_GRAPH] = mkrect(0, y, w, graph_h);
		l->pane[PANE_HIST] = mkrect(0, y + graph_h, w, rest - sites_h - graph_h);
		graph_h = rest - sites_h;
	}
	y += graph_h;
	l->pane[PANE_SITES] = mkrect(0, y, w / 2, sites_h);
	l->pane[PANE_MOVES] = mkrect(w / 2 + 1, y, w - w / 2 - 1, sites_h);
}
