/*
 * tui/strpool.h - a set of strings that each exist once and live until the
 * pool is freed, so callers can keep plain pointers to them (the names the
 * symbolizer hands out).  No curses here.
 */
#ifndef HEAPTOP_TUI_STRPOOL_H
#define HEAPTOP_TUI_STRPOOL_H

#include <stddef.h>

struct strpool {
	char **slots;            /* open addressing, NULL = empty */
	size_t cap, used;
};

/* The pool's copy of s (added on first use); NULL when out of memory. */
const char *strpool_get(struct strpool *p, const char *s);
/* Frees every string and the table; the pool is empty again. */
void strpool_free(struct strpool *p);

#endif
