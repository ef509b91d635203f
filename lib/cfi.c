/*
 * lib/cfi.c - unwind rules for the x86-64 stack walk of lib/stacks.c, from
 * the DWARF call-frame information of the object holding a code address:
 * its FDE found through .eh_frame_hdr's search table, the CIE and FDE
 * parsed, the CFI program run up to the address, and the row there reduced
 * to a 64-bit rule (lib/cfi.h).  Rules are kept in a process-wide cache;
 * whatever the rule format can't say (signal frames, CFA expressions, code
 * without unwind tables) is RULE_FAIL, and the walk falls back to libunwind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"
#include "cfi.h"

#if defined(__x86_64__)

/* ---- reading DWARF call-frame information -------------------------------------- */

/* Pointer encodings (DW_EH_PE_*) we understand. */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_ABSPTR 0x00
#define PE_ULEB 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_APPL 0x70
#define PE_PCREL 0x10
#define PE_DATAREL 0x30
#define PE_INDIRECT 0x80

/* DWARF register numbers of x86-64. */
#define DWREG_RBP 6
#define DWREG_RSP 7

/* A bounded reader over CFI bytes; any overrun sets bad. */
struct cur {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t get_n(struct cur *c, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < n) {
		c->bad = 1;
		c->p = c->end;
		return 0;
	}
	__builtin_memcpy(&v, c->p, n); /* little-endian */
	c->p += n;
	return v;
}

static uint64_t get_uleb(struct cur *c)
{
	uint64_t v = 0;

	for (unsigned shift = 0; c->p < c->end; shift += 7) {
		uint8_t b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

static int64_t get_sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (c->p < c->end) {
		uint8_t b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			return (int64_t)v;
		}
	}
	c->bad = 1;
	return 0;
}

/* Reads a pointer of encoding enc; datarel is the base of DW_EH_PE_datarel. */
static uintptr_t get_enc(struct cur *c, uint8_t enc, uintptr_t datarel)
{
	uintptr_t at = (uintptr_t)c->p, v;

	switch (enc & PE_FORMAT) {
	case PE_ABSPTR: v = (uintptr_t)get_n(c, 8); break;
	case PE_ULEB: v = (uintptr_t)get_uleb(c); break;
	case PE_UDATA2: v = (uintptr_t)get_n(c, 2); break;
	case PE_UDATA4: v = (uintptr_t)get_n(c, 4); break;
	case PE_UDATA8: v = (uintptr_t)get_n(c, 8); break;
	case PE_SLEB: v = (uintptr_t)get_sleb(c); break;
	case PE_SDATA2: v = (uintptr_t)(int16_t)get_n(c, 2); break;
	case PE_SDATA4: v = (uintptr_t)(int32_t)get_n(c, 4); break;
	case PE_SDATA8: v = (uintptr_t)get_n(c, 8); break;
	default: c->bad = 1; return 0;
	}
	switch (enc & PE_APPL) {
	case 0: return v;
	case PE_PCREL: return v + at;
	case PE_DATAREL: return v + datarel;
	default: c->bad = 1; return 0;
	}
}

/* Where the .eh_frame_hdr of the object holding pc is (dl_iterate_phdr). */
struct hdr_query {
	uintptr_t pc;
	const uint8_t *hdr;
};

static int find_hdr(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct hdr_query *q = arg;
	const uint8_t *hdr = NULL;
	int holds = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && q->pc - s < ph->p_memsz)
			holds = 1;
		else if (ph->p_type == PT_GNU_EH_FRAME)
			hdr = (const uint8_t *)s;
	}
	if (!holds)
		return 0;
	q->hdr = hdr;
	return 1;
}

