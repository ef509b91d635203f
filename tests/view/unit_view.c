/*
 * tests/view/unit_view.c - the live view without a terminal: layouts at
 * many sizes, every widget rendered from a hand-made model into the canvas
 * and read back as text, the ASCII glyph set, marks, the end of a program,
 * histogram scrolling, the key handlers' effects and flags, and the
 * call-site tables and stack screen on a sampled image.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "crt.h"
#include "keys.h"
#include "layout.h"
#include "segimage.h"
#include "viewstate.h"

#define MIB (1024ull * 1024ull)

static struct seg_point points[10];

/* A process that allocated 1000 blocks of 100 bytes over 80 s. */
static void fill_model(struct model *m)
{
	struct heaptop_stats *st = &m->cur.stats;

	memset(m, 0, sizeof(*m));
	m->cur.pid = 4242;
	snprintf(m->cur.cmdline, sizeof(m->cur.cmdline), "./prog --size 100");
	snprintf(m->cur.name, sizeof(m->cur.name), "/heaptop.4242.0");
	m->cur.state = HEAPTOP_STATE_RUNNING;
	m->cur.alive = 1;
	m->cur.uptime_ns = 80ull * 1000000000ull;
	m->cur.read_mono_ns = m->cur.start_mono_ns + m->cur.uptime_ns;
	m->cur.threads_active = m->cur.threads_max = 2;
	m->cur.threads_total = 3;
	st->alloc_count = 1000;
	st->alloc_bytes = 104000;
	st->alloc_req_bytes = 100000;
	st->use_curr = 104000;
	st->use_max = 150000;
	st->hist[HEAPTOP_HIST_ALLOC][7] = 1000; /* [ 64 B .. 128 B) */
	m->prev = m->cur;
	m->prev.stats.alloc_count = 900;
	m->interval_s = 1.0;
	m->alloc_rate = 100;
	m->rss = 2 * MIB;
	for (int i = 0; i < 10; i++) {
		points[i].t_ns = (uint64_t)i * 8000000000ull + 1;
		points[i].use_curr = (uint64_t)i * 15000;
		points[i].use_max = points[i].use_curr;
	}
	m->hist = points;
	m->nhist = m->caphist = 10;
}

static void render(struct view *v, const struct model *m, int w, int h)
{
	CHECK_EQ(view_resize(v, w, h), 0);
	view_update(v, m);
	view_render(v);
}

static const char *row(const struct view *v, int y)
{
	static char buf[4096];

	canvas_row_utf8(&v->canvas, y, buf, sizeof(buf));
	return buf;
}

/* The first row that contains needle, or -1. */
static int find(const struct view *v, const char *needle)
{
	for (int y = 0; y < v->canvas.h; y++)
		if (strstr(row(v, y), needle))
			return y;
	return -1;
}

#define CHECK_SHOWS(v, s) \
	(CHECK(find(v, s) >= 0) ? 1 : (fprintf(stderr, "  not on screen: \"%s\"\n", s), 0))

static void dump(const struct view *v)
{
	for (int y = 0; y < v->canvas.h; y++)
		fprintf(stderr, "|%s|\n", row(v, y));
}

/* Every part of the layout is on the screen and no two overlap. */
static void test_layout(void)
{
	static unsigned char owner[80 * 260];
	struct layout l;

	for (int w = 40; w <= 250; w += 7) {
		for (int h = 12; h <= 75; h += 3) {
			struct rect r[PANE_COUNT + 3];
			int n = 0, ok = 1;

			layout_compute(&l, w, h, w_header_rows(w));
			r[n++] = l.header;
			for (int p = 0; p < PANE_COUNT; p++)
				r[n++] = l.pane[p];
			r[n++] = l.status;
			r[n++] = l.keys;
			memset(owner, 0, sizeof(owner));
			for (int i = 0; i < n; i++) {
				ok &= r[i].x >= 0 && r[i].y >= 0 && r[i].x + r[i].w <= w && r[i].y + r[i].h <= h;
				for (int y = r[i].y; ok && y < r[i].y + r[i].h; y++)
					for (int x = r[i].x; x < r[i].x + r[i].w; x++) {
						ok &= owner[y * 260 + x] == 0;
						owner[y * 260 + x] = (unsigned char)(i + 1);
					}
			}
			if (!CHECK(ok))
				fprintf(stderr, "  layout %dx%d: a part is off screen or overlaps another\n", w, h);
			if (h < 24)
				continue;
			/* from 80x24 up, every pane has its title and room to show something */
			CHECK(l.pane[PANE_GRAPH].h >= 5);
			CHECK(l.pane[PANE_HIST].h >= 4);
			CHECK(l.pane[PANE_SITES].h >= 3);
		}
	}
}

