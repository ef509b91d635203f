/*
 * tests/sites/dlmod.c - a tiny module that sites_prog dlopens, allocates
 * from, and dlcloses: its module entry must stay, marked unloaded.
 */
#include <stdlib.h>

void *dlmod_alloc(size_t n);

void *dlmod_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory");
	return p;
}
