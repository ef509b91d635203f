/*
 * tests/rel/probe.c - says on stdout how it was started, for
 * tests/rel/unpreload.sh: whether the kernel asked for secure execution
 * (AT_SECURE: setuid, setgid, file capabilities), whether libheaptop is in
 * the process and tracking, the shard count its segment was made with, and
 * whether HEAPTOP_SHARDS was in the environment at all.
 *
 * Built three ways: dynamically without the library (heaptop's API is weak,
 * so `loaded=1` means it was preloaded), linked against libheaptop (so it is
 * loaded even where the loader ignores LD_PRELOAD: the secure_getenv test),
 * and statically at test time.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include "heaptop.h"
#include "heaptop/segment.h"

/* The shard count of our own segment, or 0. */
static unsigned own_shards(void)
{
	char path[128];
	struct heaptop_seg_header h;
	const char *name = heaptop_segment_name ? heaptop_segment_name() : NULL;

	if (!name)
		return 0;
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(&h, sizeof(h), 1, f);
	fclose(f);
	return n == 1 ? h.shard_count : 0;
}

int main(void)
{
	const char *env = getenv("HEAPTOP_SHARDS");
	int loaded = heaptop_tracking != NULL;

	free(malloc(10)); /* an allocation, in case something waits for one */
	printf("secure=%lu\n", getauxval(AT_SECURE));
	printf("loaded=%d\n", loaded);
	printf("tracking=%d\n", loaded ? heaptop_tracking() : 0);
	printf("shards=%u\n", own_shards());
	printf("env_shards=%s\n", env ? env : "");
	return 0;
}
