/*
 * tui/glyphs.h - the characters the live view draws with: Unicode blocks
 * and box lines on a UTF-8 terminal, a plain ASCII set otherwise (-a, or a
 * locale that is not UTF-8).  Widgets ask for a meaning, never a byte.
 */
#ifndef HEAPTOP_TUI_GLYPHS_H
#define HEAPTOP_TUI_GLYPHS_H

#include <stdint.h>

struct glyphs {
	uint32_t vbar[9];     /* vertical bar cell filled 0/8 .. 8/8 from the bottom */
	uint32_t hbar[9];     /* horizontal bar cell filled 0/8 .. 8/8 from the left */
	int partial;          /* 1 when partly filled cells look different */
	uint32_t max_line;    /* the use_max line in the graph */
	uint32_t mark_line;   /* the mark's column in the graph */
	uint32_t axis_v;      /* the y axis */
	uint32_t axis_tick;   /* a labelled point on the y axis */
	uint32_t sep_v;       /* a column separator */
	const char *delta;    /* "Δ" or "delta" */
	const char *up, *down; /* "more above/below" arrows */
};

/* The UTF-8 set, or the ASCII one when ascii is set. */
const struct glyphs *glyphs_get(int ascii);

#endif
