/*
 * tests/fuzz/replay.c - runs the fuzz target's entry point over files (the
 * crashers and seeds in tests/fuzz/regress/), without libFuzzer, so every
 * `make check` (and the sanitizer build) replays them:  replay FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads a whole file (at most 64 MiB); NULL on failure. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *nb = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	int ran = 0;

	for (int i = 1; i < argc; i++) {
		size_t len;
		unsigned char *buf = slurp(argv[i], &len);
		if (!buf) {
			fprintf(stderr, "replay: cannot read '%s'\n", argv[i]);
			return 99;
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		ran++;
	}
	fprintf(stderr, "replay: %d input(s), no crash\n", ran);
	return 0;
}
