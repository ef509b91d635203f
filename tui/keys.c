/*
 * tui/keys.c - the live view's keys (see keys.h): the key table, and the
 * handlers, which change the view's choices or the model and return what
 * the loop must do.  The `s` key's snapshot file is written here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "crt.h"
#include "keys.h"
#include "snapshot.h"

static const struct key_doc docs[] = {
	{ "q", "Quit", "quit (also F10); a program heaptop started is stopped" },
	{ "?", "Help", "this help (also F1); any key closes it" },
	{ "s", "Snapshot", "save a text snapshot: <dir>/heaptop-<pid>-<YYYYmmdd-HHMMSS>.txt" },
	{ "m", "Mark", "set a mark: counters and histograms show deltas; again clears it" },
	{ "p", "Pause", "pause or resume: the numbers stay as they were when paused" },
	{ "Tab", "Focus", "focus the next pane (Shift-Tab: the previous one)" },
	{ "h", "Hist", "next histogram: allocation sizes, realloc growth, shrink, moves" },
	{ "1-4", NULL, "choose the histogram directly" },
	{ "Up/Dn", NULL, "scroll the focused pane (also PgUp, PgDn, Home, End)" },
	{ "< >", "Sort", "sort the focused table by the previous / next column" },
	{ "I", NULL, "invert the sort order of the focused table" },
	{ "+ -", "Delay", "refresh faster / slower (0.1 s .. 10 s)" },
	{ "Enter", "Stack", "the whole stack of the selected call site, every frame named (Up/Down select a row)" },
	{ "v", "Peak", "call-site pane: top call sites, or the peak contributors (what each site held when use_max was reached)" },
	{ "Ctrl-L", NULL, "redraw the whole screen" },
};

static const double delays[] = { 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0 };
#define NDELAYS ((int)(sizeof(delays) / sizeof(delays[0])))

const struct key_doc *keys_docs(size_t *n)
{
	*n = sizeof(docs) / sizeof(docs[0]);
	return docs;
}

/* --- the snapshot key -------------------------------------------------------- */

/* Creates <dir>/heaptop-<pid>-<stamp>[-N].txt without overwriting; fd or -1. */
static int create_snapshot_file(const char *dir, unsigned pid, char *path, size_t cap)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd = -1;

	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(path, cap, "%s/heaptop-%u-%s.txt", dir, pid, stamp);
		else
			snprintf(path, cap, "%s/heaptop-%u-%s-%d.txt", dir, pid, stamp, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd;
}

static void save_snapshot(struct ui *ui, const struct model *m)
{
	char path[PATH_MAX];
	FILE *f;
	int fd, rc;

	fd = create_snapshot_file(ui->snapshot_dir, (unsigned)m->cur.pid, path, sizeof(path));
	if (fd < 0) {
		ui_status(ui, CE_WARNING, "snapshot failed: cannot create %s: %s", path, strerror(errno));
		return;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		ui_status(ui, CE_WARNING, "snapshot failed: %s: %s", path, strerror(errno));
		return;
	}
	rc = snapshot_write_text(f, m);
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		ui_status(ui, CE_WARNING, "snapshot failed: error writing %s", path);
	else
		ui_status(ui, CE_STATUS, "snapshot saved to %s", path);
}

/* --- handlers ------------------------------------------------------------------ */

static int toggle_mark(struct ui *ui, struct model *m)
{
	model_toggle_mark(m);
	if (m->has_mark)
		ui_status(ui, CE_DELTA, "mark set: counters and histograms show %s since the mark (m clears it)",
			  ui->g->delta);
	else
		ui_status(ui, CE_STATUS, "mark cleared: counters count from the process start");
	return KF_UPDATE;
}

static int toggle_pause(struct ui *ui, struct model *m)
{
	m->paused = !m->paused;
	ui_status(ui, CE_STATUS, "%s", m->paused ? "paused: p resumes" : "resumed");
	return m->paused ? KF_UPDATE : KF_UPDATE | KF_RESCAN;
}