/* The FDE that may cover pc, by binary search of .eh_frame_hdr's table. */
static const uint8_t *fde_lookup(uintptr_t pc)
{
	struct hdr_query q = { pc, NULL };

	dl_iterate_phdr(find_hdr, &q);
	if (!q.hdr)
		return NULL;
	const uint8_t *h = q.hdr;
	/* version 1, table of sdata4 pairs relative to the header */
	if (h[0] != 1 || h[3] != (PE_DATAREL | PE_SDATA4))
		return NULL;
	struct cur c = { h + 4, h + 4 + 32, 0 };
	(void)get_enc(&c, h[1], (uintptr_t)h);
	uintptr_t count = get_enc(&c, h[2], (uintptr_t)h);
	if (c.bad || count == 0 || h[2] == PE_OMIT)
		return NULL;
	const uint8_t *tab = c.p;
	uintptr_t lo = 0, hi = count;
	int32_t v[2];
	while (hi - lo > 1) {
		uintptr_t mid = lo + (hi - lo) / 2;
		__builtin_memcpy(v, tab + mid * 8, 8);
		if ((uintptr_t)h + (intptr_t)v[0] <= pc)
			lo = mid;
		else
			hi = mid;
	}
	__builtin_memcpy(v, tab + lo * 8, 8);
	if ((uintptr_t)h + (intptr_t)v[0] > pc)
		return NULL;
	return h + (intptr_t)v[1];
}

/* What a common information entry says that the FDE and its program need. */
struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra;
	uint8_t fde_enc;
	uint8_t has_z;
	uint8_t signal;
	struct cur insns;
};

static int cie_parse(const uint8_t *p, struct cie *ci)
{
	uint32_t len;

	__builtin_memcpy(&len, p, 4);
	if (len == 0 || len == 0xffffffffu)
		return -1;
	struct cur c = { p + 4, p + 4 + len, 0 };
	if (get_n(&c, 4) != 0) /* a CIE's id is 0 in .eh_frame */
		return -1;
	uint8_t version = (uint8_t)get_n(&c, 1);
	if (version != 1 && version != 3)
		return -1;
	const char *aug = (const char *)c.p;
	size_t alen = strnlen(aug, (size_t)(c.end - c.p));
	if (alen == (size_t)(c.end - c.p))
		return -1;
	c.p += alen + 1;
	ci->code_align = get_uleb(&c);
	ci->data_align = get_sleb(&c);
	ci->ra = version == 1 ? get_n(&c, 1) : get_uleb(&c);
	ci->fde_enc = PE_ABSPTR;
	ci->has_z = aug[0] == 'z';
	ci->signal = 0;
	if (ci->has_z) {
		uint64_t n = get_uleb(&c);
		if (c.bad || n > (uint64_t)(c.end - c.p))
			return -1;
		struct cur a = { c.p, c.p + n, 0 };
		for (const char *k = aug + 1; *k; k++) {
			if (*k == 'R')
				ci->fde_enc = (uint8_t)get_n(&a, 1);
			else if (*k == 'L')
				(void)get_n(&a, 1);
			else if (*k == 'P')
				(void)get_enc(&a, (uint8_t)(get_n(&a, 1) & ~PE_INDIRECT), 0);
			else if (*k == 'S')
				ci->signal = 1;
			else
				return -1;
		}
		if (a.bad)
			return -1;
		c.p += n;
	} else if (aug[0]) {
		return -1;
	}
	ci->insns = c;
	return c.bad ? -1 : 0;
}

/* How one register is recovered in the caller. */
enum { HOW_SAME, HOW_OFFSET, HOW_UNDEF, HOW_OTHER };

/* One row of the CFI table, reduced to what a walk needs. */
struct row {
	int64_t cfa_off, rbp_off, ra_off;
	uint8_t cfa_reg;   /* DWREG_RSP, DWREG_RBP, or another (unusable) */
	uint8_t cfa_ok;    /* 0 after a CFA expression */
	uint8_t rbp_how, ra_how, rsp_how;
};

#define REMEMBER_MAX 8

struct cfi_state {
	struct row row, init;
	struct row saved[REMEMBER_MAX];
	unsigned depth;
	uint64_t ra_reg;
};

static void set_how(struct cfi_state *st, uint64_t reg, uint8_t how, int64_t off)
{
	if (reg == DWREG_RBP) {
		st->row.rbp_how = how;
		st->row.rbp_off = off;
	} else if (reg == st->ra_reg) {
		st->row.ra_how = how;
		st->row.ra_off = off;
	} else if (reg == DWREG_RSP) {
		st->row.rsp_how = how;
	}
}

