/*
 * tui/widgets.h - the live view's widgets.  Each has two steps, as htop's
 * meters do: *_update() computes its values from the model (and the
 * person's choices in struct ui) and never draws; *_draw() renders those
 * values into a canvas rectangle and never reads the model.  No curses here.
 */
#ifndef HEAPTOP_TUI_WIDGETS_H
#define HEAPTOP_TUI_WIDGETS_H

#include "format.h"
#include "model.h"
#include "ui.h"

/* --- the frame every pane shares (pane.c) --------------------------------- */

/* Draws the title row of pane r: title (starting with a space, which
 * becomes '>' when focused) on the left, hint on the right. */
void pane_title(struct canvas *c, struct rect r, int focused, const char *title,
		const char *hint);
/* Writes s word-wrapped into r; returns the rows used. */
int text_wrap(struct canvas *c, struct rect r, enum color_elem e, const char *s);
/* Writes s on row y so that it ends just before column x_end. */
void text_right(struct canvas *c, int x_end, int y, enum color_elem e, const char *s);

/* --- header: process, state and counters (w_header.c) -------------------- */

enum header_cell_id {
	HC_USE_CURR, HC_USE_MAX, HC_RSS, HC_ALLOC, HC_DEALLOC, HC_ALLOC_AVG,
	HC_GROWTH, HC_SHRINK, HC_MOVE, HC_FAIL, HC_UNTRACKED, HC_THREADS,
	HC_COUNT
};

struct header_cell {
	const char *label;            /* the counter's name */
	char value[FMT_BUF];
	char extra[FMT_BUF];          /* rate or note next to the value */
	char detail[FMT_BUF];         /* shown only when the column has room */
	enum color_elem value_elem;
};

struct w_header {
	char cmd[HEAPTOP_CMDLINE_MAX + 1];
	uint32_t pid;
	char uptime[FMT_BUF];
	char state[96];               /* "running", "exited with status 3", ... */
	int state_ok;                 /* 1 while running normally */
	int paused;
	char mark[40];                /* "HH:MM:SS" of the mark, "" when none */
	struct header_cell cells[HC_COUNT];
};

/* Rows the header takes on a screen w columns wide. */
int w_header_rows(int w);
/* Computes the header's values from m. */
void w_header_update(struct w_header *w, const struct model *m, const struct ui *ui);
/* Draws the header into r. */
void w_header_draw(const struct w_header *w, const struct ui *ui, struct canvas *c,
		   struct rect r);

/* --- graph: use_curr and use_max over time (w_graph.c) -------------------- */

#define GRAPH_COLS 512 /* resolution of the resampled history */

struct w_graph {
	size_t npoints;               /* history points behind the graph */
	uint64_t t0, t1;              /* time span shown, ns since the process started */
	uint64_t top;                 /* bytes at the top edge of the plot */
	uint64_t use_curr, use_max;   /* latest values, for the legend */
	int has_mark;
	uint64_t mark_t;              /* when the mark was set, ns since start */
	int last_col;                 /* last column with data, -1 for none */
	uint64_t curr[GRAPH_COLS];    /* highest use_curr in each column's time slice */
	uint64_t peak[GRAPH_COLS];    /* use_max at the end of each slice */
};

/* Resamples the model's history into the graph's columns. */
void w_graph_update(struct w_graph *w, const struct model *m, const struct ui *ui);
/* Draws the graph with its scale and time axis into r. */
void w_graph_draw(const struct w_graph *w, const struct ui *ui, struct canvas *c,
		  struct rect r);

/* --- histogram: log2 size buckets (w_hist.c) ------------------------------ */

struct w_hist {
	enum heaptop_hist_kind kind;
	int marked;                   /* counts are deltas since the mark */
	uint64_t count[HEAPTOP_HIST_BUCKETS];
	uint64_t total, maxc;
	int first, last;              /* non-empty buckets; first > last when none */
	int start, rows;              /* buckets on screen: [start, start + rows) */
};

/* Name of a histogram kind ("allocation sizes (requested bytes)"). */
const char *w_hist_kind_name(enum heaptop_hist_kind k);
/* Takes the chosen kind's buckets from m and picks which fit the pane. */
void w_hist_update(struct w_hist *w, const struct model *m, const struct ui *ui);
/* Draws the bars, labels, counts and percentages into r. */
void w_hist_draw(const struct w_hist *w, const struct ui *ui, struct canvas *c,
		 struct rect r);

/* --- tables: call sites and realloc-move hotspots (w_sites.c) ------------- */

struct w_sites {
	enum pane pane;               /* PANE_SITES or PANE_MOVES */
	int available;                /* 1 when this build samples call sites */
	size_t nrows;                 /* table rows (0 until sampling exists) */
	int sort_col, sort_asc;
};

/* Columns a table pane can be sorted by. */
int w_sites_columns(enum pane p);
/* Name of a table column. */
const char *w_sites_column_name(enum pane p, int col);
/* Takes the table's rows from m (none in this build). */
void w_sites_update(struct w_sites *w, enum pane p, const struct model *m,
		    const struct ui *ui);
/* Draws the table (or why it is empty) into r. */
void w_sites_draw(const struct w_sites *w, const struct ui *ui, struct canvas *c,
		  struct rect r);

/* --- footer: status line and key line (w_footer.c) ------------------------ */

struct w_footer {
	char status[4160];             /* room for a path */
	enum color_elem status_elem;
	int paused, marked;
	double delay_s;
};

/* Picks the status message: the person's last action, else the program's
 * fate or where its output goes. */
void w_footer_update(struct w_footer *w, const struct model *m, const struct ui *ui);
/* Draws the status line and the key line. */
void w_footer_draw(const struct w_footer *w, const struct ui *ui, struct canvas *c);

/* --- the `?` screen (w_help.c) -------------------------------------------- */

/* Draws the help screen (keys, then what the counters mean) over all of c. */
void w_help_draw(const struct ui *ui, struct canvas *c);

#endif
