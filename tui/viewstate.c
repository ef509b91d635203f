/*
 * tui/viewstate.c - putting the live view together without a terminal:
 * the person's starting choices, the layout for a screen size, updating
 * every widget from the model, and rendering them all into the canvas.
 * view.c shows the canvas; the unit tests read it back as text.
 */
#include <string.h>
#include "layout.h"
#include "viewstate.h"

/* Smaller than this, the view only says it needs more room. */
#define MIN_W 40
#define MIN_H 12

void view_init(struct view *v, const struct view_opts *o, int utf8)
{
	struct ui *ui = &v->ui;

	memset(v, 0, sizeof(*v));
	ui->delay_s = o->delay_s > 0 ? o->delay_s : 1.0;
	ui->snapshot_dir = o->snapshot_dir && o->snapshot_dir[0] ? o->snapshot_dir : ".";
	ui->ascii = o->ascii || !utf8;
	ui->g = glyphs_get(ui->ascii);
	ui->focus = PANE_HIST;
	ui->hist_kind = HEAPTOP_HIST_ALLOC;
	ui->hist_scroll = -1;
}

int view_resize(struct view *v, int w, int h)
{
	if (canvas_resize(&v->canvas, w, h) != 0)
		return -1;
	layout_compute(&v->ui.layout, w, h, w_header_rows(w));
	return 0;
}

void view_update(struct view *v, const struct model *m)
{
	w_header_update(&v->header, m, &v->ui);
	w_graph_update(&v->graph, m, &v->ui);
	w_hist_update(&v->hist, m, &v->ui);
	w_sites_update(&v->sites[0], PANE_SITES, m, &v->ui);
	w_sites_update(&v->sites[1], PANE_MOVES, m, &v->ui);
	w_footer_update(&v->footer, m, &v->ui);
	if (v->ui.show_stack)
		w_stack_update(&v->stack, m, &v->ui);
}

struct w_sites *view_table(struct view *v, enum pane p)
{
	return &v->sites[p == PANE_MOVES ? 1 : 0];
}

void view_render(struct view *v)
{
	const struct layout *l = &v->ui.layout;
	struct canvas *c = &v->canvas;

	canvas_clear(c);
	if (v->ui.show_help) {
		w_help_draw(&v->ui, c);
	} else if (v->ui.show_stack) {
		w_stack_draw(&v->stack, &v->ui, c);
	} else if (c->w < MIN_W || c->h < MIN_H) {
		canvas_printf(c, 0, 0, c->w, CE_WARNING, "heaptop needs %dx%d, this is %dx%d",
			      MIN_W, MIN_H, c->w, c->h);
	} else {
		w_header_draw(&v->header, &v->ui, c, l->header);
		w_graph_draw(&v->graph, &v->ui, c, l->pane[PANE_GRAPH]);
		w_hist_draw(&v->hist, &v->ui, c, l->pane[PANE_HIST]);
		w_sites_draw(&v->sites[0], &v->ui, c, l->pane[PANE_SITES]);
		w_sites_draw(&v->sites[1], &v->ui, c, l->pane[PANE_MOVES]);
		w_footer_draw(&v->footer, &v->ui, c);
	}
}

void view_free(struct view *v)
{
	canvas_free(&v->canvas);
}