/* v * f in wrapping arithmetic (bogus CFI must not be undefined behaviour). */
static int64_t scaled(uint64_t v, int64_t f)
{
	return (int64_t)(v * (uint64_t)f);
}

static void set_cfa_reg(struct cfi_state *st, uint64_t reg)
{
	st->row.cfa_reg = reg <= DWREG_RSP ? (uint8_t)reg : 0xff;
}

static void restore_reg(struct cfi_state *st, uint64_t reg)
{
	if (reg == DWREG_RBP) {
		st->row.rbp_how = st->init.rbp_how;
		st->row.rbp_off = st->init.rbp_off;
	} else if (reg == st->ra_reg) {
		st->row.ra_how = st->init.ra_how;
		st->row.ra_off = st->init.ra_off;
	} else if (reg == DWREG_RSP) {
		st->row.rsp_how = st->init.rsp_how;
	}
}

/*
 * Runs a CFI program from location loc up to the row that holds pc; returns
 * 0, or -1 on an instruction we don't know (the caller then gives up).
 */
static int cfi_run(struct cur c, const struct cie *ci, uintptr_t loc, uintptr_t pc,
		   struct cfi_state *st)
{
	while (c.p < c.end && !c.bad) {
		uint8_t op = (uint8_t)get_n(&c, 1);
		uint64_t reg, n;

		switch (op >> 6) {
		case 1:
			loc += (op & 0x3f) * ci->code_align;
			if (loc > pc)
				return 0;
			continue;
		case 2:
			set_how(st, op & 0x3f, HOW_OFFSET, scaled(get_uleb(&c), ci->data_align));
			continue;
		case 3:
			restore_reg(st, op & 0x3f);
			continue;
		}
		switch (op) {
		case 0x00: /* nop */
			break;
		case 0x02: case 0x03: case 0x04: /* advance_loc1/2/4 */
			loc += get_n(&c, op == 0x02 ? 1 : op == 0x03 ? 2 : 4) * ci->code_align;
			if (loc > pc)
				return 0;
			break;
		case 0x05: /* offset_extended */
			reg = get_uleb(&c);
			set_how(st, reg, HOW_OFFSET, scaled(get_uleb(&c), ci->data_align));
			break;
		case 0x06: /* restore_extended */
			restore_reg(st, get_uleb(&c));
			break;
		case 0x07: /* undefined */
			set_how(st, get_uleb(&c), HOW_UNDEF, 0);
			break;
		case 0x08: /* same_value */
			set_how(st, get_uleb(&c), HOW_SAME, 0);
			break;
		case 0x09: /* register */
			reg = get_uleb(&c);
			(void)get_uleb(&c);
			set_how(st, reg, HOW_OTHER, 0);
			break;
		case 0x0a: /* remember_state */
			if (st->depth == REMEMBER_MAX)
				return -1;
			st->saved[st->depth++] = st->row;
			break;
		case 0x0b: /* restore_state (the CFA too, as GCC's epilogues expect) */
			if (st->depth == 0)
				return -1;
			st->row = st->saved[--st->depth];
			break;
		case 0x0c: /* def_cfa */
			set_cfa_reg(st, get_uleb(&c));
			st->row.cfa_off = (int64_t)get_uleb(&c);
			st->row.cfa_ok = 1;
			break;
		case 0x0d: /* def_cfa_register */
			set_cfa_reg(st, get_uleb(&c));
			break;
		case 0x0e: /* def_cfa_offset */
			st->row.cfa_off = (int64_t)get_uleb(&c);
			break;
		case 0x0f: /* def_cfa_expression */
			n = get_uleb(&c);
			c.p += n <= (uint64_t)(c.end - c.p) ? n : 0;
			st->row.cfa_ok = 0;
			break;
		case 0x10: case 0x16: /* expression, val_expression */
			reg = get_uleb(&c);
			n = get_uleb(&c);
			c.p += n <= (uint64_t)(c.end - c.p) ? n : 0;
			set_how(st, reg, HOW_OTHER, 0);
			break;
		case 0x11: /* offset_extended_sf */
			reg = get_uleb(&c);
			set_how(st, reg, HOW_OFFSET, scaled((uint64_t)get_sleb(&c), ci->data_align));
			break;
		case 0x12: /* def_cfa_sf */
			set_cfa_reg(st, get_uleb(&c));
			st->row.cfa_off = scaled((uint64_t)get_sleb(&c), ci->data_align);
			st->row.cfa_ok = 1;
			break;
		case 0x13: /* def_cfa_offset_sf */
			st->row.cfa_off = scaled((uint64_t)get_sleb(&c), ci->data_align);
			break;
		case 0x14: case 0x15: /* val_offset, val_offset_sf */
			reg = get_uleb(&c);
			(void)get_uleb(&c);
			set_how(st, reg, HOW_OTHER, 0);
			break;
		case 0x2e: /* GNU_args_size */
			(void)get_uleb(&c);
			break;
		case 0x2f: /* GNU_negative_offset_extended */
			reg = get_uleb(&c);
			set_how(st, reg, HOW_OFFSET, scaled(-get_uleb(&c), ci->data_align));
			break;
		default:
			return -1;
		}
	}
	return c.bad ? -1 : 0;
}

