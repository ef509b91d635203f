/*
 * tui/w_stack.c - the stack screen (Enter on a table row): one call site's
 * estimates, each with the samples behind it, and its whole stack, every
 * frame named (function, file:line, module+offset), the frame the site is
 * named after marked "=>".  The site is found again by stack identity at
 * every refresh, so the numbers stay live.  Up/Down scroll; any other key
 * closes it (keys.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include "widgets.h"

static void add(struct w_stack *w, enum color_elem e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct w_stack *w, enum color_elem e, const char *fmt, ...)
{
	va_list ap;

	if (w->nlines == STACK_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(w->lines[w->nlines].text, sizeof(w->lines[w->nlines].text), fmt, ap);
	va_end(ap);
	w->lines[w->nlines++].elem = e;
}

static void estimates(struct w_stack *w, const struct model *m, const struct model_site *s)
{
	const struct site_values *v = &s->v;
	unsigned how = (m->cur.sample_rate == 1 ? FMT_EST_EXACT : 0) | (m->has_mark ? FMT_EST_SIGNED : 0);
	enum color_elem e = m->has_mark ? CE_DELTA : CE_VALUE;
	char a[2 * FMT_BUF];

	if (m->has_mark)
		add(w, CE_DELTA, "Changes since the mark (the peak is not one):");
	add(w, e, "live       %s", fmt_estimate_in(a, sizeof(a), v->live_bytes, v->live_blocks,
						      v->live_samples, how, "block"));
	add(w, e, "allocated  %s", fmt_estimate_in(a, sizeof(a), (int64_t)v->alloc_bytes,
						      (int64_t)v->alloc_blocks, (int64_t)v->alloc_samples, how,
						      "block"));
	add(w, e, "moved      %s", fmt_estimate_in(a, sizeof(a), (int64_t)v->move_bytes,
						      (int64_t)v->move_count, (int64_t)v->move_samples, how,
						      "realloc move"));
	if (m->cur.peak_valid && m->cur.peak_use_max)
		add(w, CE_VALUE, "at peak    %s", fmt_estimate_in(a, sizeof(a), (int64_t)v->peak_bytes,
								 (int64_t)v->peak_blocks,
								 (int64_t)v->peak_samples,
								 how & ~(unsigned)FMT_EST_SIGNED, "block"));
}

void w_stack_update(struct w_stack *w, const struct model *m, const struct ui *ui)
{
	const struct model_site *s = model_site_find(m, ui->stack_hash, ui->stack_frame0);
	struct sym_frame f;
	char where[256], line[1024];

	w->nlines = 0;
	w->found = s != NULL;
	if (!s) {
		snprintf(w->title, sizeof(w->title), "Call site: no longer in the segment");
		add(w, CE_DIM, "The site is gone (the process started a new image, or sampling stopped).");
		return;
	}
	snprintf(w->title, sizeof(w->title), "Call site: %s", symbols_format(&s->where, where, sizeof(where)));
	estimates(w, m, s);
	add(w, CE_DEFAULT, "%s", "");
	add(w, CE_PANE_TITLE, "Stack, innermost frame first (=> the frame the site is named after):");
	for (unsigned i = 0; i < s->s->nframes; i++) {
		model_site_frame(m, s, i, &f);
		add(w, i == s->where_index ? CE_VALUE : model_frame_is_allocator(&f) ? CE_DIM : CE_DEFAULT,
		    "%s #%-2u %s", i == s->where_index ? "=>" : "  ", i, symbols_format_long(&f, line, sizeof(line)));
	}
	if (s->s->flags & HEAPTOP_SITE_TRUNCATED)
		add(w, CE_DIM, "       ... (the stack was deeper, or unwinding stopped early)");
}

void w_stack_draw(const struct w_stack *w, const struct ui *ui, struct canvas *c)
{
	int first = ui->stack_scroll < 0 ? 0 : ui->stack_scroll;

	canvas_fill(c, (struct rect){ 0, 0, c->w, 1 }, ' ', CE_TITLE_BAR);
	canvas_text(c, 1, 0, c->w - 1, CE_TITLE_BAR, w->title);
	for (int i = first, y = 2; i < w->nlines && y < c->h - 1; i++, y++)
		canvas_text(c, 1, y, c->w - 1, w->lines[i].elem, w->lines[i].text);
	canvas_text(c, 1, c->h - 1, c->w - 1, CE_DIM,
		    "Up/Down, PgUp/PgDn scroll; any other key goes back to the tables.");
}
