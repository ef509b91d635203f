/*
 * tui/sanitize.h - making untrusted bytes (a target's command line) safe to
 * put on a terminal: no control characters, no escape sequences, no broken
 * or deceptive UTF-8, bounded length.
 */
#ifndef HEAPTOP_TUI_SANITIZE_H
#define HEAPTOP_TUI_SANITIZE_H

#include <stddef.h>

/* Copies src[0, len) up to its first NUL into dst (cap >= 1, always
 * NUL-terminated), turning control characters (C0, DEL, C1), invalid UTF-8
 * and bidirectional overrides into '?'; valid printable UTF-8 is kept whole
 * or not at all.  Returns the length written. */
size_t sanitize_text(char *dst, size_t cap, const char *src, size_t len);

#endif
