/*
 * tui/snapshot_sites_json.c - the call-site keys of the JSON snapshot
 * (docs/snapshot-format.md): how sites were sampled, the module table,
 * problems with module files, then "realloc_move_hotspots" (by bytes
 * copied), "sites" (by live bytes) and "peak" (by bytes at the peak copy).
 * Every site is one object on one line, its named frames one per line
 * after it, so line tools can read them too.  The numbers are totals since
 * the process started even while a mark is set, like the counters.
 */
#include <inttypes.h>
#include "snapshot.h"

static const char *sampling_word(enum seg_sampling s)
{
	switch (s) {
	case SEG_SAMPLING_ON: return "on";
	case SEG_SAMPLING_OFF: return "off";
	case SEG_SAMPLING_DAMAGED: return "damaged";
	default: return "unavailable";
	}
}

static void key_u64(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, "  \"%s\": %" PRIu64 ",\n", key, v);
}

static void header_keys(FILE *f, const struct model *m)
{
	const struct seg_snapshot *s = &m->cur;
	size_t nw = 0;

	fprintf(f, "  \"sampling_available\": %s,\n", s->sampling == SEG_SAMPLING_ON ? "true" : "false");
	fprintf(f, "  \"sampling\": \"%s\",\n", sampling_word(s->sampling));
	key_u64(f, "sample_rate", s->sample_rate);
	key_u64(f, "samples_total", s->samples_total);
	key_u64(f, "move_samples_total", s->move_samples_total);
	key_u64(f, "sites_dropped", s->sites_dropped);
	key_u64(f, "live_dropped", s->live_dropped);
	key_u64(f, "modules_dropped", s->modules_dropped);
	key_u64(f, "sites_unread", s->sites_unread);
	key_u64(f, "modules_unread", s->modules_unread);
	fprintf(f, "  \"sites_settled\": %s,\n", s->pending_unsettled ? "false" : "true");
	fprintf(f, "  \"peak_valid\": %s,\n", s->peak_valid ? "true" : "false");
	key_u64(f, "peak_use_max", s->peak_use_max);
	fprintf(f, "  \"peak_t_s\": %.3f,\n", (double)s->peak_t_ns / 1e9);
	const char *const *w = m->sym ? symbols_warnings(m->sym, &nw) : NULL;
	fprintf(f, "  \"symbol_warnings\": [");
	for (size_t i = 0; i < nw; i++) {
		fprintf(f, "%s", i ? ", " : "");
		snapshot_json_string(f, w[i]);
	}
	fprintf(f, "],\n");
}

static void modules_key(FILE *f, const struct seg_snapshot *s)
{
	fprintf(f, "  \"modules\": [");
	for (size_t i = 0; i < s->nmodules; i++) {
		const struct seg_module *mo = &s->modules[i];
		fprintf(f, "%s\n    {\"path\": ", i ? "," : "");
		snapshot_json_string(f, mo->path);
		fprintf(f, ", \"base\": \"%#" PRIx64 "\", \"start\": \"%#" PRIx64 "\", \"end\": \"%#" PRIx64
			"\", \"loaded\": %s, \"build_id\": \"", mo->base, mo->start, mo->end,
			mo->state == HEAPTOP_MODULE_LOADED ? "true" : "false");
		for (unsigned k = 0; k < mo->build_id_len; k++)
			fprintf(f, "%02x", mo->build_id[k]);
		fprintf(f, "\"}");
	}
	fprintf(f, "%s],\n", s->nmodules ? "\n  " : "");
}

/* "function", "file", "line", "module", "offset" of a named frame. */
static void frame_fields(FILE *f, const struct sym_frame *fr)
{
	fprintf(f, "\"function\": ");
	snapshot_json_string(f, fr->function);
	fprintf(f, ", \"file\": ");
	snapshot_json_string(f, fr->file);
	fprintf(f, ", \"line\": %d, \"module\": ", fr->line);
	snapshot_json_string(f, fr->module);
	fprintf(f, ", \"offset\": %" PRIu64, fr->offset);
}

static void site_object(FILE *f, const struct model *m, const struct model_site *ms)
{
	const struct site_values *v = &ms->total;
	struct sym_frame fr;

	fprintf(f, "    {");
	frame_fields(f, &ms->where);
	fprintf(f, ", \"frame_index\": %u, \"samples\": %" PRIu64 ", \"alloc_bytes\": %" PRIu64
		", \"alloc_blocks\": %" PRIu64 ", \"live_bytes\": %" PRId64 ", \"live_blocks\": %" PRId64
		", \"live_samples\": %" PRId64 ", \"move_count\": %" PRIu64 ", \"move_bytes\": %" PRIu64
		", \"move_samples\": %" PRIu64 ", \"peak_bytes\": %" PRIu64 ", \"peak_blocks\": %" PRIu64
		", \"peak_samples\": %" PRIu64 ", \"truncated\": %s, \"frames\": [",
		ms->where_index, v->alloc_samples, v->alloc_bytes, v->alloc_blocks, v->live_bytes,
		v->live_blocks, v->live_samples, v->move_count, v->move_bytes, v->move_samples, v->peak_bytes,
		v->peak_blocks, v->peak_samples, ms->s->flags & HEAPTOP_SITE_TRUNCATED ? "true" : "false");
	for (unsigned i = 0; i < ms->s->nframes; i++) {
		model_site_frame(m, ms, i, &fr);
		fprintf(f, "%s\n      {\"addr\": \"%#" PRIx64 "\", ", i ? "," : "", fr.addr);
		frame_fields(f, &fr);
		fprintf(f, "}");
	}
	fprintf(f, "]}");
}

static void site_list(FILE *f, const struct model *m, const char *key, enum site_order o, int last)
{
	size_t n = model_site_total_count(m, o);

	fprintf(f, "  \"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", i ? "," : "");
		site_object(f, m, model_site_total_at(m, o, i));
	}
	fprintf(f, "%s]%s", n ? "\n  " : "", last ? "" : ",\n");
}

void snapshot_sites_json(FILE *f, const struct model *m)
{
	header_keys(f, m);
	modules_key(f, &m->cur);
	site_list(f, m, "realloc_move_hotspots", SITE_MOVERS_BY_BYTES, 0);
	site_list(f, m, "sites", SITE_BY_LIVE, 0);
	site_list(f, m, "peak", SITE_PEAK_BY_BYTES, 1);
}
