/*
 * tui/sanitize.c - terminal-safe copies of untrusted strings (see
 * sanitize.h).  A strict UTF-8 decoder: anything it does not accept becomes
 * one '?' per byte, so nothing a target writes can move the cursor, change
 * colours, retitle the window or reorder the text around it.
 */
#include <stdint.h>
#include "sanitize.h"

/* Decodes one UTF-8 sequence at s (n bytes available); its length, or 0
 * when invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t need;
	uint32_t min, c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		need = 2, min = 0x80, c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		need = 3, min = 0x800, c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		need = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need;
}

/* Code points that must not reach a terminal. */
static int unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||         /* C0, DEL, C1 */
	       (c >= 0x200e && c <= 0x200f) ||                  /* LRM, RLM */
	       (c >= 0x202a && c <= 0x202e) ||                  /* bidi embeddings/overrides */
	       (c >= 0x2066 && c <= 0x2069) ||                  /* bidi isolates */
	       c == 0x2028 || c == 0x2029 || c == 0xfeff;       /* separators, BOM */
}

size_t sanitize_text(char *dst, size_t cap, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0;

	while (i < len && s[i] != '\0') {
		size_t end = i;
		while (end < len && s[end] != '\0' && end - i < 4)
			end++;
		uint32_t cp;
		size_t k = utf8_decode(s + i, end - i, &cp);
		if (k == 0 || unsafe(cp)) {
			if (o + 1 >= cap)
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + k >= cap)
			break;
		for (size_t j = 0; j < k; j++)
			dst[o++] = (char)s[i + j];
		i += k;
	}
	dst[o] = '\0';
	return o;
}
