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

/* --- tables: call sites, realloc-move hotspots, peak contributors (w_sites.c) */

#define SITES_ROWS_MAX 64        /* rows a table pane shows at once */
#define SITES_COLS_MAX 4         /* number columns of a table */

struct w_site_row {
	char cell[SITES_COLS_MAX][FMT_BUF]; /* estimates with their samples: "~12.3M (41)" */
	char where[256];              /* the call site, named */
	uint64_t hash, frame0;        /* which site (for the stack screen) */
};

struct w_sites {
	enum pane pane;               /* PANE_SITES or PANE_MOVES */
	enum table table;             /* what it shows */
	char note[160];               /* why there are no rows ("" when there are) */
	char dropped[160];            /* samples lost or a read unsettled, "" when neither */
	int marked;                   /* values are changes since the mark */
	size_t total;                 /* sites in the table */
	size_t first;                 /* table index of rows[0] */
	int visible;                  /* rows the pane has room for */
	int sel;                      /* selected row in rows[], -1 when none */
	size_t nrows;
	struct w_site_row rows[SITES_ROWS_MAX];
	int sort_col, sort_asc;
};

/* The table pane p shows now (TABLE_PEAK when switched with `v`). */
enum table w_sites_table(const struct ui *ui, enum pane p);
/* Columns of a table, the call-site column included (it is last). */
int w_sites_columns(enum table t);
/* Name of a table column. */
const char *w_sites_column_name(enum table t, int col);
/* Rows of pane p's table that fit, from the model's sites in the chosen
 * order, scrolled and selected as ui says. */
void w_sites_update(struct w_sites *w, enum pane p, const struct model *m,
		    const struct ui *ui);
/* Draws the table (or why it is empty) into r. */
void w_sites_draw(const struct w_sites *w, const struct ui *ui, struct canvas *c,
		  struct rect r);

/* --- the stack screen: one site's estimates and named frames (w_stack.c) --- */

#define STACK_LINES_MAX (SEG_FRAMES_MAX + 16)

struct w_stack_line {
	char text[512];
	enum color_elem elem;
};

struct w_stack {
	char title[320];              /* the site, named */
	int found;                    /* 0: the site is gone (a new image, or a damaged read) */
	int nlines;
	struct w_stack_line lines[STACK_LINES_MAX];
};

/* The site ui->stack_hash/stack_frame0 of m: its estimates, then its frames. */
void w_stack_update(struct w_stack *w, const struct model *m, const struct ui *ui);
/* Draws the stack screen over all of c, from line ui->stack_scroll. */
void w_stack_draw(const struct w_stack *w, const struct ui *ui, struct canvas *c);

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