/* The next step faster (shorter) or slower than the current delay. */
static int change_delay(struct ui *ui, int faster)
{
	double d = ui->delay_s;

	if (faster) {
		d = delays[0] < d ? delays[0] : d;
		for (int i = 0; i < NDELAYS; i++)
			if (delays[i] < ui->delay_s - 1e-9)
				d = delays[i];
	} else {
		for (int i = NDELAYS - 1; i >= 0; i--)
			if (delays[i] > ui->delay_s + 1e-9)
				d = delays[i];
	}
	ui->delay_s = d;
	ui_status(ui, CE_STATUS, "refresh every %g s", ui->delay_s);
	return KF_UPDATE | KF_RESCHEDULE;
}

static int set_hist_kind(struct ui *ui, int kind)
{
	ui->hist_kind = (enum heaptop_hist_kind)(kind % HEAPTOP_HIST_KINDS);
	ui->hist_scroll = -1;
	return KF_UPDATE;
}

/* The table pane sort keys act on: the focused one, else call sites. */
static enum pane table_pane(const struct ui *ui)
{
	return ui->focus == PANE_MOVES ? PANE_MOVES : PANE_SITES;
}

static const char *table_words(enum table t)
{
	return t == TABLE_MOVES ? "realloc-move hotspots" : t == TABLE_PEAK ? "peak contributors" : "call sites";
}

static int sort_key(struct ui *ui, int key)
{
	enum pane p = table_pane(ui);
	enum table t = w_sites_table(ui, p);
	int n = w_sites_columns(t) - 1; /* the call-site column is not sorted by */

	if (key == 'I')
		ui->sort_asc[t] = !ui->sort_asc[t];
	else
		ui->sort_col[t] = (ui->sort_col[t] + (key == '>' || key == '.' ? 1 : n - 1)) % n;
	ui->table_sel[p] = ui->table_scroll[p] = 0;
	ui_status(ui, CE_STATUS, "%s sorted by %s, %s", table_words(t), w_sites_column_name(t, ui->sort_col[t]),
		  ui->sort_asc[t] ? "ascending" : "descending");
	return KF_UPDATE;
}

static int peak_key(struct ui *ui)
{
	ui->sites_peak = !ui->sites_peak;
	ui->table_sel[PANE_SITES] = ui->table_scroll[PANE_SITES] = 0;
	ui_status(ui, CE_STATUS, "%s", ui->sites_peak ?
		  "peak contributors: what each call site held when use_max was reached (v: top call sites)" :
		  "top call sites (v: peak contributors)");
	return KF_UPDATE;
}

/* Up/down in a table pane: move the selection, scroll to keep it in view. */
static int table_nav(struct view *v, enum pane p, int key)
{
	const struct w_sites *w = view_table(v, p);
	struct ui *ui = &v->ui;
	long total = (long)w->total, vis = w->visible > 0 ? w->visible : 1;
	long sel = (long)w->first + (w->sel > 0 ? w->sel : 0);

	switch (key) {
	case CRT_KEY_UP: sel--; break;
	case CRT_KEY_DOWN: sel++; break;
	case CRT_KEY_PGUP: sel -= vis; break;
	case CRT_KEY_PGDN: sel += vis; break;
	case CRT_KEY_HOME: sel = 0; break;
	case CRT_KEY_END: sel = total - 1; break;
	}
	sel = sel >= total ? total - 1 : sel;
	sel = sel < 0 ? 0 : sel;
	long first = (long)w->first;
	if (sel < first)
		first = sel;
	if (sel >= first + vis)
		first = sel - vis + 1;
	ui->table_sel[p] = (int)sel;
	ui->table_scroll[p] = (int)first;
	return KF_UPDATE;
}

/* Up/down in the focused pane: the histogram scrolls by buckets, the tables
 * move their selection. */
static int scroll_key(struct view *v, int key)
{
	struct ui *ui = &v->ui;
	int page = v->hist.rows > 1 ? v->hist.rows - 1 : 1;

	if (ui->focus == PANE_SITES || ui->focus == PANE_MOVES)
		return table_nav(v, ui->focus, key);
	if (ui->focus != PANE_HIST)
		return 0; /* the graph does not scroll */
	switch (key) {
	case CRT_KEY_UP: ui->hist_scroll = v->hist.start - 1; break;
	case CRT_KEY_DOWN: ui->hist_scroll = v->hist.start + 1; break;
	case CRT_KEY_PGUP: ui->hist_scroll = v->hist.start - page; break;
	case CRT_KEY_PGDN: ui->hist_scroll = v->hist.start + page; break;
	case CRT_KEY_HOME: ui->hist_scroll = 0; break;
	case CRT_KEY_END: ui->hist_scroll = HEAPTOP_HIST_BUCKETS; break;
	}
	if (ui->hist_scroll < 0)
		ui->hist_scroll = 0;
	return KF_UPDATE;
}

