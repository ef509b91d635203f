/*
 * tui/canvas.c - the cell grid widgets draw into (see canvas.h), with the
 * small UTF-8 decoder and encoder it needs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "canvas.h"

/* Decodes one code point at *s (advancing it); malformed input gives '?'. */
static uint32_t utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp;
	int n, i;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 3;
	} else {
		*s += 1;
		return '?';
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return '?';
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s += n + 1;
	return cp;
}

/* Writes cp as UTF-8 into out (4 bytes room); returns the length. */
static size_t utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Control characters and anything wider than a column are not drawn. */
static uint32_t printable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x300 && cp < 0x370))
		return '?';
	if (cp >= 0x1100 && !(cp >= 0x2000 && cp < 0x2c00)) /* CJK, emoji: wide */
		return '?';
	return cp;
}

int canvas_resize(struct canvas *c, int w, int h)
{
	struct cell *cells;

	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	cells = calloc((size_t)w * (size_t)h, sizeof(*cells));
	if (!cells)
		return -1;
	free(c->cells);
	c->cells = cells;
	c->w = w;
	c->h = h;
	canvas_clear(c);
	return 0;
}

void canvas_clear(struct canvas *c)
{
	for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++) {
		c->cells[i].ch = ' ';
		c->cells[i].elem = CE_DEFAULT;
	}
}

void canvas_free(struct canvas *c)
{
	free(c->cells);
	c->cells = NULL;
	c->w = c->h = 0;
}

const struct cell *canvas_at(const struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

void canvas_put(struct canvas *c, int x, int y, uint32_t ch, enum color_elem e)
{
	struct cell *cell = (struct cell *)canvas_at(c, x, y);

	if (cell) {
		cell->ch = printable(ch);
		cell->elem = e;
	}
}

void canvas_fill(struct canvas *c, struct rect r, uint32_t ch, enum color_elem e)
{
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			canvas_put(c, x, y, ch, e);
}

int canvas_text(struct canvas *c, int x, int y, int maxw, enum color_elem e, const char *s)
{
	int n = 0;

	while (*s && n < maxw) {
		canvas_put(c, x + n, y, utf8_next(&s), e);
		n++;
	}
	return n;
}

int canvas_printf(struct canvas *c, int x, int y, int maxw, enum color_elem e,
		  const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, maxw, e, buf);
}

int text_width(const char *s)
{
	int n = 0;

	while (*s) {
		utf8_next(&s);
		n++;
	}
	return n;
}

size_t canvas_row_utf8(const struct canvas *c, int y, char *buf, size_t cap)
{
	size_t o = 0;
	char tmp[4];

	if (cap == 0)
		return 0;
	for (int x = 0; x < c->w && y >= 0 && y < c->h; x++) {
		size_t n = utf8_put(canvas_at(c, x, y)->ch, tmp);
		if (o + n >= cap)
			break;
		for (size_t i = 0; i < n; i++)
			buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return o;
}
