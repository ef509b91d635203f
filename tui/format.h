/*
 * tui/format.h - how the viewer writes numbers for people: byte sizes
 * ("1.50 MiB"), counts with thousands separators ("1,234,567"), durations
 * ("0.4ms", "850ms", "3.2s", "12m05s", "1h02m"), histogram bucket labels
 * ("[ 64 B .. 128 B)") and sampled estimates ("~12.30 MiB (41 samples)").  Shared by the curses view and the snapshot writers,
 * so the screen and a saved snapshot say the same thing.  No curses here.
 *
 * Every function writes a NUL-terminated string into buf (truncated to cap,
 * never overflowed) and returns buf, so calls can sit inside a printf:
 *     char a[FMT_BUF], b[FMT_BUF];
 *     printf("%s in %s blocks\n", fmt_bytes(a, sizeof a, n), fmt_count(b, sizeof b, c));
 */
#ifndef HEAPTOP_TUI_FORMAT_H
#define HEAPTOP_TUI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* A buffer size that holds any result of the functions below. */
#define FMT_BUF 48

/* Bytes with a binary unit: "0 B", "1023 B", "1.50 KiB", "16.00 EiB". */
char *fmt_bytes(char *buf, size_t cap, uint64_t v);
/* A signed byte delta: "+1.50 MiB", "-12 B", "0 B" (for marks). */
char *fmt_bytes_delta(char *buf, size_t cap, int64_t v);
/* A count with thousands separators: "0", "1,234,567". */
char *fmt_count(char *buf, size_t cap, uint64_t v);
/* A rate per second, one decimal below 100: "0.5/s", "1,234/s". */
char *fmt_rate(char *buf, size_t cap, double per_s);
/* A duration: "0.4ms" (< 10 ms), "850ms" (< 1 s), "3.2s" (< 1 min), "12m05s" (< 1 h),
 * "1h02m" (< 100 h), "5d03h". */
char *fmt_duration(char *buf, size_t cap, uint64_t ns);
/* A histogram bucket (bucket 0 holds size 0, bucket k+1 [2^k, 2^(k+1))):
 * "0 B", "[ 1 B .. 2 B)", "[ 64 B .. 128 B)", "[ 1 KiB .. 2 KiB)"; an
 * out-of-range bucket gives "?". */
char *fmt_bucket(char *buf, size_t cap, unsigned bucket);

/* How fmt_estimate writes an estimate (flags, or-ed). */
enum fmt_est {
	FMT_EST_BYTES = 1,    /* a byte size (else a count) */
	FMT_EST_EXACT = 2,    /* sampled at rate 1: no "~" */
	FMT_EST_SIGNED = 4,   /* a change since the mark: "+" / "-" */
	FMT_EST_SHORT = 8,    /* a table cell: "~12.3M (41)" */
};
/* A sampled estimate with the number of samples behind it:
 * "~12.30 MiB (41 samples)", "~1,234 (1 sample)", "+1.50 KiB (3 samples)";
 * short: "~12.3M (41)", "~1.2k (3)", "-512B (-2)". */
char *fmt_estimate(char *buf, size_t cap, int64_t v, int64_t samples, unsigned how);

/* An estimate of bytes in n units with its samples, for a site's lines:
 * "~12.30 MiB (41 samples) in ~120 blocks" (unit in the singular; how as
 * for fmt_estimate, FMT_EST_BYTES implied). */
char *fmt_estimate_in(char *buf, size_t cap, int64_t bytes, int64_t n, int64_t samples, unsigned how,
		      const char *unit);

/* A segment state (enum heaptop_state) as a word: "init", "running",
 * "exited", "execed", "unknown"; a running state of a process that is gone
 * (alive == 0) reads "gone".  Pass alive = 1 for the state as written. */
const char *fmt_state(uint32_t state, int alive);

#endif
