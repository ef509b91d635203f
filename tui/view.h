/*
 * tui/view.h - the live curses view: one loop that scans the model, updates
 * the widgets, draws and reads keys (htop's ScreenManager shape).
 */
#ifndef HEAPTOP_TUI_VIEW_H
#define HEAPTOP_TUI_VIEW_H

#include "model.h"

struct view_opts {
	double delay_s;            /* refresh interval (-d), default 1.0 */
	const char *snapshot_dir;  /* where `s` writes (--snapshot-dir), default "." */
	int ascii;                 /* 1: no UTF-8 block/braille characters */
};

/* Runs the view on m until the user quits; returns 0, or 1 when the terminal
 * could not be set up (message on stderr). */
int view_run(struct model *m, const struct view_opts *o);

#endif
