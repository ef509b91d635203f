/*
 * tui/snapshot_text.c - the readable snapshot: the stats block (every
 * counter of counters.h, one per line, raw value first so scripts can read
 * it, then a human form and the description), the non-empty histograms
 * with bars, the process header, a timeline summary, and the call-site
 * sections (snapshot_sites_text.c).
 */
#include <inttypes.h>
#include <sys/wait.h>
#include "snapshot.h"
#include "format.h"

#define BAR_WIDTH 40

uint64_t snapshot_avg(uint64_t bytes, uint64_t count)
{
	return count ? bytes / count : 0;
}

double snapshot_mark_age_s(const struct model *m)
{
	if (!m->has_mark || m->cur.read_mono_ns < m->mark.read_mono_ns)
		return 0;
	return (double)(m->cur.read_mono_ns - m->mark.read_mono_ns) / 1e9;
}

/* One counter line: name, raw value, unit, human size for bytes, description. */
static void counter_line(FILE *f, const char *name, uint64_t v, const char *unit, const char *desc)
{
	char h[FMT_BUF];

	if (unit[0] == 'b' && unit[1] == 'y') /* "bytes" */
		fprintf(f, "%-22s %20" PRIu64 "  %-6s %-12s %s\n", name, v, unit,
			fmt_bytes(h, sizeof(h), v), desc);
	else
		fprintf(f, "%-22s %20" PRIu64 "  %-6s %-12s %s\n", name, v, unit, "", desc);
}

static void stats_block(FILE *f, const struct model *m, const struct heaptop_stats *st)
{
	char h[FMT_BUF], age[FMT_BUF];

	if (m->has_mark)
		fprintf(f, "== stats since the mark (deltas; mark set %s before this snapshot) ==\n",
			fmt_duration(age, sizeof(age), (uint64_t)(snapshot_mark_age_s(m) * 1e9)));
	else
		fprintf(f, "== stats (since the process started) ==\n");
#define SNAP_X_LINE(name, unit, desc) counter_line(f, #name, st->name, unit, desc);
	HEAPTOP_COUNTERS(SNAP_X_LINE)
#undef SNAP_X_LINE
	if (m->has_mark)
		fprintf(f, "%-22s %20" PRId64 "  %-6s %-12s %s\n", "use_curr", (int64_t)st->use_curr, "bytes",
			fmt_bytes_delta(h, sizeof(h), (int64_t)st->use_curr), "change of usable bytes live");
	else
		counter_line(f, "use_curr", st->use_curr, "bytes", "usable bytes live now");
	counter_line(f, "use_max", st->use_max, "bytes", "peak of use_curr since the process started");
	counter_line(f, "alloc_avg", snapshot_avg(st->alloc_bytes, st->alloc_count), "bytes",
		     "alloc_bytes / alloc_count");
	counter_line(f, "alloc_req_avg", snapshot_avg(st->alloc_req_bytes, st->alloc_count), "bytes",
		     "alloc_req_bytes / alloc_count");
}

static void histogram(FILE *f, const char *key, const char *desc, const uint64_t *b)
{
	char label[FMT_BUF], bar[BAR_WIDTH + 1];
	uint64_t max = 0;

	for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++)
		max = b[i] > max ? b[i] : max;
	if (max == 0)
		return;
	fprintf(f, "\n%s: %s\n", key, desc);
	for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++) {
		if (!b[i])
			continue;
		int w = (int)((double)b[i] / (double)max * BAR_WIDTH + 0.5);
		w = w < 1 ? 1 : w;
		for (int k = 0; k < w; k++)
			bar[k] = '#';
		bar[w] = '\0';
		fprintf(f, "  %-22s %14" PRIu64 " %s\n", fmt_bucket(label, sizeof(label), (unsigned)i), b[i], bar);
	}
}

static void histograms(FILE *f, const struct heaptop_stats *st)
{
	fprintf(f, "\n== histograms (log2 buckets; empty ones left out) ==\n");
#define SNAP_X_HIST(id, key, desc) histogram(f, #key, desc, st->hist[HEAPTOP_HIST_##id]);
	HEAPTOP_HISTOGRAMS(SNAP_X_HIST)
#undef SNAP_X_HIST
}

static void child_line(FILE *f, const struct model_child *c)
{
	if (!c->launched)
		return;
	fprintf(f, "%-10s %s\n", "output", c->output);
	if (!c->exited)
		fprintf(f, "%-10s %s\n", "exit", "still running");
	else if (WIFSIGNALED(c->status))
		fprintf(f, "%-10s killed by signal %d\n", "exit", WTERMSIG(c->status));
	else
		fprintf(f, "%-10s status %d\n", "exit", WEXITSTATUS(c->status));
}

static void process_block(FILE *f, const struct model *m)
{
	const struct seg_snapshot *s = &m->cur;
	char a[FMT_BUF];

	fprintf(f, "\n== process ==\n");
	fprintf(f, "%-10s %s\n", "command", s->cmdline);
	fprintf(f, "%-10s %" PRIu32 " (ppid %" PRIu32 ", exec_gen %" PRIu32 ", segment %s)\n", "pid",
		s->pid, s->ppid, s->exec_gen, s->name);
	fprintf(f, "%-10s %s\n", "state", fmt_state(s->state, s->alive));
	fprintf(f, "%-10s %s\n", "uptime", fmt_duration(a, sizeof(a), s->uptime_ns));
	fprintf(f, "%-10s %s\n", "rss", m->rss ? fmt_bytes(a, sizeof(a), m->rss) : "unknown (process gone)");
	fprintf(f, "%-10s %" PRIu32 " active, %" PRIu32 " at most, %" PRIu64 " in all\n", "threads",
		s->threads_active, s->threads_max, s->threads_total);
	child_line(f, &m->child);
}

/* The first history point at the peak, when the segment did not say. */
static uint64_t peak_time(const struct model *m)
{
	if (m->cur.use_max_t_ns)
		return m->cur.use_max_t_ns;
	for (size_t i = 0; i < m->nhist; i++)
		if (m->hist[i].use_max >= m->cur.stats.use_max)
			return m->hist[i].t_ns;
	return 0;
}

static void timeline_block(FILE *f, const struct model *m)
{
	char a[FMT_BUF], b[FMT_BUF];

	fprintf(f, "\n== timeline ==\n");
	fprintf(f, "%-10s %zu (the segment's timeline, every %s or more, then the viewer's samples)\n",
		"points", m->nhist, fmt_duration(a, sizeof(a), m->cur.timeline_interval_ns));
	if (m->nhist) {
		const struct seg_point *p0 = &m->hist[0], *pn = &m->hist[m->nhist - 1];
		fprintf(f, "%-10s at %s, use_curr %s\n", "first", fmt_duration(a, sizeof(a), p0->t_ns),
			fmt_bytes(b, sizeof(b), p0->use_curr));
		fprintf(f, "%-10s at %s, use_curr %s\n", "last", fmt_duration(a, sizeof(a), pn->t_ns),
			fmt_bytes(b, sizeof(b), pn->use_curr));
	}
	fprintf(f, "%-10s use_max %s at %s\n", "peak", fmt_bytes(a, sizeof(a), m->cur.stats.use_max),
		fmt_duration(b, sizeof(b), peak_time(m)));
}

int snapshot_write_text(FILE *f, const struct model *m)
{
	struct heaptop_stats st;

	model_view_stats(m, &st);
	stats_block(f, m, &st);
	histograms(f, &st);
	process_block(f, m);
	timeline_block(f, m);
	snapshot_sites_text(f, m);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
