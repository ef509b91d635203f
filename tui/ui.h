/*
 * tui/ui.h - what the person chose in the live view: focus, histogram kind,
 * scroll, selection and sort positions, which call-site table, refresh
 * delay, the help and stack screens, the status line, and the layout for
 * the current screen.  Widgets read it; key handlers change it.
 * No curses here.
 */
#ifndef HEAPTOP_TUI_UI_H
#define HEAPTOP_TUI_UI_H

#include "canvas.h"
#include "glyphs.h"
#include "heaptop/counters.h"

/* The panes Tab moves the focus between. */
enum pane {
	PANE_GRAPH,  /* use_curr/use_max over time */
	PANE_HIST,   /* log2 size histogram */
	PANE_SITES,  /* top call sites */
	PANE_MOVES,  /* realloc-move hotspots */
	PANE_COUNT
};

/* The tables the two table panes show: the call-site pane shows the top
 * call sites or, switched with `v`, the peak contributors. */
enum table {
	TABLE_SITES,  /* top call sites */
	TABLE_MOVES,  /* realloc-move hotspots */
	TABLE_PEAK,   /* peak contributors */
	TABLE_COUNT
};

/* Where everything goes on the screen. */
struct layout {
	int w, h;
	struct rect header;
	struct rect pane[PANE_COUNT];
	struct rect status;    /* one row: messages */
	struct rect keys;      /* one row: the key help line */
};

struct ui {
	double delay_s;                 /* seconds between scans */
	const char *snapshot_dir;       /* where `s` writes */
	int ascii;                      /* no Unicode glyphs */
	const struct glyphs *g;         /* glyph set for ascii */
	struct layout layout;           /* for the current screen size */
	enum pane focus;
	enum heaptop_hist_kind hist_kind;
	int hist_scroll;                /* first bucket shown, -1: chosen automatically */
	int sort_col[TABLE_COUNT];      /* each table: column sorted by */
	int sort_asc[TABLE_COUNT];      /* 1: ascending */
	int table_scroll[PANE_COUNT];   /* table panes: first row shown */
	int table_sel[PANE_COUNT];      /* table panes: the selected row (Up/Down) */
	int sites_peak;                 /* the call-site pane shows the peak contributors */
	int show_help;                  /* the `?` screen is up */
	int show_stack;                 /* the stack screen (Enter on a row) is up */
	uint64_t stack_hash, stack_frame0; /* which site it shows */
	int stack_scroll;               /* its first frame row shown */
	char status[4160];              /* message for the status line, "" for none */
	enum color_elem status_elem;    /* its colour */
};

/* Sets the status line message (printf-style). */
void ui_status(struct ui *ui, enum color_elem e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
