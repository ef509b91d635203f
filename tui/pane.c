/*
 * tui/pane.c - what every pane of the live view shares: a title row that
 * shows which pane has the focus, and right-aligned text.
 */
#include <stdio.h>
#include <string.h>
#include "widgets.h"

void text_right(struct canvas *c, int x_end, int y, enum color_elem e, const char *s)
{
	canvas_text(c, x_end - text_width(s), y, text_width(s), e, s);
}

int text_wrap(struct canvas *c, struct rect r, enum color_elem e, const char *s)
{
	char line[256];
	int row = 0;

	while (*s && row < r.h && r.w > 0) {
		int n = 0, cut = 0, cols = 0;

		/* take bytes while they fit; remember the last space to break at */
		while (s[n] && cols < r.w && n < (int)sizeof(line) - 1) {
			if (s[n] == ' ')
				cut = n;
			if (((unsigned char)s[n] & 0xc0) != 0x80)
				cols++;
			n++;
		}
		while (((unsigned char)s[n] & 0xc0) == 0x80 && n < (int)sizeof(line) - 1)
			n++; /* finish a UTF-8 sequence */
		if (s[n] && s[n] != ' ' && cut > 0)
			n = cut;
		memcpy(line, s, (size_t)n);
		line[n] = '\0';
		canvas_text(c, r.x, r.y + row++, r.w, e, line);
		s += n;
		while (*s == ' ')
			s++;
	}
	return row;
}

void pane_title(struct canvas *c, struct rect r, int focused, const char *title, const char *hint)
{
	enum color_elem e = focused ? CE_PANE_FOCUS : CE_PANE_TITLE;
	int used;

	if (r.h < 1 || r.w < 1)
		return;
	canvas_fill(c, (struct rect){ r.x, r.y, r.w, 1 }, ' ', focused ? CE_PANE_FOCUS : CE_DEFAULT);
	used = canvas_text(c, r.x, r.y, r.w, e, title);
	if (focused && title[0] == ' ')
		canvas_put(c, r.x, r.y, '>', e); /* the focus shows without colour too */
	if (hint && hint[0] && used + 2 + text_width(hint) <= r.w)
		text_right(c, r.x + r.w, r.y, focused ? CE_PANE_FOCUS : CE_DIM, hint);
}
