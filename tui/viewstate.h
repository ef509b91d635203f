/*
 * tui/viewstate.h - the whole live view in one struct: the person's choices,
 * the widgets' current values and the canvas they draw into, and the steps
 * that need no terminal (viewstate.c).  view.c owns one; key handlers
 * (keys.c) get it to change choices and to read where a pane is scrolled to.
 */
#ifndef HEAPTOP_TUI_VIEWSTATE_H
#define HEAPTOP_TUI_VIEWSTATE_H

#include "view.h"
#include "widgets.h"

struct view {
	struct ui ui;
	struct w_header header;
	struct w_graph graph;
	struct w_hist hist;
	struct w_sites sites[2];   /* PANE_SITES, PANE_MOVES */
	struct w_stack stack;      /* the stack screen, while ui.show_stack */
	struct w_footer footer;
	struct canvas canvas;
};

/* Sets the starting choices from o (ASCII glyphs when !utf8). */
void view_init(struct view *v, const struct view_opts *o, int utf8);
/* Lays out for a w x h screen; 0, or -1 when out of memory (old size kept). */
int view_resize(struct view *v, int w, int h);
/* Recomputes every widget's values from m. */
void view_update(struct view *v, const struct model *m);
/* The table widget of pane p (PANE_SITES or PANE_MOVES). */
struct w_sites *view_table(struct view *v, enum pane p);
/* Draws every widget (or the help or stack screen) into v->canvas. */
void view_render(struct view *v);
/* Frees the canvas. */
void view_free(struct view *v);

#endif