/* Enter: the stack screen of the selected row of the focused table (the
 * call sites when no table has the focus). */
static int stack_open(struct view *v)
{
	struct ui *ui = &v->ui;
	const struct w_sites *w = view_table(v, table_pane(ui));

	if (w->sel < 0 || (size_t)w->sel >= w->nrows) {
		ui_status(ui, CE_STATUS, "no call site to show: %s", w->note[0] ? w->note : "the table is empty");
		return KF_UPDATE;
	}
	ui->show_stack = 1;
	ui->stack_hash = w->rows[w->sel].hash;
	ui->stack_frame0 = w->rows[w->sel].frame0;
	ui->stack_scroll = 0;
	return KF_UPDATE;
}

/* While the stack screen is up: scroll it, or close it on any other key. */
static int stack_key(struct view *v, int key)
{
	struct ui *ui = &v->ui;
	int last = v->stack.nlines > 0 ? v->stack.nlines - 1 : 0, page = 10;

	switch (key) {
	case CRT_KEY_UP: ui->stack_scroll--; break;
	case CRT_KEY_DOWN: ui->stack_scroll++; break;
	case CRT_KEY_PGUP: ui->stack_scroll -= page; break;
	case CRT_KEY_PGDN: ui->stack_scroll += page; break;
	case CRT_KEY_HOME: ui->stack_scroll = 0; break;
	case CRT_KEY_END: ui->stack_scroll = last; break;
	default:
		ui->show_stack = 0;
		return KF_REDRAW;
	}
	ui->stack_scroll = ui->stack_scroll < 0 ? 0 : ui->stack_scroll > last ? last : ui->stack_scroll;
	return KF_REDRAW;
}

static int focus_key(struct ui *ui, int step)
{
	ui->focus = (enum pane)((ui->focus + PANE_COUNT + step) % PANE_COUNT);
	return KF_REDRAW;
}

int keys_handle(struct view *v, struct model *m, int key)
{
	struct ui *ui = &v->ui;

	if (key == CRT_KEY_NONE)
		return 0;
	if (key == CRT_KEY_QUIT)
		return KF_QUIT;
	if (key == CRT_KEY_RESIZE || key == 12 /* Ctrl-L */)
		return KF_RESIZE | KF_UPDATE;
	if (ui->show_help) {
		ui->show_help = 0;
		return KF_REDRAW;
	}
	if (ui->show_stack)
		return stack_key(v, key);
	switch (key) {
	case 'q': case 'Q': case CRT_KEY_F10: return KF_QUIT;
	case '?': case CRT_KEY_F1: ui->show_help = 1; return KF_REDRAW;
	case 's': case 'S': save_snapshot(ui, m); return KF_UPDATE;
	case 'm': case 'M': return toggle_mark(ui, m);
	case 'p': case 'P': case ' ': return toggle_pause(ui, m);
	case '\t': return focus_key(ui, 1);
	case CRT_KEY_BTAB: return focus_key(ui, -1);
	case 'h': case 'H': return set_hist_kind(ui, (int)ui->hist_kind + 1);
	case '1': case '2': case '3': case '4': return set_hist_kind(ui, key - '1');
	case '<': case ',': case '>': case '.': case 'I': return sort_key(ui, key);
	case 'v': case 'V': return peak_key(ui);
	case '\r': case '\n': return stack_open(v);
	case '+': case '=': return change_delay(ui, 1);
	case '-': case '_': return change_delay(ui, 0);
	case 27: ui->status[0] = '\0'; return KF_UPDATE;
	case CRT_KEY_UP: case CRT_KEY_DOWN: case CRT_KEY_PGUP: case CRT_KEY_PGDN:
	case CRT_KEY_HOME: case CRT_KEY_END: return scroll_key(v, key);
	default: return 0;
	}
}
