/*
 * tui/curses.h - the one place that includes curses (htop's
 * ProvideCurses.h), and the mapping from colour meanings to curses
 * attributes.  Only tui/crt.c includes this file.
 */
#ifndef HEAPTOP_TUI_CURSES_H
#define HEAPTOP_TUI_CURSES_H

#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#else
#include <curses.h>
#endif

#include "colors.h"

/* Sets up colour pairs for every meaning (attributes alone on a mono terminal). */
void crt_colors_init(void);
/* The curses attribute (pair and flags) that shows meaning e. */
attr_t crt_attr(enum color_elem e);

#endif
