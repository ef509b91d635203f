/*
 * tui/snapshot_json.c - the JSON snapshot.  Its keys are a stable interface
 * (docs/snapshot-format.md): the counter names of counters.h verbatim, the
 * histogram names of HEAPTOP_HISTOGRAMS, "process", "timeline", the call
 * sites (snapshot_sites_json.c), and "mark" when a mark is set.  Strings are escaped for JSON; the command line is
 * already sanitised UTF-8.
 */
#include <inttypes.h>
#include <sys/wait.h>
#include <time.h>
#include "snapshot.h"
#include "format.h"
#include "config.h"

/* Timeline points written at most; longer histories are thinned evenly. */
#define JSON_TIMELINE_MAX 1000

void snapshot_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_counters(FILE *f, const struct heaptop_stats *st, int signed_use, const char *ind)
{
#define JSON_X_COUNTER(name, unit, desc) fprintf(f, "%s\"" #name "\": %" PRIu64 ",\n", ind, st->name);
	HEAPTOP_COUNTERS(JSON_X_COUNTER)
#undef JSON_X_COUNTER
	if (signed_use)
		fprintf(f, "%s\"use_curr\": %" PRId64 ",\n", ind, (int64_t)st->use_curr);
	else
		fprintf(f, "%s\"use_curr\": %" PRIu64 ",\n", ind, st->use_curr);
	fprintf(f, "%s\"use_max\": %" PRIu64 ",\n", ind, st->use_max);
	fprintf(f, "%s\"alloc_avg\": %" PRIu64 ",\n", ind, snapshot_avg(st->alloc_bytes, st->alloc_count));
	fprintf(f, "%s\"alloc_req_avg\": %" PRIu64 ",\n", ind,
		snapshot_avg(st->alloc_req_bytes, st->alloc_count));
}

static void json_hist(FILE *f, const char *key, const uint64_t *b, int last, const char *ind)
{
	fprintf(f, "%s  \"%s\": [", ind, key);
	for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", b[i]);
	fprintf(f, "]%s\n", last ? "" : ",");
}

static void json_histograms(FILE *f, const struct heaptop_stats *st, const char *ind)
{
	fprintf(f, "%s\"histograms\": {\n", ind);
#define JSON_X_HIST(id, key, desc) \
	json_hist(f, #key, st->hist[HEAPTOP_HIST_##id], HEAPTOP_HIST_##id == HEAPTOP_HIST_KINDS - 1, ind);
	HEAPTOP_HISTOGRAMS(JSON_X_HIST)
#undef JSON_X_HIST
	fprintf(f, "%s}", ind);
}

static void json_child(FILE *f, const struct model_child *c)
{
	if (!c->launched)
		return;
	fprintf(f, "    \"output\": ");
	snapshot_json_string(f, c->output);
	fprintf(f, ",\n    \"exited\": %s,\n", c->exited ? "true" : "false");
	if (c->exited && WIFSIGNALED(c->status))
		fprintf(f, "    \"exit_signal\": %d,\n", WTERMSIG(c->status));
	else if (c->exited)
		fprintf(f, "    \"exit_status\": %d,\n", WEXITSTATUS(c->status));
}

static void json_process(FILE *f, const struct model *m)
{
	const struct seg_snapshot *s = &m->cur;

	fprintf(f, "  \"process\": {\n    \"pid\": %" PRIu32 ",\n    \"ppid\": %" PRIu32 ",\n", s->pid, s->ppid);
	fprintf(f, "    \"cmdline\": ");
	snapshot_json_string(f, s->cmdline);
	fprintf(f, ",\n    \"segment\": ");
	snapshot_json_string(f, s->name);
	fprintf(f, ",\n    \"state\": \"%s\",\n    \"alive\": %s,\n", fmt_state(s->state, 1),
		s->alive ? "true" : "false");
	json_child(f, &m->child);
	fprintf(f, "    \"exec_gen\": %" PRIu32 ",\n    \"uid\": %" PRIu32 ",\n", s->exec_gen, s->uid);
	fprintf(f, "    \"abi_version\": %" PRIu32 ",\n", s->version);
	fprintf(f, "    \"start_realtime_s\": %.3f,\n", (double)s->start_realtime_ns / 1e9);
	fprintf(f, "    \"uptime_s\": %.6f,\n", (double)s->uptime_ns / 1e9);
	fprintf(f, "    \"rss_bytes\": %" PRIu64 ",\n", m->rss);
	fprintf(f, "    \"threads_active\": %" PRIu32 ",\n    \"threads_max\": %" PRIu32 ",\n",
		s->threads_active, s->threads_max);
	fprintf(f, "    \"threads_total\": %" PRIu64 ",\n", s->threads_total);
	fprintf(f, "    \"shards_used\": %" PRIu32 ",\n    \"shard_count\": %" PRIu32 ",\n",
		s->shards_used, s->shard_count);
	fprintf(f, "    \"shard_misses\": %" PRIu64 ",\n    \"peak_slack\": %" PRIu64 ",\n",
		s->shard_misses, s->peak_slack);
	fprintf(f, "    \"use_max_t_s\": %.3f\n  },\n", (double)s->use_max_t_ns / 1e9);
}

static void json_timeline(FILE *f, const struct model *m)
{
	size_t n = m->nhist;
	size_t step = n > JSON_TIMELINE_MAX ? (n + JSON_TIMELINE_MAX - 1) / JSON_TIMELINE_MAX : 1;
	int first = 1;

	fprintf(f, "  \"timeline_interval_s\": %.3f,\n", (double)m->cur.timeline_interval_ns / 1e9);
	fprintf(f, "  \"timeline_points\": %zu,\n  \"timeline\": [", n);
	for (size_t i = 0; i < n; i += step) {
		/* the last point always goes in: it is the final state */
		const struct seg_point *p = &m->hist[i + step >= n ? n - 1 : i];
		fprintf(f, "%s\n    [%.3f, %" PRIu64 ", %" PRIu64 "]", first ? "" : ",",
			(double)p->t_ns / 1e9, p->use_curr, p->use_max);
		first = 0;
	}
	fprintf(f, "%s]", first ? "" : "\n  ");
}

static void json_mark(FILE *f, const struct model *m)
{
	struct heaptop_stats d;

	if (!m->has_mark)
		return;
	model_view_stats(m, &d);
	fprintf(f, ",\n  \"mark\": {\n    \"age_s\": %.3f,\n", snapshot_mark_age_s(m));
	json_counters(f, &d, 1, "    ");
	json_histograms(f, &d, "    ");
	fprintf(f, "\n  }");
}

int snapshot_write_json(FILE *f, const struct model *m)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(f, "{\n  \"format_version\": %d,\n  \"heaptop_version\": \"%s\",\n",
		SNAPSHOT_FORMAT_VERSION, PACKAGE_VERSION);
	fprintf(f, "  \"snapshot_realtime_s\": %.3f,\n",
		(double)now.tv_sec + (double)now.tv_nsec / 1e9);
	json_counters(f, &m->cur.stats, 0, "  ");
	json_histograms(f, &m->cur.stats, "  ");
	fprintf(f, ",\n");
	json_process(f, m);
	json_timeline(f, m);
	fprintf(f, ",\n");
	snapshot_sites_json(f, m);
	json_mark(f, m);
	fprintf(f, "\n}\n");
	fflush(f);
	return ferror(f) ? -1 : 0;
}
