/*
 * tui/model_sites.c - the model's call sites (see model.h): one entry per
 * sampled site of the current copy, with its estimates or, while a mark is
 * set, their changes since the mark (sites matched by stack identity:
 * hash, frame 0 and depth); the frame each site is named after; and every
 * order the tables and snapshots read them in.  Frames are named by the
 * model's symbolizer, which gets each copy's module table first.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "model.h"

struct model_site_base {
	uint64_t hash, frame0;
	uint16_t nframes;
	uint64_t alloc_bytes, alloc_blocks, alloc_samples;
	uint64_t live_bytes, live_blocks, live_samples;
	uint64_t move_count, move_bytes, move_samples;
};

const char *model_sampling_note(const struct seg_snapshot *s)
{
	switch (s->sampling) {
	case SEG_SAMPLING_ON: return NULL;
	case SEG_SAMPLING_OFF: return "call-site sampling is off (HEAPTOP_SAMPLE_RATE=0)";
	case SEG_SAMPLING_DAMAGED:
		return "the segment's call-site tables are damaged (their sizes do not fit the file); not shown";
	default:
		return "call-site sampling not available: the library that wrote this segment does not sample";
	}
}

/* ---- allocator frames ----------------------------------------------------------- */

/* The malloc family and the wrappers whose callers are the real call sites. */
static const char *const allocator_names[] = {
	"malloc", "calloc", "realloc", "free", "reallocarray", "aligned_alloc", "memalign",
	"posix_memalign", "valloc", "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc",
	"__libc_memalign", "__libc_valloc", "__libc_pvalloc", "__posix_memalign", "__libc_reallocarray",
	"strdup", "__strdup", "strndup", "__strndup", "wcsdup", "__wcsdup",
};

int model_frame_is_allocator(const struct sym_frame *f)
{
	if (strncmp(f->module_name, "libheaptop", 10) == 0)
		return 1;
	/* operator new and new[], every overload (Itanium mangling) */
	if (strncmp(f->function, "_Znw", 4) == 0 || strncmp(f->function, "_Zna", 4) == 0 ||
	    strncmp(f->function, "operator new", 12) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(allocator_names) / sizeof(allocator_names[0]); i++)
		if (strcmp(f->function, allocator_names[i]) == 0)
			return 1;
	return 0;
}

void model_site_frame(const struct model *m, const struct model_site *s, unsigned i,
		      struct sym_frame *out)
{
	uint64_t addr = i < s->s->nframes ? s->s->frames[i] : 0;

	if (m->sym) {
		symbols_frame(m->sym, addr, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->function = out->file = out->module = out->module_name = "";
}

/* The first frame outside heaptop and the allocator (the last one when all are). */
static void find_where(const struct model *m, struct model_site *ms)
{
	unsigned n = ms->s->nframes;

	ms->where_index = 0;
	model_site_frame(m, ms, 0, &ms->where);
	for (unsigned i = 0; i < n; i++) {
		model_site_frame(m, ms, i, &ms->where);
		ms->where_index = i;
		if (!model_frame_is_allocator(&ms->where))
			return;
	}
}

/* ---- the mark ------------------------------------------------------------------ */

static int base_cmp(const void *a, const void *b)
{
	const struct model_site_base *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->frame0 != y->frame0)
		return x->frame0 < y->frame0 ? -1 : 1;
	return (int)x->nframes - (int)y->nframes;
}

static void base_of(const struct seg_site *s, struct model_site_base *b)
{
	b->hash = s->hash;
	b->frame0 = s->nframes ? s->frames[0] : 0;
	b->nframes = s->nframes;
	b->alloc_bytes = s->alloc_bytes, b->alloc_blocks = s->alloc_blocks;
	b->alloc_samples = s->alloc_samples;
	b->live_bytes = s->live_bytes, b->live_blocks = s->live_blocks, b->live_samples = s->live_samples;
	b->move_count = s->move_count, b->move_bytes = s->move_bytes, b->move_samples = s->move_samples;
}

void model_sites_mark(struct model *m)
{
	free(m->mark_sites);
	m->mark_sites = NULL;
	m->nmark_sites = 0;
	if (!m->has_mark || !m->cur.nsites)
		return;
	m->mark_sites = calloc(m->cur.nsites, sizeof(*m->mark_sites));
	if (!m->mark_sites)
		return; /* deltas then count from zero: shown as all since the start */
	for (size_t i = 0; i < m->cur.nsites; i++)
		base_of(&m->cur.sites[i], &m->mark_sites[i]);
	m->nmark_sites = m->cur.nsites;
	qsort(m->mark_sites, m->nmark_sites, sizeof(*m->mark_sites), base_cmp);
}

/* Counters only grow; a smaller value means another stack with the same identity. */
static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : 0;
}

