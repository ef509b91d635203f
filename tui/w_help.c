/*
 * tui/w_help.c - the `?` screen: every key from the key table, then what
 * each counter means, straight from the counter list in counters.h (when
 * the terminal is tall enough to show all of them).
 */
#include <stdio.h>
#include "keys.h"
#include "widgets.h"

struct counter_doc {
	const char *name, *desc;
};

static const struct counter_doc counter_docs[] = {
	{ "use_curr", "usable bytes live now" },
	{ "use_max", "peak of use_curr since the process started" },
	{ "alloc_avg", "alloc_bytes / alloc_count" },
#define W_HELP_X_DOC(name, unit, desc) { #name, desc },
	HEAPTOP_COUNTERS(W_HELP_X_DOC)
#undef W_HELP_X_DOC
};
#define NCOUNTERS (sizeof(counter_docs) / sizeof(counter_docs[0]))

/* Name in one column, description wrapped in the rest; returns the next row. */
static int entry(struct canvas *c, int y, int name_w, enum color_elem e, const char *name,
		 const char *desc)
{
	canvas_text(c, 2, y, name_w, e, name);
	return y + text_wrap(c, (struct rect){ 3 + name_w, y, c->w - 4 - name_w, c->h - y },
			     CE_DEFAULT, desc);
}

/* Rows the counter glossary needs at this width (two per entry at most). */
static int counters_rows(const struct canvas *c)
{
	int rows = 0, w = c->w - 4 - 21;

	for (size_t i = 0; i < NCOUNTERS; i++)
		rows += w > 0 && text_width(counter_docs[i].desc) <= w ? 1 : 2;
	return rows;
}

void w_help_draw(const struct ui *ui, struct canvas *c)
{
	const struct key_doc *docs;
	size_t n;
	int y = 0;

	canvas_fill(c, (struct rect){ 0, 0, c->w, 1 }, ' ', CE_TITLE_BAR);
	canvas_text(c, 1, y++, c->w - 1, CE_TITLE_BAR,
		    "heaptop - a live view of a program's heap.  Any key closes this help.");
	y++;
	docs = keys_docs(&n);
	for (size_t i = 0; i < n && y < c->h; i++)
		y = entry(c, y, 7, CE_KEY, docs[i].keys, docs[i].desc);
	if (++y >= c->h)
		return;
	if (y + 1 + counters_rows(c) > c->h) {
		text_wrap(c, (struct rect){ 1, y, c->w - 2, c->h - y }, CE_DIM,
			  "A taller terminal shows what each counter means here; heaptop(1) describes them too.");
		return;
	}
	canvas_text(c, 1, y++, c->w - 1, CE_PANE_TITLE, "Counters (exact; deltas while a mark is set)");
	for (size_t i = 0; i < NCOUNTERS && y < c->h; i++)
		y = entry(c, y, 20, CE_LABEL, counter_docs[i].name, counter_docs[i].desc);
	(void)ui;
}
