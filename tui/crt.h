/*
 * tui/crt.h - the terminal: start and restore it, copy a finished canvas to
 * the screen, read a key with a timeout.  Keys come back as our own codes,
 * so nothing outside tui/crt.c needs curses.
 */
#ifndef HEAPTOP_TUI_CRT_H
#define HEAPTOP_TUI_CRT_H

#include "canvas.h"

/* Special keys (printable keys and control characters are their byte). */
enum crt_key {
	CRT_KEY_NONE = -1,        /* timeout, or interrupted by a signal */
	CRT_KEY_RESIZE = 0x10000, /* the terminal changed size */
	CRT_KEY_UP,
	CRT_KEY_DOWN,
	CRT_KEY_PGUP,
	CRT_KEY_PGDN,
	CRT_KEY_HOME,
	CRT_KEY_END,
	CRT_KEY_BTAB,             /* shift-tab */
	CRT_KEY_F1,
	CRT_KEY_F10,
	CRT_KEY_QUIT,             /* SIGINT, SIGTERM or SIGHUP arrived */
	CRT_KEY_OTHER,            /* a key we have no use for */
};

/* Enters full-screen mode; 0, or -1 when stdin/stdout is not a terminal
 * or curses does not know it ($TERM). */
int crt_start(void);
/* Restores the terminal (safe to call twice). */
void crt_stop(void);
/* 1 when the locale's character set is UTF-8 (call after crt_start). */
int crt_utf8(void);
/* The current screen size. */
void crt_size(int *w, int *h);
/* Makes the next crt_draw repaint every cell (after a resize, or Ctrl-L). */
void crt_invalidate(void);
/* Copies c to the screen (only what changed reaches the terminal). */
void crt_draw(const struct canvas *c);
/* Waits up to timeout_ms (< 0: forever) for a key; CRT_KEY_NONE on timeout. */
int crt_read_key(int timeout_ms);

#endif