static uint64_t rule_pack(const struct row *r)
{
	if (r->ra_how == HOW_UNDEF)
		return RULE_LAST; /* the outermost frame (_start, thread start) */
	if (!r->cfa_ok || (r->cfa_reg != DWREG_RSP && r->cfa_reg != DWREG_RBP) ||
	    r->ra_how != HOW_OFFSET || r->ra_off != -8 || r->rsp_how != HOW_SAME ||
	    r->cfa_off < 8 || r->cfa_off > (int64_t)FRAME_MAX ||
	    (r->cfa_reg == DWREG_RSP && r->cfa_off % 8 != 0))
		return RULE_FAIL;
	int64_t rbp = 0;
	if (r->rbp_how == HOW_OFFSET) {
		if (r->rbp_off == 0 || r->rbp_off < INT16_MIN || r->rbp_off > INT16_MAX)
			return RULE_FAIL;
		rbp = r->rbp_off;
	} else if (r->rbp_how != HOW_SAME) {
		return RULE_FAIL;
	}
	return RULE_STEP | (r->cfa_reg == DWREG_RBP ? RULE_CFA_RBP : 0) |
	       ((uint64_t)(uint16_t)rbp << 16) | ((uint64_t)(uint32_t)r->cfa_off << 32);
}

/* The rule at pc, from the DWARF CFI of the object that holds it. */
static uint64_t rule_compute(uintptr_t pc)
{
	const uint8_t *f = fde_lookup(pc);
	struct cie ci;
	uint32_t len, cie_off;

	if (!f)
		return RULE_FAIL;
	__builtin_memcpy(&len, f, 4);
	__builtin_memcpy(&cie_off, f + 4, 4);
	if (len == 0 || len == 0xffffffffu || cie_off == 0 || cie_parse(f + 4 - cie_off, &ci) != 0 ||
	    ci.signal)
		return RULE_FAIL;
	struct cur c = { f + 8, f + 4 + len, 0 };
	uintptr_t begin = get_enc(&c, ci.fde_enc, 0);
	uintptr_t range = get_enc(&c, ci.fde_enc & PE_FORMAT, 0);
	if (ci.has_z) {
		uint64_t n = get_uleb(&c);
		c.p += n <= (uint64_t)(c.end - c.p) ? n : 0;
	}
	if (c.bad || pc < begin || pc - begin >= range)
		return RULE_FAIL;

	struct cfi_state st;
	memset(&st, 0, sizeof(st));
	st.ra_reg = ci.ra;
	st.row.ra_how = HOW_OTHER; /* until the CIE says */
	if (cfi_run(ci.insns, &ci, begin, UINTPTR_MAX, &st) != 0)
		return RULE_FAIL;
	st.init = st.row;
	st.depth = 0;
	if (cfi_run(c, &ci, begin, pc, &st) != 0)
		return RULE_FAIL;
	return rule_pack(&st.row);
}
/* ---- the rule cache ------------------------------------------------------------------ */

