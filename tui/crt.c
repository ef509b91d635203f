/*
 * tui/crt.c - the terminal, through curses (see crt.h): full-screen mode,
 * colours by meaning, copying a canvas to the screen, reading keys.  Also
 * turns SIGINT/SIGTERM/SIGHUP into a "quit" key, so the terminal is always
 * restored.
 */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include "crt.h"
#include "curses.h"

static SCREEN *screen;
static volatile sig_atomic_t quit_signal;
static struct sigaction old_actions[3];
static const int quit_signals[3] = { SIGINT, SIGTERM, SIGHUP };

/* What each meaning looks like: colour pair, extra attributes, and the
 * attributes used instead on a terminal without colours. */
static const struct {
	short fg, bg;
	attr_t attr, mono;
} looks[CE_COUNT] = {
	[CE_DEFAULT]    = { -1, -1, A_NORMAL, A_NORMAL },
	[CE_TITLE_BAR]  = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[CE_STATE_OK]   = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE | A_BOLD },
	[CE_STATE_BAD]  = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[CE_LABEL]      = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[CE_VALUE]      = { -1, -1, A_BOLD, A_BOLD },
	[CE_RATE]       = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[CE_DELTA]      = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[CE_PANE_TITLE] = { -1, -1, A_BOLD, A_BOLD },
	[CE_PANE_FOCUS] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE },
	[CE_GRAPH_CURR] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[CE_GRAPH_MAX]  = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[CE_AXIS]       = { COLOR_BLUE, -1, A_BOLD, A_DIM },
	[CE_BAR]        = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[CE_WARNING]    = { COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE },
	[CE_PAUSED]     = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE | A_BOLD },
	[CE_DIM]        = { -1, -1, A_DIM, A_DIM },
	[CE_STATUS]     = { COLOR_YELLOW, -1, A_NORMAL, A_BOLD },
	[CE_KEY]        = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[CE_KEY_LABEL]  = { -1, -1, A_NORMAL, A_NORMAL },
	[CE_SELECTED]   = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
};

static int have_colors;

void crt_colors_init(void)
{
	have_colors = has_colors() && start_color() == OK;
	if (!have_colors)
		return;
	use_default_colors();
	for (int e = 1; e < CE_COUNT; e++)
		init_pair((short)e, looks[e].fg, looks[e].bg);
}

attr_t crt_attr(enum color_elem e)
{
	if ((unsigned)e >= CE_COUNT)
		e = CE_DEFAULT;
	if (!have_colors)
		return looks[e].mono;
	return looks[e].attr | (e ? COLOR_PAIR(e) : 0);
}

static void on_quit_signal(int sig)
{
	quit_signal = sig;
}

/* Signals that would kill us with the terminal in raw mode ask us to quit. */
static void catch_quit_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_quit_signal; /* no SA_RESTART: the key wait returns */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(quit_signals[i], &sa, &old_actions[i]);
}

int crt_start(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	setlocale(LC_ALL, "");
	screen = newterm(NULL, stdout, stdin); /* unlike initscr(), returns on failure */
	if (!screen)
		return -1;
	catch_quit_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	crt_colors_init();
	return 0;
}

void crt_stop(void)
{
	if (!screen)
		return;
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
	for (int i = 0; i < 3; i++)
		sigaction(quit_signals[i], &old_actions[i], NULL);
}

int crt_utf8(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

void crt_size(int *w, int *h)
{
	getmaxyx(stdscr, *h, *w);
}

void crt_invalidate(void)
{
	clearok(curscr, TRUE);
}

/* Draws cells [x0, x1) of row y, which all share one meaning. */
static void draw_run(const struct canvas *c, int y, int x0, int x1)
{
	wchar_t buf[512];
	int n = 0;

	attrset(crt_attr(canvas_at(c, x0, y)->elem));
	for (int x = x0; x < x1 && n < (int)(sizeof(buf) / sizeof(buf[0])); x++)
		buf[n++] = (wchar_t)canvas_at(c, x, y)->ch;
	mvaddnwstr(y, x0, buf, n);
}

void crt_draw(const struct canvas *c)
{
	int w, h;

	crt_size(&w, &h);
	if (w > c->w)
		w = c->w;
	if (h > c->h)
		h = c->h;
	for (int y = 0; y < h; y++) {
		int x0 = 0;
		for (int x = 1; x <= w; x++) {
			if (x == w || x - x0 >= 512 ||
			    canvas_at(c, x, y)->elem != canvas_at(c, x0, y)->elem) {
				draw_run(c, y, x0, x);
				x0 = x;
			}
		}
	}
	attrset(A_NORMAL);
	wnoutrefresh(stdscr);
	doupdate();
}

/* Our code for a curses key. */
static int map_key(int k)
{
	switch (k) {
	case KEY_RESIZE: return CRT_KEY_RESIZE;
	case KEY_UP: return CRT_KEY_UP;
	case KEY_DOWN: return CRT_KEY_DOWN;
	case KEY_PPAGE: return CRT_KEY_PGUP;
	case KEY_NPAGE: return CRT_KEY_PGDN;
	case KEY_HOME: return CRT_KEY_HOME;
	case KEY_END: return CRT_KEY_END;
	case KEY_BTAB: return CRT_KEY_BTAB;
	case KEY_F(1): return CRT_KEY_F1;
	case KEY_F(10): return CRT_KEY_F10;
	case KEY_ENTER: return '\r';
	default: return k >= 0 && k < 256 ? k : CRT_KEY_OTHER;
	}
}

int crt_read_key(int timeout_ms)
{
	int k;

	if (quit_signal)
		return CRT_KEY_QUIT;
	timeout(timeout_ms);
	k = getch();
	if (quit_signal)
		return CRT_KEY_QUIT;
	return k == ERR ? CRT_KEY_NONE : map_key(k);
}
