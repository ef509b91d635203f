/*
 * tui/layout.h - where the header, panes and footer of the live view go for
 * a given screen size (struct layout is in ui.h).  Pure arithmetic.
 */
#ifndef HEAPTOP_TUI_LAYOUT_H
#define HEAPTOP_TUI_LAYOUT_H

#include "ui.h"

/* Fills l for a w x h screen whose header needs header_rows rows. */
void layout_compute(struct layout *l, int w, int h, int header_rows);

#endif
