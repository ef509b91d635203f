/*
 * tui/snapshot_sites_text.c - the call-site sections of the text report:
 * how sites were sampled (rate, samples, what was dropped, problems with
 * module files), then the top call sites by live bytes, the realloc-move
 * hotspots by bytes copied and the peak contributors, each site with every
 * estimate next to the samples behind it and its whole stack, named.
 * While a mark is set, sites show their changes since the mark, like the
 * stats block.
 */
#include <inttypes.h>
#include "format.h"
#include "snapshot.h"

#define TEXT_SITES 20       /* sites listed in "top call sites" */
#define TEXT_OTHERS 10      /* in the hotspots and peak sections */

static unsigned est_flags(const struct model *m, unsigned how)
{
	return how | (m->cur.sample_rate == 1 ? FMT_EST_EXACT : 0) | (m->has_mark ? FMT_EST_SIGNED : 0);
}

static void header_block(FILE *f, const struct model *m)
{
	const struct seg_snapshot *s = &m->cur;
	char a[FMT_BUF], b[FMT_BUF], c[FMT_BUF];
	size_t nw;

	fprintf(f, "\n== call-site sampling ==\n");
	if (s->sample_rate == 1)
		fprintf(f, "%-10s every block sampled (HEAPTOP_SAMPLE_RATE=1): site numbers are exact\n", "rate");
	else
		fprintf(f, "%-10s one sample per %s allocated on average (HEAPTOP_SAMPLE_RATE=%" PRIu64
			"): site numbers are estimates (~), each with the samples behind it\n", "rate",
			fmt_bytes(a, sizeof(a), s->sample_rate), s->sample_rate);
	fprintf(f, "%-10s %s allocations, %s realloc moves\n", "samples",
		fmt_count(a, sizeof(a), s->samples_total), fmt_count(b, sizeof(b), s->move_samples_total));
	if (s->sites_dropped || s->live_dropped || s->modules_dropped)
		fprintf(f, "%-10s %s samples found no site slot, %s sampled blocks were not followed to "
			"their free, %s loaded objects were not recorded\n", "dropped",
			fmt_count(a, sizeof(a), s->sites_dropped), fmt_count(b, sizeof(b), s->live_dropped),
			fmt_count(c, sizeof(c), s->modules_dropped));
	if (s->sites_unread || s->modules_unread)
		fprintf(f, "%-10s %" PRIu32 " sites and %" PRIu32 " module entries were being written or torn\n",
			"unread", s->sites_unread, s->modules_unread);
	if (s->pending_unsettled)
		fprintf(f, "%-10s a thread kept moving its latest site deltas while they were read: a "
			"site may be off by that thread's few latest samples\n", "unsettled");
	const char *const *w = m->sym ? symbols_warnings(m->sym, &nw) : NULL;
	for (size_t i = 0; w && i < nw; i++)
		fprintf(f, "%-10s %s\n", "warning", w[i]);
}

static void frames_block(FILE *f, const struct model *m, const struct model_site *ms)
{
	struct sym_frame fr;
	char line[1024];

	for (unsigned i = 0; i < ms->s->nframes; i++) {
		model_site_frame(m, ms, i, &fr);
		fprintf(f, "   %s #%-2u %s\n", i == ms->where_index ? "=>" : "  ", i,
			symbols_format_long(&fr, line, sizeof(line)));
	}
	if (ms->s->flags & HEAPTOP_SITE_TRUNCATED)
		fprintf(f, "       ... (the stack was deeper, or unwinding stopped early)\n");
}

static void est_line(FILE *f, unsigned how, const char *what, int64_t bytes, int64_t n,
		     int64_t samples, const char *unit)
{
	char a[2 * FMT_BUF];

	fprintf(f, "   %-10s %s\n", what, fmt_estimate_in(a, sizeof(a), bytes, n, samples, how, unit));
}

static void site_entry(FILE *f, const struct model *m, size_t rank, const struct model_site *ms)
{
	const struct site_values *v = &ms->v;
	unsigned how = est_flags(m, 0), abs = how & ~(unsigned)FMT_EST_SIGNED;
	char where[512];

	fprintf(f, "%zu. %s\n", rank, symbols_format(&ms->where, where, sizeof(where)));
	est_line(f, how, "live", v->live_bytes, v->live_blocks, v->live_samples, "block");
	est_line(f, how, "allocated", (int64_t)v->alloc_bytes, (int64_t)v->alloc_blocks,
		 (int64_t)v->alloc_samples, "block");
	if (v->move_samples)
		est_line(f, how, "moved", (int64_t)v->move_bytes, (int64_t)v->move_count,
			 (int64_t)v->move_samples, "realloc move");
	if (m->cur.peak_valid && v->peak_samples) /* never a change since the mark */
		est_line(f, abs, "at peak", (int64_t)v->peak_bytes, (int64_t)v->peak_blocks,
			 (int64_t)v->peak_samples, "block");
	frames_block(f, m, ms);
}

/* A section of at most max sites of order o, its title line fixed (scripts
 * find it), what it is sorted by on the next; since_mark adds the mark's note. */
static void section(FILE *f, const struct model *m, const char *title, const char *by,
		    enum site_order o, size_t max, int since_mark, const char *none)
{
	size_t n = model_site_count(m, o);

	fprintf(f, "\n== %s ==\n%s%s\n", title, by, since_mark && m->has_mark ? ", changes since the mark" : "");
	if (n == 0)
		fprintf(f, "%s\n", none);
	for (size_t i = 0; i < n && i < max; i++)
		site_entry(f, m, i + 1, model_site_at(m, o, i));
	if (n > max)
		fprintf(f, "(%zu more sites not listed)\n", n - max);
}

static void peak_section(FILE *f, const struct model *m)
{
	char a[FMT_BUF], b[FMT_BUF], by[160];

	if (!m->cur.peak_valid) {
		fprintf(f, "\n== peak contributors ==\nthe peak copy was being rewritten: try again\n");
		return;
	}
	if (!m->cur.peak_use_max) {
		fprintf(f, "\n== peak contributors ==\nno peak copied yet\n");
		return;
	}
	snprintf(by, sizeof(by), "by live bytes when use_max reached %s, %s after the start%s",
		 fmt_bytes(a, sizeof(a), m->cur.peak_use_max), fmt_duration(b, sizeof(b), m->cur.peak_t_ns),
		 m->has_mark ? "; the other lines are changes since the mark" : "");
	section(f, m, "peak contributors", by, SITE_PEAK_BY_BYTES, TEXT_OTHERS, 0,
		"no site held sampled memory then");
}

void snapshot_sites_text(FILE *f, const struct model *m)
{
	const char *note = model_sampling_note(&m->cur);

	if (note) {
		fprintf(f, "\n== top call sites ==\n%s\n\n== realloc-move hotspots ==\n%s\n"
			"\n== peak contributors ==\n%s\n", note, note, note);
		return;
	}
	header_block(f, m);
	section(f, m, "top call sites", "by live bytes", SITE_BY_LIVE, TEXT_SITES, 1,
		"no allocation sampled yet");
	section(f, m, "realloc-move hotspots", "by bytes copied", SITE_MOVERS_BY_BYTES, TEXT_OTHERS, 1,
		"no realloc move sampled");
	peak_section(f, m);
}
