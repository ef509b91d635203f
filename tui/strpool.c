/*
 * tui/strpool.c - interned strings (see strpool.h): an open-addressing
 * table of FNV-1a hashes, doubled at half load.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "strpool.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The slot holding s, or the empty slot where it belongs. */
static char **find(char **slots, size_t cap, const char *s)
{
	size_t i = (size_t)hash(s) & (cap - 1);

	while (slots[i] && strcmp(slots[i], s) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct strpool *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 256;
	char **ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (size_t i = 0; i < p->cap; i++)
		if (p->slots[i])
			*find(ns, ncap, p->slots[i]) = p->slots[i];
	free(p->slots);
	p->slots = ns;
	p->cap = ncap;
	return 0;
}

const char *strpool_get(struct strpool *p, const char *s)
{
	if ((p->used + 1) * 2 > p->cap && grow(p) != 0)
		return NULL;
	char **slot = find(p->slots, p->cap, s);
	if (!*slot) {
		*slot = strdup(s);
		if (!*slot)
			return NULL;
		p->used++;
	}
	return *slot;
}

void strpool_free(struct strpool *p)
{
	for (size_t i = 0; i < p->cap; i++)
		free(p->slots[i]);
	free(p->slots);
	p->slots = NULL;
	p->cap = p->used = 0;
}
