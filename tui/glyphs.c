/*
 * tui/glyphs.c - the two glyph sets of the live view (see glyphs.h).
 */
#include "glyphs.h"

static const struct glyphs utf8_set = {
	.vbar = { ' ', 0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588 },
	.hbar = { ' ', 0x258f, 0x258e, 0x258d, 0x258c, 0x258b, 0x258a, 0x2589, 0x2588 },
	.partial = 1,
	.max_line = 0x2500,   /* ─ */
	.mark_line = 0x250a,  /* ┊ */
	.axis_v = 0x2502,     /* │ */
	.axis_tick = 0x2524,  /* ┤ */
	.sep_v = 0x2502,
	.delta = "\xce\x94",  /* Δ */
	.up = "\xe2\x96\xb2", /* ▲ */
	.down = "\xe2\x96\xbc", /* ▼ */
};

static const struct glyphs ascii_set = {
	.vbar = { ' ', '.', '.', '.', ':', ':', ':', '#', '#' },
	.hbar = { ' ', '#', '#', '#', '#', '#', '#', '#', '#' },
	.partial = 0,         /* bars are rounded to whole cells */
	.max_line = '-',
	.mark_line = ':',
	.axis_v = '|',
	.axis_tick = '+',
	.sep_v = '|',
	.delta = "delta",
	.up = "^",
	.down = "v",
};

const struct glyphs *glyphs_get(int ascii)
{
	return ascii ? &ascii_set : &utf8_set;
}