/*
 * Process-wide, open addressing by code address, in private memory.
 * Readers take no lock: each slot is a sequence lock (odd seq: being
 * written).  Writers are serialised by a try-lock (busy: the rule is used
 * without being kept).  An unloaded object bumps the epoch, which retires
 * every slot at once: its addresses may come back holding other code.
 */
struct rule_slot {
	uint32_t seq;
	uint32_t epoch;
	uint64_t pc;
	uint64_t rule;
	uint64_t unused;
};

#define CACHE_BITS 14
#define CACHE_CAP (1u << CACHE_BITS)
#define CACHE_PROBES 8
#define CACHE_BYTES ((size_t)CACHE_CAP * sizeof(struct rule_slot))

static struct rule_slot *cache;
static uint32_t cache_epoch = 1;
static int cache_lock;

static uint32_t cache_home(uintptr_t pc)
{
	return (uint32_t)(((uint64_t)pc * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_BITS));
}

/* The cached rule of pc, or RULE_NONE. */
static uint64_t cache_get(struct rule_slot *tab, uintptr_t pc)
{
	uint32_t home = cache_home(pc), epoch = __atomic_load_n(&cache_epoch, __ATOMIC_RELAXED);

	for (uint32_t i = 0; i < CACHE_PROBES; i++) {
		struct rule_slot *s = &tab[(home + i) & (CACHE_CAP - 1)];
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		uint64_t key = __atomic_load_n(&s->pc, __ATOMIC_RELAXED);
		if (key == 0)
			return RULE_NONE;
		if (key != pc)
			continue;
		uint64_t rule = __atomic_load_n(&s->rule, __ATOMIC_RELAXED);
		uint32_t e = __atomic_load_n(&s->epoch, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((seq & 1) || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq || e != epoch)
			return RULE_NONE;
		return rule;
	}
	return RULE_NONE;
}

static void cache_put(struct rule_slot *tab, uintptr_t pc, uint64_t rule)
{
	uint32_t home = cache_home(pc), epoch = __atomic_load_n(&cache_epoch, __ATOMIC_RELAXED);

	if (__atomic_exchange_n(&cache_lock, 1, __ATOMIC_ACQUIRE))
		return;
	for (uint32_t i = 0; i < CACHE_PROBES; i++) {
		struct rule_slot *s = &tab[(home + i) & (CACHE_CAP - 1)];
		uint64_t key = __atomic_load_n(&s->pc, __ATOMIC_RELAXED);
		if (key != 0 && key != pc && __atomic_load_n(&s->epoch, __ATOMIC_RELAXED) == epoch)
			continue;
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&s->rule, rule, __ATOMIC_RELAXED);
		__atomic_store_n(&s->epoch, epoch, __ATOMIC_RELAXED);
		__atomic_store_n(&s->pc, pc, __ATOMIC_RELAXED);
		__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
		break;
	}
	__atomic_store_n(&cache_lock, 0, __ATOMIC_RELEASE);
}

uint64_t ht_cfi_rule(struct rule_slot *tab, uintptr_t pc)
{
	uint64_t r = cache_get(tab, pc);

	if (HT_LIKELY(r != RULE_NONE))
		return r;
	if (ht_walk_enter() != 0) /* the loader's lock, the cache's: not now */
		return RULE_FAIL;
	r = rule_compute(pc);
	cache_put(tab, pc, r);
	ht_walk_leave();
	return r;
}

struct rule_slot *ht_cfi_cache(void)
{
	return __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
}

uint32_t ht_cfi_epoch(void)
{
	return __atomic_load_n(&cache_epoch, __ATOMIC_RELAXED);
}

void ht_cfi_forget(void)
{
	__atomic_add_fetch(&cache_epoch, 1, __ATOMIC_RELAXED);
}

int ht_cfi_prepare(void)
{
	if (__atomic_load_n(&cache, __ATOMIC_ACQUIRE))
		return 0; /* a fork child: the parent's rules hold (same mappings) */
	void *m = mmap(NULL, CACHE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	__atomic_store_n(&cache, (struct rule_slot *)m, __ATOMIC_RELEASE);
	return 0;
}

#endif /* __x86_64__ */
