/*
 * tui/colors.h - the colours of the live view, named by what they mean
 * (htop's ColorElements).  Widgets pick a meaning; only tui/crt.c decides
 * what a meaning looks like on a given terminal.  No curses here.
 */
#ifndef HEAPTOP_TUI_COLORS_H
#define HEAPTOP_TUI_COLORS_H

enum color_elem {
	CE_DEFAULT = 0,   /* plain text */
	CE_TITLE_BAR,     /* the top bar: program, pid, uptime */
	CE_STATE_OK,      /* "running" in the top bar */
	CE_STATE_BAD,     /* "exited ...", "process gone" in the top bar */
	CE_LABEL,         /* counter names */
	CE_VALUE,         /* counter values */
	CE_RATE,          /* per-second rates */
	CE_DELTA,         /* the "since mark" banner and values shown as deltas */
	CE_PANE_TITLE,    /* a pane's title row */
	CE_PANE_FOCUS,    /* the title row of the pane that has the focus */
	CE_GRAPH_CURR,    /* use_curr in the graph */
	CE_GRAPH_MAX,     /* the use_max line */
	CE_AXIS,          /* graph scale and time axis */
	CE_BAR,           /* histogram bars */
	CE_WARNING,       /* exited, gone, allocation failures, errors */
	CE_PAUSED,        /* the PAUSED badge */
	CE_DIM,           /* secondary text, "not available" */
	CE_STATUS,        /* the status line */
	CE_KEY,           /* a key in the help line */
	CE_KEY_LABEL,     /* what that key does */
	CE_SELECTED,      /* the selected row of the focused table */
	CE_COUNT
};

#endif
