/*
 * tui/snapshot.h - saving what the viewer knows as a file: a readable text
 * report (snapshot_text.c) or JSON with stable keys (snapshot_json.c,
 * documented in docs/snapshot-format.md), with the call sites in their own
 * files (snapshot_sites_text.c, snapshot_sites_json.c).  Used by the `s`
 * key of the live view and by `heaptop --snapshot`.
 */
#ifndef HEAPTOP_TUI_SNAPSHOT_H
#define HEAPTOP_TUI_SNAPSHOT_H

#include <stdio.h>
#include "model.h"

/* Version of the JSON layout ("format_version"); bumped on incompatible change. */
#define SNAPSHOT_FORMAT_VERSION 1

/* Writes the text report of m to f: stats (deltas when a mark is set, and
 * it says so), histograms, process, timeline.  0, or -1 on a write error. */
int snapshot_write_text(FILE *f, const struct model *m);
/* Writes m as one JSON object to f (keys in docs/snapshot-format.md).
 * 0, or -1 on a write error. */
int snapshot_write_json(FILE *f, const struct model *m);

/* The call-site sections of the text report: sampling, top call sites,
 * realloc-move hotspots, peak contributors (snapshot_sites_text.c). */
void snapshot_sites_text(FILE *f, const struct model *m);
/* The call-site keys of the JSON object, from "sampling_available" to
 * "peak", each line but the last ending in ",\n" (snapshot_sites_json.c). */
void snapshot_sites_json(FILE *f, const struct model *m);
/* s as a JSON string, quoted and escaped. */
void snapshot_json_string(FILE *f, const char *s);

/* Shared by the two writers: alloc_bytes / alloc_count (0 without allocations). */
uint64_t snapshot_avg(uint64_t bytes, uint64_t count);
/* Seconds since the mark was set (0 without a mark). */
double snapshot_mark_age_s(const struct model *m);

#endif