static void values_of(const struct seg_site *s, const struct model_site_base *b,
		      struct site_values *v)
{
	v->alloc_bytes = since(s->alloc_bytes, b->alloc_bytes);
	v->alloc_blocks = since(s->alloc_blocks, b->alloc_blocks);
	v->alloc_samples = since(s->alloc_samples, b->alloc_samples);
	v->move_count = since(s->move_count, b->move_count);
	v->move_bytes = since(s->move_bytes, b->move_bytes);
	v->move_samples = since(s->move_samples, b->move_samples);
	v->live_bytes = (int64_t)(s->live_bytes - b->live_bytes);
	v->live_blocks = (int64_t)(s->live_blocks - b->live_blocks);
	v->live_samples = (int64_t)(s->live_samples - b->live_samples);
	v->peak_bytes = s->peak_bytes, v->peak_blocks = s->peak_blocks;
	v->peak_samples = s->peak_samples;
}

static void fill_values(const struct model *m, const struct seg_site *s, struct model_site *ms)
{
	struct model_site_base key, zero;
	const struct model_site_base *b = NULL;

	memset(&zero, 0, sizeof(zero));
	if (m->has_mark && m->nmark_sites) {
		base_of(s, &key);
		b = bsearch(&key, m->mark_sites, m->nmark_sites, sizeof(key), base_cmp);
	}
	ms->s = s;
	values_of(s, &zero, &ms->total);
	values_of(s, m->has_mark && b ? b : &zero, &ms->v);
}

/* ---- orders ------------------------------------------------------------------- */

static int64_t sat(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int any(const struct site_values *v)
{
	return v->alloc_samples || v->live_samples || v->live_bytes || v->move_samples;
}

/* The value an order sorts by. */
static int64_t key_of(const struct site_values *v, enum site_order o)
{
	switch (o) {
	case SITE_BY_LIVE: case SITE_PEAK_BY_LIVE: return v->live_bytes;
	case SITE_BY_ALLOC_BYTES: return sat(v->alloc_bytes);
	case SITE_BY_BLOCKS: return sat(v->alloc_blocks);
	case SITE_BY_MOVES: case SITE_MOVERS_BY_COUNT: return sat(v->move_count);
	case SITE_MOVERS_BY_BYTES: return sat(v->move_bytes);
	case SITE_MOVERS_BY_AVG: return v->move_count ? sat(v->move_bytes / v->move_count) : 0;
	case SITE_PEAK_BY_BYTES: return sat(v->peak_bytes);
	default: return 0;
	}
}

static int included(const struct site_values *v, enum site_order o)
{
	if (o >= SITE_MOVERS_BY_BYTES && o <= SITE_MOVERS_BY_AVG)
		return v->move_samples > 0;
	if (o == SITE_PEAK_BY_BYTES || o == SITE_PEAK_BY_LIVE)
		return v->peak_samples > 0;
	return any(v);
}

struct sort_ctx {
	const struct model_site *sites;
	enum site_order o;
	int total;                 /* sort the totals, not v */
};

static const struct site_values *values(const struct model_site *s, int total)
{
	return total ? &s->total : &s->v;
}

/* Largest first; ties in a fixed order (stack hash, then frame 0). */
static int order_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct model_site *x = &c->sites[*(const uint32_t *)a];
	const struct model_site *y = &c->sites[*(const uint32_t *)b];
	int64_t kx = key_of(values(x, c->total), c->o), ky = key_of(values(y, c->total), c->o);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->s->hash != y->s->hash)
		return x->s->hash < y->s->hash ? -1 : 1;
	uint64_t fx = x->s->nframes ? x->s->frames[0] : 0, fy = y->s->nframes ? y->s->frames[0] : 0;
	return fx < fy ? -1 : fx > fy;
}

