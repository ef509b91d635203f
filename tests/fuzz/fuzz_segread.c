/*
 * tests/fuzz/fuzz_segread.c - libFuzzer target for the viewer's segment
 * reader: any bytes as a segment image, read with segread_read(), then
 * through the model and both snapshot writers.  Aborts when a successful
 * read breaks a promise of segread.h (bounded points, sites, frames and
 * modules, printable command line and module paths, use_max >= use_curr) or a snapshot puts a raw control character
 * inside a JSON string.  Built by tests/fuzz/run.sh; tests/fuzz/replay.c
 * runs the same entry point over tests/fuzz/regress/ in every `make check`.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "segread.h"
#include "model.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tables' promises: bounded counts and frames, sites in slot order with
 * their live counts clamped, printable paths. */
static void check_tables(const struct seg_snapshot *s, size_t size)
{
	if (s->sampling != SEG_SAMPLING_ON && (s->sites || s->modules || s->nsites || s->nmodules))
		abort();
	if (s->nsites > size / sizeof(struct heaptop_site) || s->nsites > SEG_SITES_MAX ||
	    s->nmodules > size / sizeof(struct heaptop_module) || s->nmodules > SEG_MODULES_MAX)
		abort();
	for (size_t i = 0; i < s->nsites; i++) {
		const struct seg_site *o = &s->sites[i];
		if (o->nframes > SEG_FRAMES_MAX || (int64_t)o->live_bytes < 0 ||
		    (int64_t)o->live_blocks < 0 || (int64_t)o->live_samples < 0)
			abort(); /* live_* clamped after the pending deltas */
		if (i > 0 && o->slot <= s->sites[i - 1].slot)
			abort(); /* in slot order, each slot once */
	}
	if (s->sampling != SEG_SAMPLING_ON && (s->samples_total || s->pending_unsettled))
		abort();
	for (size_t i = 0; i < s->nmodules; i++) {
		const struct seg_module *m = &s->modules[i];
		if (strlen(m->path) > HEAPTOP_MODULE_PATH_MAX || m->build_id_len > HEAPTOP_BUILD_ID_MAX ||
		    m->start >= m->end)
			abort();
		for (const unsigned char *p = (const unsigned char *)m->path; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				abort();
	}
}

static void check_snapshot(const struct seg_snapshot *s, size_t size)
{
	if (s->npoints > size / sizeof(struct heaptop_timeline_entry))
		abort();
	check_tables(s, size);
	for (const unsigned char *p = (const unsigned char *)s->cmdline; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	if (strlen(s->cmdline) > HEAPTOP_CMDLINE_MAX || s->stats.use_max < s->stats.use_curr)
		abort();
}

/* Both writers into memory; no control character may appear raw in the JSON. */
static void check_writers(const struct model *m)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return;
	snapshot_write_json(f, m);
	fflush(f);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n')
			abort();
	snapshot_write_text(f, m);
	fclose(f);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct segread *r;
	struct seg_snapshot s;
	struct model m;

	memset(&s, 0, sizeof(s));
	if (segread_open_buffer(data, size, &r) != SEGREAD_OK)
		return 0;
	if (segread_read(r, &s) == SEGREAD_OK)
		check_snapshot(&s, size);
	segread_snapshot_free(&s);
	memset(&m, 0, sizeof(m));
	if (model_init(&m, r) == SEGREAD_OK) {
		model_toggle_mark(&m);
		model_scan(&m);
		check_writers(&m);
	}
	model_free(&m); /* closes r */
	return 0;
}
