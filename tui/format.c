/*
 * tui/format.c - number, size, duration and bucket formatting for people
 * (see format.h).  Pure functions of their arguments; no allocation.
 */
#include <stdio.h>
#include "format.h"
#include "heaptop/segment.h"

static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

char *fmt_bytes(char *buf, size_t cap, uint64_t v)
{
	if (v < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)v);
		return buf;
	}
	double d = (double)v;
	unsigned u = 0;
	while (d >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024.0;
		u++;
	}
	/* 1023.996 KiB would print as "1024.00 KiB": step up instead. */
	if (d >= 1023.995 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024.0;
		u++;
	}
	snprintf(buf, cap, "%.2f %s", d, units[u]);
	return buf;
}

char *fmt_bytes_delta(char *buf, size_t cap, int64_t v)
{
	char tmp[FMT_BUF];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	fmt_bytes(tmp, sizeof(tmp), mag);
	snprintf(buf, cap, "%s%s", v > 0 ? "+" : v < 0 ? "-" : "", tmp);
	return buf;
}

char *fmt_count(char *buf, size_t cap, uint64_t v)
{
	char digits[24];
	char out[FMT_BUF];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, cap, "%s", out);
	return buf;
}

char *fmt_rate(char *buf, size_t cap, double per_s)
{
	char tmp[FMT_BUF];

	if (!(per_s > 0)) /* also NaN */
		snprintf(buf, cap, "0/s");
	else if (per_s < 100.0)
		snprintf(buf, cap, "%.1f/s", per_s);
	else if (per_s < 1.8e19)
		snprintf(buf, cap, "%s/s", fmt_count(tmp, sizeof(tmp), (uint64_t)(per_s + 0.5)));
	else
		snprintf(buf, cap, "%.3g/s", per_s);
	return buf;
}

char *fmt_duration(char *buf, size_t cap, uint64_t ns)
{
	const uint64_t ms = ns / 1000000ull, s = ns / 1000000000ull;

	if (ms < 10)
		snprintf(buf, cap, "%llu.%llums", (unsigned long long)ms,
			 (unsigned long long)(ns / 100000ull % 10));
	else if (s == 0)
		snprintf(buf, cap, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(buf, cap, "%llu.%llus", (unsigned long long)s,
			 (unsigned long long)(ms % 1000 / 100));
	else if (s < 3600)
		snprintf(buf, cap, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 100 * 3600)
		snprintf(buf, cap, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
	else
		snprintf(buf, cap, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24));
	return buf;
}

/* 2^k bytes with the largest exact binary unit: "64 B", "1 KiB", "8 EiB". */
static void pow2_label(char *buf, size_t cap, unsigned k)
{
	unsigned u = k / 10;
	if (u >= sizeof(units) / sizeof(units[0]))
		u = sizeof(units) / sizeof(units[0]) - 1;
	snprintf(buf, cap, "%llu %s", 1ull << (k - 10 * u), units[u]);
}

char *fmt_bucket(char *buf, size_t cap, unsigned bucket)
{
	char lo[FMT_BUF], hi[FMT_BUF];

	if (bucket == 0) {
		snprintf(buf, cap, "0 B");
	} else if (bucket > 64) {
		snprintf(buf, cap, "?");
	} else {
		pow2_label(lo, sizeof(lo), bucket - 1);
		if (bucket == 64) /* 2^64 does not fit a uint64_t */
			snprintf(hi, sizeof(hi), "16 EiB");
		else
			pow2_label(hi, sizeof(hi), bucket);
		snprintf(buf, cap, "[ %s .. %s)", lo, hi);
	}
	return buf;
}

/* A magnitude in at most 5 columns: "512", "12.3k" / "12.3K", "123M".
 * Bytes use binary steps and end in a unit letter ("512B"). */
static void short_magnitude(char *buf, size_t cap, uint64_t v, int bytes)
{
	static const char big[] = "KMGTPE", small[] = "kMGTPE";
	const double step = bytes ? 1024.0 : 1000.0;
	double d = (double)v;
	int u = -1;

	if ((double)v < step) {
		snprintf(buf, cap, "%llu%s", (unsigned long long)v, bytes ? "B" : "");
		return;
	}
	while (d >= step && u < 5) {
		d /= step;
		u++;
	}
	if (d >= step - 0.5 && u < 5) { /* 1023.7K would print as "1024K": step up */
		d /= step;
		u++;
	}
	snprintf(buf, cap, d >= 99.95 ? "%.0f%c" : "%.1f%c", d, (bytes ? big : small)[u]);
}

char *fmt_estimate(char *buf, size_t cap, int64_t v, int64_t samples, unsigned how)
{
	char val[FMT_BUF], n[FMT_BUF];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t nmag = samples < 0 ? (uint64_t)0 - (uint64_t)samples : (uint64_t)samples;
	const char *approx = how & FMT_EST_EXACT ? "" : "~";
	const char *sign = !(how & FMT_EST_SIGNED) ? "" : v > 0 ? "+" : v < 0 ? "-" : "";
	const char *nsign = samples < 0 ? "-" : "";

	if (how & FMT_EST_SHORT) {
		short_magnitude(val, sizeof(val), mag, how & FMT_EST_BYTES);
		short_magnitude(n, sizeof(n), nmag, 0);
		snprintf(buf, cap, "%s%s%s (%s%s)", sign, approx, val, nsign, n);
	} else {
		if (how & FMT_EST_BYTES)
			fmt_bytes(val, sizeof(val), mag);
		else
			fmt_count(val, sizeof(val), mag);
		snprintf(buf, cap, "%s%s%s (%s%s sample%s)", sign, approx, val, nsign,
			 fmt_count(n, sizeof(n), nmag), nmag == 1 ? "" : "s");
	}
	return buf;
}

char *fmt_estimate_in(char *buf, size_t cap, int64_t bytes, int64_t n, int64_t samples, unsigned how,
		      const char *unit)
{
	char a[FMT_BUF], b[FMT_BUF];
	uint64_t mag = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
	const char *sign = !(how & FMT_EST_SIGNED) ? "" : n > 0 ? "+" : n < 0 ? "-" : "";

	how &= ~(unsigned)FMT_EST_SHORT;
	snprintf(buf, cap, "%s in %s%s%s %s%s", fmt_estimate(a, sizeof(a), bytes, samples, how | FMT_EST_BYTES),
		 sign, how & FMT_EST_EXACT ? "" : "~", fmt_count(b, sizeof(b), mag), unit, mag == 1 ? "" : "s");
	return buf;
}

const char *fmt_state(uint32_t state, int alive)
{
	switch (state) {
	case HEAPTOP_STATE_INIT: return "init";
	case HEAPTOP_STATE_RUNNING: return alive ? "running" : "gone";
	case HEAPTOP_STATE_EXITED: return "exited";
	case HEAPTOP_STATE_EXECED: return "execed";
	default: return "unknown";
	}
}
