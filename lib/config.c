/*
 * lib/config.c - the one table of HEAPTOP_* options the library reads.
 * Every option is read with secure_getenv() (ignored in setuid programs),
 * parsed without allocating, and clamped to its range; a value that does
 * not parse keeps the default.  docs/configuration.md documents the table.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"

struct ht_option {
	const char *name;
	size_t offset;   /* in struct ht_config */
	int wide;        /* 1: uint64_t field, 0: uint32_t */
	uint64_t def, min, max;
};

#define OPT32(name, field, def, min, max) \
	{ name, offsetof(struct ht_config, field), 0, def, min, max }
#define OPT64(name, field, def, min, max) \
	{ name, offsetof(struct ht_config, field), 1, def, min, max }

static const struct ht_option options[] = {
	OPT32("HEAPTOP_SHARDS", shards, 64, 2, 4096),
	OPT32("HEAPTOP_TIMELINE", timeline_len, 8192, 16, 1u << 20),
	OPT64("HEAPTOP_INTERVAL_MS", interval_ms, 100, 100, 3600 * 1000),
	OPT64("HEAPTOP_PEAK_SLACK", peak_slack, 64 * 1024, 0, 1ull << 40),
	OPT32("HEAPTOP_KEEP", keep, 0, 0, 1),
	OPT32("HEAPTOP_DISABLE", disable, 0, 0, 1),
	OPT32("HEAPTOP_QUIET", quiet, 0, 0, 1),
	OPT64("HEAPTOP_SAMPLE_RATE", sample_rate, 512 * 1024, 0, 1ull << 40),
	OPT32("HEAPTOP_MAX_FRAMES", max_frames, 32, 1, 64),
	OPT32("HEAPTOP_SITES", sites, 2048, 16, 1u << 16),
	OPT32("HEAPTOP_MODULES", modules, 256, 16, 4096),
	/* Set by the launcher: keep exactly the segment of the pid it started. */
	OPT64("HEAPTOP_KEEP_PID", keep_pid, 0, 0, UINT64_MAX),
};

/* Parses a decimal number with an optional k/m/g suffix; 0 on success. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -1;
	}
	if (!digits)
		return -1;
	uint64_t mul = 1;
	switch (*s) {
	case 'k': case 'K': mul = 1ull << 10; s++; break;
	case 'm': case 'M': mul = 1ull << 20; s++; break;
	case 'g': case 'G': mul = 1ull << 30; s++; break;
	default: break;
	}
	if (*s || __builtin_mul_overflow(v, mul, &v))
		return -1;
	*out = v;
	return 0;
}

void ht_config_read(struct ht_config *cfg)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct ht_option *o = &options[i];
		const char *s = secure_getenv(o->name);
		uint64_t v = o->def;

		if (s && parse_u64(s, &v) == 0) {
			if (v < o->min)
				v = o->min;
			if (v > o->max)
				v = o->max;
		} else {
			v = o->def;
		}
		char *field = (char *)cfg + o->offset;
		if (o->wide)
			*(uint64_t *)field = v;
		else
			*(uint32_t *)field = (uint32_t)v;
	}
	if (cfg->keep_pid && cfg->keep_pid == (uint64_t)getpid())
		cfg->keep = 1;
}
