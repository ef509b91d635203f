/*
 * tests/sites/nounwind_c.c - an allocating function built without unwind
 * tables (-fno-asynchronous-unwind-tables -fno-unwind-tables) and without a
 * frame pointer: unwinding through it must stop, not crash.
 */
#include <stdlib.h>

void *nounwind_c_alloc(size_t n);

void *nounwind_c_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory"); /* keep the call a call */
	return p;
}
