/*
 * lib/cfi.h - unwind rules from DWARF call-frame information on x86-64
 * (lib/cfi.c): the rule format the stack walk of lib/stacks.c follows, and
 * the process-wide rule cache it asks.
 *
 * Hidden like everything in lib/ (see lib/internal.h).
 */
#ifndef HEAPTOP_LIB_CFI_H
#define HEAPTOP_LIB_CFI_H

#include <stdint.h>

#if defined(__x86_64__)

#pragma GCC visibility push(hidden)

/*
 * A rule: what a walk does at one code address, packed in 64 bits.
 * bits 0-1 kind; bit 2 the CFA is %rbp-based (else %rsp); bits 16-31 where
 * the caller's %rbp is saved, relative to the CFA (0: not saved, %rbp is the
 * caller's too); bits 32-63 the CFA's offset from its register.  The return
 * address is always at CFA - 8, and an %rsp-based CFA moves up by a multiple
 * of 8 below FRAME_MAX (both checked when the rule is made).
 */
enum { RULE_STEP = 0, RULE_LAST = 1, RULE_FAIL = 2, RULE_NONE = 3 /* not cached */ };
#define RULE_KIND 3u
#define RULE_CFA_RBP 4u

/* A frame bigger than this is taken for a broken walk (libunwind decides). */
#define FRAME_MAX ((uintptr_t)1 << 30)

/* A slot of the rule cache (private to cfi.c). */
struct rule_slot;

/* Maps the rule cache once (a fork child keeps its parent's); 0 or -errno. */
int ht_cfi_prepare(void);
/* The rule cache, or NULL before ht_cfi_prepare() succeeded. */
struct rule_slot *ht_cfi_cache(void);
/* The rule at code address pc: from tab, else computed and kept (RULE_FAIL when it can't be now). */
uint64_t ht_cfi_rule(struct rule_slot *tab, uintptr_t pc);
/* The cache's epoch: rules (and whatever was derived from them) of another epoch are void. */
uint32_t ht_cfi_epoch(void);
/* Retires every cached rule at once (an object was unloaded). */
void ht_cfi_forget(void);

#pragma GCC visibility pop

#endif /* __x86_64__ */

#endif
