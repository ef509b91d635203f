/*
 * tests/sitesview/symmod.c - a tiny module that is dlopen'ed, used and
 * dlclosed before its frames are named: unit_symbols takes a return address
 * from it, sv_prog allocates from it under the preload.  Symbolization
 * must work from the file after the module is gone.
 */
#include <stdint.h>
#include <stdlib.h>

uint64_t symmod_where(int *line);
void *symmod_alloc(size_t n, int *line);

__attribute__((noinline)) static uint64_t symmod_ret(void)
{
	uint64_t r = (uint64_t)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
	return r;
}

uint64_t symmod_where(int *line)
{
	*line = __LINE__; uint64_t r = symmod_ret();
	__asm__ volatile("" ::: "memory"); /* keep the call a call */
	return r;
}

void *symmod_alloc(size_t n, int *line)
{
	*line = __LINE__; void *p = malloc(n);
	__asm__ volatile("" ::: "memory");
	return p;
}