static void test_render(void)
{
	struct view_opts o = { 1.0, ".", 0 };
	struct model m;
	struct view v;
	int y;

	fill_model(&m);
	view_init(&v, &o, 1);
	render(&v, &m, 80, 24);
	CHECK(strncmp(row(&v, 0), " heaptop  pid 4242  up 1m20s  ./prog --size 100", 47) == 0);
	CHECK(strstr(row(&v, 0), "running") != NULL);
	CHECK_SHOWS(&v, "alloc_count        1,000 100/s");
	CHECK_SHOWS(&v, "use_curr      101.56 KiB");
	CHECK_SHOWS(&v, "use_max       146.48 KiB");
	CHECK_SHOWS(&v, "RSS             2.00 MiB heap 5%");
	CHECK_SHOWS(&v, "alloc_avg          104 B asked 100 B");
	CHECK_SHOWS(&v, "threads              2 max 2");
	CHECK_SHOWS(&v, "realloc_move_count   0 0/s");
	CHECK_SHOWS(&v, " Heap in use over time");
	CHECK_SHOWS(&v, "  192 KiB\xe2\x94\xa4"); /* the scale: the 2^k or 1.5 * 2^k above 146 KiB, "┤" */
	CHECK_SHOWS(&v, "   96 KiB\xe2\x94\xa4"); /* its half */
	y = find(&v, "      0 B\xe2\x94\xa4");
	CHECK(y >= 0 && strstr(row(&v, y), "\xe2\x96\x88") != NULL); /* a full block "█" */
	CHECK_SHOWS(&v, " 0s  (process age)");
	CHECK_SHOWS(&v, ">Histogram 1/4: allocation sizes (requested bytes)"); /* focused */
	y = find(&v, "[ 64 B .. 128 B) ");
	CHECK(y >= 0 && strstr(row(&v, y), " 1,000 100.0%") != NULL);
	CHECK_SHOWS(&v, "call-site sampling not");
	CHECK(strncmp(row(&v, 22), " watching pid 4242 (segment /heaptop.4242.0)", 44) == 0);
	CHECK(strncmp(row(&v, 23), "q Quit  ? Help  s Snapshot  m Mark  p Pause", 43) == 0);
	if (test_failures)
		dump(&v);

	/* nothing breaks at any size, down to one cell */
	for (int w = 1; w <= 130; w += 3)
		for (int h = 1; h <= 50; h += 2)
			render(&v, &m, w, h);
	render(&v, &m, 30, 8);
	CHECK_SHOWS(&v, "heaptop needs 40x12");
	view_free(&v);
}

static void test_ascii(void)
{
	struct view_opts o = { 1.0, ".", 1 };
	struct model m;
	struct view v;
	int bad = 0;

	fill_model(&m);
	view_init(&v, &o, 1);
	for (int w = 40; w <= 200; w += 40) {
		render(&v, &m, w, 30);
		for (int i = 0; i < v.canvas.w * v.canvas.h; i++)
			bad += v.canvas.cells[i].ch >= 0x80;
	}
	CHECK_EQ(bad, 0);
	CHECK_SHOWS(&v, "[ 64 B .. 128 B) ####");
	view_free(&v);
	view_init(&v, &(struct view_opts){ 1.0, ".", 0 }, 0); /* not a UTF-8 locale */
	CHECK(v.ui.ascii);
	view_free(&v);
}

static void test_mark(void)
{
	struct view_opts o = { 1.0, ".", 0 };
	struct model m;
	struct view v;

	fill_model(&m);
	view_init(&v, &o, 1);
	CHECK_EQ(keys_handle(&v, &m, 'm') & KF_UPDATE, KF_UPDATE);
	CHECK(m.has_mark);
	m.cur.stats.alloc_count += 500;
	m.cur.stats.alloc_bytes += 52000;
	m.cur.stats.use_curr += 52000;
	m.cur.stats.hist[HEAPTOP_HIST_ALLOC][7] += 500;
	render(&v, &m, 100, 30);
	CHECK(strstr(row(&v, 0), "\xce\x94 since mark ") != NULL); /* "Δ since mark HH:MM:SS" */
	CHECK_SHOWS(&v, "alloc_count         +500");
	CHECK_SHOWS(&v, "\xce\x94 +50.78 KiB");
	CHECK_SHOWS(&v, "(\xce\x94 since mark)");
	CHECK(find(&v, " 500 100.0%") >= 0);
	CHECK_SHOWS(&v, "m Unmark");
	keys_handle(&v, &m, 'm');
	CHECK(!m.has_mark);
	render(&v, &m, 100, 30);
	CHECK(find(&v, "since mark") < 0 || find(&v, "mark cleared") >= 0);
	CHECK_SHOWS(&v, "alloc_count        1,500");
	view_free(&v);
}

