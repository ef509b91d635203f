/*
 * tui/canvas.h - a screen-sized grid of cells that widgets draw into (one
 * code point and one colour meaning per cell).  The terminal layer copies a
 * finished canvas to the screen, so widgets never touch curses and can be
 * tested by reading rows back as text.  Every code point takes one column:
 * callers pass printable text; anything else becomes '?'.
 */
#ifndef HEAPTOP_TUI_CANVAS_H
#define HEAPTOP_TUI_CANVAS_H

#include <stddef.h>
#include <stdint.h>
#include "colors.h"

/* A rectangle of cells; w or h <= 0 means empty. */
struct rect {
	int x, y, w, h;
};

struct cell {
	uint32_t ch;             /* Unicode code point */
	enum color_elem elem;    /* what it means */
};

struct canvas {
	int w, h;
	struct cell *cells;      /* h rows of w cells */
};

/* Makes c w x h and blank; 0, or -1 when out of memory (c keeps its old size). */
int canvas_resize(struct canvas *c, int w, int h);
/* Blanks every cell. */
void canvas_clear(struct canvas *c);
/* Frees the cells. */
void canvas_free(struct canvas *c);
/* The cell at (x, y), or NULL outside the canvas. */
const struct cell *canvas_at(const struct canvas *c, int x, int y);
/* Sets one cell; outside the canvas it does nothing. */
void canvas_put(struct canvas *c, int x, int y, uint32_t ch, enum color_elem e);
/* Fills r with ch. */
void canvas_fill(struct canvas *c, struct rect r, uint32_t ch, enum color_elem e);
/* Writes UTF-8 text at (x, y), at most maxw columns; returns columns written. */
int canvas_text(struct canvas *c, int x, int y, int maxw, enum color_elem e, const char *s);
/* Like canvas_text, printf-style. */
int canvas_printf(struct canvas *c, int x, int y, int maxw, enum color_elem e,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Columns the UTF-8 text s takes. */
int text_width(const char *s);
/* Row y as UTF-8 (trailing blanks kept) into buf; returns bytes written. */
size_t canvas_row_utf8(const struct canvas *c, int y, char *buf, size_t cap);

#endif
