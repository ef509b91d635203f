/*
 * tests/sites/read_sites.c - reads a kept segment after its process exited
 * (libc only, no preload) and checks what a viewer would rely on there:
 *
 *   read_sites SEGMENT FRAME SUBSTR
 *
 * exits 0 when the segment is a v2 exited segment with a published site
 * whose frame 0 is FRAME (hex) and an unloaded module whose path contains
 * SUBSTR and whose address range holds FRAME.  It prints the sites with the
 * most live bytes and the module table as it goes.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "sites_view.h"

static void print_modules(const struct sites_view *v)
{
	for (uint32_t i = 0; i < sites_view_modules(v); i++) {
		const struct heaptop_module *m = sites_view_module(v, i);
		if (!m)
			continue;
		char path[HEAPTOP_MODULE_PATH_MAX + 1];
		memcpy(path, m->path, HEAPTOP_MODULE_PATH_MAX);
		path[HEAPTOP_MODULE_PATH_MAX] = '\0';
		for (char *c = path; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		fprintf(stderr, "# module %2u %s %#" PRIx64 "-%#" PRIx64 " build-id %u bytes %s\n", i,
			m->state == HEAPTOP_MODULE_LOADED ? "loaded  " : "unloaded", m->start, m->end,
			m->build_id_len, path);
	}
}

int main(int argc, char **argv)
{
	struct sites_view v;

	if (argc != 4)
		test_hard_error("usage: read_sites SEGMENT FRAME SUBSTR");
	uint64_t frame = strtoull(argv[2], NULL, 16);
	if (sites_view_open(&v, argv[1]) != 0)
		test_hard_error("cannot read %s as a v2 heaptop segment", argv[1]);
	CHECK_EQ(v.h->state, HEAPTOP_STATE_EXITED);
	CHECK(v.h->sites_count > 0 && v.h->modules_count > 0);
	print_modules(&v);

	int site = 0;
	for (uint32_t i = 0; i < v.h->sites_count; i++) {
		const struct heaptop_site *s = sites_view_published(&v, i);
		if (s && s->nframes && s->frames[0] == frame)
			site++;
	}
	CHECK_EQ(site, 1);
	int mod = 0;
	for (uint32_t i = 0; i < sites_view_modules(&v); i++) {
		const struct heaptop_module *m = sites_view_module(&v, i);
		if (m && strstr(m->path, argv[3]) && m->state == HEAPTOP_MODULE_UNLOADED &&
		    m->start <= frame && frame < m->end)
			mod++;
	}
	CHECK_EQ(mod, 1);
	return test_summary("read_sites");
}