static void test_program_end(void)
{
	struct view_opts o = { 1.0, ".", 0 };
	struct model m;
	struct view v;

	fill_model(&m);
	m.child.launched = 1;
	m.child.exited = 1;
	m.child.status = 3 << 8; /* exit(3) */
	snprintf(m.child.output, sizeof(m.child.output), "/tmp/out");
	m.cur.alive = 0;
	m.rss = 0;
	view_init(&v, &o, 1);
	render(&v, &m, 80, 24);
	CHECK(strstr(row(&v, 0), "exited with status 3") != NULL);
	CHECK_SHOWS(&v, "the program exited with status 3; these are its final numbers (q quits)");
	CHECK_SHOWS(&v, "RSS                    ? process gone");
	m.child.status = 9; /* killed by SIGKILL */
	render(&v, &m, 80, 24);
	CHECK(strstr(row(&v, 0), "killed by signal 9") != NULL);
	view_free(&v);
}

static void test_hist_scroll(void)
{
	struct view_opts o = { 1.0, ".", 0 };
	struct model m;
	struct view v;

	fill_model(&m);
	for (int b = 1; b <= 30; b++)
		m.cur.stats.hist[HEAPTOP_HIST_ALLOC][b] = b >= 20 && b < 24 ? 1000 : 1;
	view_init(&v, &o, 1);
	render(&v, &m, 80, 24);
	CHECK(v.hist.rows >= 4 && v.hist.rows < 30);
	CHECK(v.hist.start <= 20 && v.hist.start + v.hist.rows >= 24); /* the busiest in view */
	CHECK_EQ(v.hist.first, 1);
	CHECK_EQ(v.hist.last, 30);
	v.ui.focus = PANE_HIST;
	int before = v.hist.start;
	CHECK_EQ(keys_handle(&v, &m, CRT_KEY_DOWN), KF_UPDATE);
	view_update(&v, &m);
	CHECK_EQ(v.hist.start, before + 1);
	keys_handle(&v, &m, CRT_KEY_END);
	view_update(&v, &m);
	CHECK_EQ(v.hist.start + v.hist.rows - 1, 30);
	keys_handle(&v, &m, CRT_KEY_HOME);
	view_update(&v, &m);
	CHECK_EQ(v.hist.start, 1);
	view_render(&v);
	CHECK_SHOWS(&v, "\xe2\x96\xbc"); /* "▼N": more below */
	view_free(&v);
}

