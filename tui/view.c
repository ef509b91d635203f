/*
 * tui/view.c - the live view's loop (htop's ScreenManager shape): scan the
 * model every delay (a paused model keeps its copy), update the widgets'
 * values, render them, show the canvas, and wait for a key no longer than
 * the time to the next scan.  Key handlers return flags; only this loop
 * draws.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "crt.h"
#include "keys.h"
#include "view.h"
#include "viewstate.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Milliseconds from now to t (0 when past), for the key wait. */
static int ms_until(uint64_t t)
{
	uint64_t now = now_ns();

	return t > now ? (int)((t - now + 999999) / 1000000) : 0;
}

/* 1 once the watched process has ended and its numbers are final. */
static int process_ended(const struct model *m)
{
	return m->child.exited || m->cur.state == HEAPTOP_STATE_EXITED || !m->cur.alive;
}

static void resize(struct view *v)
{
	int w, h;

	crt_size(&w, &h);
	if (view_resize(v, w, h) == 0)
		crt_invalidate();
}

int view_run(struct model *m, const struct view_opts *o)
{
	struct view v;
	uint64_t last_scan, next_scan;
	int flags = KF_RESIZE | KF_UPDATE, ended = 0;

	if (crt_start() != 0) {
		const char *term = getenv("TERM");
		fprintf(stderr, "heaptop: cannot start the live view: standard input and output must be a"
			" terminal that curses knows (TERM=%s); --snapshot writes text instead\n",
			term ? term : "unset");
		return 1;
	}
	view_init(&v, o, crt_utf8());
	last_scan = now_ns();
	next_scan = last_scan + (uint64_t)(v.ui.delay_s * 1e9);
	for (;;) {
		if (flags & KF_RESIZE)
			resize(&v);
		if ((flags & KF_RESCAN) || now_ns() >= next_scan) {
			model_scan(m); /* paused: only reaps a launched program */
			if (!ended && process_ended(m)) {
				ended = 1;
				v.ui.status[0] = '\0'; /* the status line tells the program's fate */
			}
			last_scan = now_ns();
			next_scan = last_scan + (uint64_t)(v.ui.delay_s * 1e9);
			flags |= KF_UPDATE;
		}
		if (flags & KF_UPDATE)
			view_update(&v, m);
		if (flags & (KF_UPDATE | KF_REDRAW | KF_RESIZE)) {
			view_render(&v);
			crt_draw(&v.canvas);
		}
		flags = keys_handle(&v, m, crt_read_key(ms_until(next_scan)));
		if (flags & KF_QUIT)
			break;
		if (flags & KF_RESCHEDULE)
			next_scan = last_scan + (uint64_t)(v.ui.delay_s * 1e9);
	}
	crt_stop();
	view_free(&v);
	return 0;
}
