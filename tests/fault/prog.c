/*
 * tests/fault/prog.c - a deterministic program for the fault tests: it
 * allocates, builds strings, and prints a checksum and whether heaptop says
 * it is tracking (via the weak in-process API).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "heaptop.h"

int main(void)
{
	unsigned long sum = 0;
	char *s = NULL;
	size_t len = 0;

	for (int i = 0; i < 20000; i++) {
		char *p = malloc(16 + (size_t)(i % 200));
		if (!p)
			return 3;
		memset(p, i & 0xff, 16);
		sum += (unsigned char)p[3];
		free(p);
		char *t = realloc(s, len + 8);
		if (!t)
			return 3;
		s = t;
		memcpy(s + len, "abcdefgh", 8);
		len += 8;
	}
	free(s);
	printf("checksum %lu len %zu\n", sum, len);
	printf("tracking %d\n", heaptop_tracking ? heaptop_tracking() : -1);
	printf("pid %d\n", (int)getpid());
	return 7; /* a distinctive exit code the library must not change */
}