static void test_keys(void)
{
	struct view_opts o = { 1.0, ".", 0 };
	struct model m;
	struct view v;

	fill_model(&m);
	view_init(&v, &o, 1);
	CHECK_EQ(keys_handle(&v, &m, CRT_KEY_NONE), 0);
	CHECK_EQ(keys_handle(&v, &m, 'q'), KF_QUIT);
	CHECK_EQ(keys_handle(&v, &m, CRT_KEY_QUIT), KF_QUIT);
	CHECK(keys_handle(&v, &m, CRT_KEY_RESIZE) & KF_RESIZE);
	keys_handle(&v, &m, 'h');
	CHECK_EQ(v.ui.hist_kind, HEAPTOP_HIST_GROWTH);
	keys_handle(&v, &m, '4');
	CHECK_EQ(v.ui.hist_kind, HEAPTOP_HIST_MOVE);
	keys_handle(&v, &m, 'h');
	CHECK_EQ(v.ui.hist_kind, HEAPTOP_HIST_ALLOC);
	CHECK(keys_handle(&v, &m, '+') & KF_RESCHEDULE);
	CHECK(v.ui.delay_s == 0.5);
	keys_handle(&v, &m, '-');
	keys_handle(&v, &m, '-');
	CHECK(v.ui.delay_s == 2.0);
	for (int i = 0; i < 10; i++)
		keys_handle(&v, &m, '-');
	CHECK(v.ui.delay_s == 10.0);
	v.ui.delay_s = 60; /* -d 60: faster goes to the largest step, slower stays */
	keys_handle(&v, &m, '-');
	CHECK(v.ui.delay_s == 60.0);
	keys_handle(&v, &m, '+');
	CHECK(v.ui.delay_s == 10.0);
	v.ui.delay_s = 0.05;
	keys_handle(&v, &m, '+');
	CHECK(v.ui.delay_s == 0.05);
	keys_handle(&v, &m, '-');
	CHECK(v.ui.delay_s == 0.1);
	v.ui.delay_s = 0.7;
	keys_handle(&v, &m, '+');
	CHECK(v.ui.delay_s == 0.5);
	enum pane f = v.ui.focus;
	CHECK_EQ(keys_handle(&v, &m, '\t'), KF_REDRAW);
	CHECK_EQ(v.ui.focus, (f + 1) % PANE_COUNT);
	keys_handle(&v, &m, CRT_KEY_BTAB);
	CHECK_EQ(v.ui.focus, f);
	CHECK(keys_handle(&v, &m, 'p') & KF_UPDATE);
	CHECK(m.paused);
	CHECK(keys_handle(&v, &m, 'p') & KF_RESCAN);
	CHECK(!m.paused);
	keys_handle(&v, &m, '>');
	CHECK_EQ(v.ui.sort_col[TABLE_SITES], 1);
	keys_handle(&v, &m, '<');
	keys_handle(&v, &m, '<');
	CHECK_EQ(v.ui.sort_col[TABLE_SITES], w_sites_columns(TABLE_SITES) - 2);
	keys_handle(&v, &m, 'I');
	CHECK(v.ui.sort_asc[TABLE_SITES]);
	CHECK_EQ(keys_handle(&v, &m, '?'), KF_REDRAW);
	CHECK(v.ui.show_help);
	render(&v, &m, 80, 24);
	CHECK_SHOWS(&v, "Any key closes this help");
	CHECK_SHOWS(&v, "save a text snapshot");
	CHECK_EQ(keys_handle(&v, &m, 'q'), KF_REDRAW); /* q closes the help first */
	CHECK(!v.ui.show_help);
	view_free(&v);
}

/* `s` writes <dir>/heaptop-<pid>-<YYYYmmdd-HHMMSS>.txt and says where. */
static void test_snapshot_key(void)
{
	char dir[] = "/tmp/heaptop-unit-view.XXXXXX", path[4200];
	struct view_opts o = { 1.0, dir, 0 };
	struct model m;
	struct view v;
	struct dirent *de;
	DIR *d;
	int files = 0;

	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	fill_model(&m);
	view_init(&v, &o, 1);
	CHECK_EQ(keys_handle(&v, &m, 's'), KF_UPDATE);
	CHECK(strncmp(v.ui.status, "snapshot saved to ", 18) == 0);
	keys_handle(&v, &m, 's'); /* same second: a second file, not an overwrite */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		unsigned y, mo, dd, hh, mi, ss;
		char tail[16] = "";
		if (de->d_name[0] == '.')
			continue;
		files++;
		CHECK(sscanf(de->d_name, "heaptop-4242-%4u%2u%2u-%2u%2u%2u%15s", &y, &mo, &dd, &hh, &mi,
			     &ss, tail) == 7);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "r");
		char line[256] = "";
		CHECK(f && fgets(line, sizeof(line), f));
		CHECK(strstr(line, "== stats") != NULL);
		if (f)
			fclose(f);
		unlink(path);
	}
	if (d)
		closedir(d);
	CHECK_EQ(files, 2);
	rmdir(dir);
	/* the directory is gone now: the status line says what failed */
	keys_handle(&v, &m, 's');
	CHECK(strncmp(v.ui.status, "snapshot failed: cannot create ", 31) == 0);
	CHECK_EQ(v.ui.status_elem, CE_WARNING);
	view_free(&v);
}

/* The table panes on a sampled image (tests/tui/segimage.h): rows with
 * estimates and samples, the stack screen, selection, the peak table, and
 * the notes when there is nothing to list. */