static void sort_order(struct model *m, int total, enum site_order o)
{
	struct sort_ctx c = { m->sites, o, total };
	uint32_t *ord;
	size_t n = 0;

	m->norder[total][o] = 0;
	if (!m->nsites || !(ord = malloc(m->nsites * sizeof(*ord))))
		return; /* out of memory: that table shows nothing this time */
	for (size_t i = 0; i < m->nsites; i++)
		if (included(values(&m->sites[i], total), o))
			ord[n++] = (uint32_t)i;
	qsort_r(ord, n, sizeof(*ord), order_cmp, &c);
	m->order[total][o] = ord;
	m->norder[total][o] = n;
}

/* ---- the model's part -------------------------------------------------------------- */

static void free_views(struct model *m)
{
	free(m->sites);
	m->sites = NULL;
	m->nsites = 0;
	for (int t = 0; t < 2; t++)
		for (int o = 0; o < SITE_ORDER_COUNT; o++) {
			free(m->order[t][o]);
			m->order[t][o] = NULL;
			m->norder[t][o] = 0;
		}
}

void model_sites_update(struct model *m)
{
	free_views(m);
	if (m->cur.sampling != SEG_SAMPLING_ON)
		return;
	if (!m->sym)
		m->sym = symbols_new();
	if (m->sym)
		symbols_set_modules(m->sym, m->cur.modules, m->cur.nmodules);
	if (!m->cur.nsites || !(m->sites = calloc(m->cur.nsites, sizeof(*m->sites))))
		return;
	m->nsites = m->cur.nsites;
	for (size_t i = 0; i < m->nsites; i++) {
		fill_values(m, &m->cur.sites[i], &m->sites[i]);
		find_where(m, &m->sites[i]);
	}
	for (int t = 0; t < 2; t++)
		for (int o = 0; o < SITE_ORDER_COUNT; o++)
			sort_order(m, t, (enum site_order)o);
}

static const struct model_site *site_at(const struct model *m, int total, enum site_order o, size_t i)
{
	if ((unsigned)o >= SITE_ORDER_COUNT || i >= m->norder[total][o])
		return NULL;
	return &m->sites[m->order[total][o][i]];
}

const struct model_site *model_site_at(const struct model *m, enum site_order o, size_t i)
{
	return site_at(m, 0, o, i);
}

const struct model_site *model_site_total_at(const struct model *m, enum site_order o, size_t i)
{
	return site_at(m, 1, o, i);
}

size_t model_site_count(const struct model *m, enum site_order o)
{
	return (unsigned)o < SITE_ORDER_COUNT ? m->norder[0][o] : 0;
}

size_t model_site_total_count(const struct model *m, enum site_order o)
{
	return (unsigned)o < SITE_ORDER_COUNT ? m->norder[1][o] : 0;
}

const struct model_site *model_site_find(const struct model *m, uint64_t hash, uint64_t frame0)
{
	for (size_t i = 0; i < m->nsites; i++) {
		const struct seg_site *s = m->sites[i].s;
		if (s->hash == hash && (s->nframes ? s->frames[0] : 0) == frame0)
			return &m->sites[i];
	}
	return NULL;
}

void model_sites_free(struct model *m)
{
	free_views(m);
	free(m->mark_sites);
	m->mark_sites = NULL;
	m->nmark_sites = 0;
	symbols_free(m->sym);
	m->sym = NULL;
}
