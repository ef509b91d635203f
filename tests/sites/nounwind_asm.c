/*
 * tests/sites/nounwind_asm.c - hand-written x86-64 code with no CFI at all
 * (top-level asm gets none) that calls malloc with a garbage frame pointer
 * in %rbp: the unwinder must give a truncated stack, never follow the
 * garbage into a crash.  On other machines it is plain C.
 */
#include <stdlib.h>

void *nounwind_asm_alloc(size_t n);

#if defined(__x86_64__)
__asm__(".text\n"
	".globl nounwind_asm_alloc\n"
	".type nounwind_asm_alloc, @function\n"
	"nounwind_asm_alloc:\n"
	"\tpushq %rbp\n"
	"\tmovabsq $0x0000dead0000beef, %rbp\n"
	"\tcall malloc@PLT\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size nounwind_asm_alloc, .-nounwind_asm_alloc\n");
#else
void *nounwind_asm_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory");
	return p;
}
#endif