static void test_sites(void)
{
	struct view_opts o = { 1.0, ".", 0 };
	struct segimage im;
	struct segread *r;
	struct model m = { 0 };
	struct view v;
	int y;

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	CHECK_EQ(segread_open_buffer(im.buf, im.size, &r), SEGREAD_OK);
	CHECK_EQ(model_init(&m, r), SEGREAD_OK);
	view_init(&v, &o, 1);
	render(&v, &m, 160, 40);
	CHECK_SHOWS(&v, " Top call sites ");
	y = find(&v, "prog+0x401234");
	CHECK(y >= 0 && strstr(row(&v, y), "       200B (2)       300B (3)          3 (3) prog+0x401234") != NULL);
	CHECK_SHOWS(&v, "live\xe2\x96\xbc"); /* sorted by live, descending */
	CHECK_SHOWS(&v, "(n): samples");
	y = find(&v, "lib?[31m.so+0x1010");
	CHECK(y >= 0 && strstr(row(&v, y), "4.9K (5)") != NULL); /* the hotspot, sanitised */
	CHECK_SHOWS(&v, "dropped: 7 samples (site table full)");
	if (test_failures)
		dump(&v);

	/* Enter on the call sites (focused or not): the first row's stack */
	CHECK_EQ(keys_handle(&v, &m, '\r'), KF_UPDATE);
	CHECK(v.ui.show_stack);
	render(&v, &m, 100, 30);
	CHECK_SHOWS(&v, " Call site: prog+0x401234");
	CHECK_SHOWS(&v, "live       200 B (2 samples) in 2 blocks");
	CHECK_SHOWS(&v, "at peak    250 B (2 samples) in 2 blocks");
	CHECK_SHOWS(&v, "=> #0  ?? in prog+0x401234");
	CHECK_SHOWS(&v, "   #1  ?? in prog+0x401300");
	CHECK_EQ(keys_handle(&v, &m, CRT_KEY_DOWN), KF_REDRAW); /* scrolls, stays */
	CHECK(v.ui.show_stack);
	CHECK_EQ(keys_handle(&v, &m, 'q'), KF_REDRAW); /* any other key goes back */
	CHECK(!v.ui.show_stack);

	/* Tab to the call sites, Down to the second row, Enter */
	v.ui.focus = PANE_SITES;
	CHECK_EQ(keys_handle(&v, &m, CRT_KEY_DOWN), KF_UPDATE);
	CHECK_EQ(v.ui.table_sel[PANE_SITES], 1);
	render(&v, &m, 160, 40);
	keys_handle(&v, &m, '\r');
	render(&v, &m, 160, 40);
	CHECK_SHOWS(&v, " Call site: lib?[31m.so+0x1010");
	CHECK_SHOWS(&v, "moved      4.88 KiB (5 samples) in 5 realloc moves");
	keys_handle(&v, &m, 27);
	CHECK_EQ(keys_handle(&v, &m, CRT_KEY_DOWN), KF_UPDATE); /* past the end: stays on the last */
	CHECK_EQ(v.ui.table_sel[PANE_SITES], 1);

	/* v: the peak contributors, sorted by what they held then */
	keys_handle(&v, &m, 'v');
	CHECK(v.ui.sites_peak);
	render(&v, &m, 160, 40);
	CHECK_SHOWS(&v, ">Peak contributors");
	y = find(&v, "prog+0x401234");
	CHECK(y >= 0 && strstr(row(&v, y), "250B (2)") != NULL);
	keys_handle(&v, &m, '>');
	CHECK_EQ(v.ui.sort_col[TABLE_PEAK], 1);
	CHECK_EQ(v.ui.sort_col[TABLE_SITES], 0); /* each table keeps its own */
	keys_handle(&v, &m, 'v');
	view_free(&v);
	model_free(&m);

	/* sampling off, and nothing sampled yet */
	fill_model(&m);
	m.cur.sampling = SEG_SAMPLING_OFF;
	view_init(&v, &o, 1);
	render(&v, &m, 160, 40);
	CHECK_SHOWS(&v, "call-site sampling is off (HEAPTOP_SAMPLE_RATE=0)");
	m.cur.sampling = SEG_SAMPLING_ON;
	render(&v, &m, 160, 40);
	CHECK_SHOWS(&v, "no allocation sampled yet");
	CHECK_SHOWS(&v, "no realloc move sampled yet");
	keys_handle(&v, &m, '\r');
	CHECK(!v.ui.show_stack);
	CHECK(strstr(v.ui.status, "no call site to show") != NULL);
	view_free(&v);
	segimage_free(&im);
}

int main(void)
{
	test_layout();
	test_render();
	test_ascii();
	test_mark();
	test_program_end();
	test_hist_scroll();
	test_keys();
	test_snapshot_key();
	test_sites();
	return test_summary("unit_view");
}
