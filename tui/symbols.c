/*
 * tui/symbols.c - the viewer's symbolizer (see symbols.h): the current
 * module table, the module files opened so far (keyed by path and
 * build-id, kept for the viewer's life), a cache of named frames (cleared
 * when the module table changes, or when it gets too big), the interned,
 * sanitised strings, and the warnings about module files.
 *
 * Which module holds a frame: the entry whose range holds frame - 1.  The
 * segment keeps unloaded entries, and a later object may have been loaded
 * over an unloaded one's range; a site does not say when it was sampled,
 * so the most recently loaded of the candidates is taken (when the same
 * library was loaded again, both are the same file anyway).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sanitize.h"
#include "strpool.h"
#include "symbols.h"
#include "symfile.h"

#define NO_FILE UINT32_MAX
#define FRAMES_MAX (1u << 20)   /* cached frames before the cache starts over */
#define NAME_MAX_BYTES 1024     /* longer names are cut */
#define WARNINGS_MAX 64

struct sym_file {
	const char *path;           /* interned; the exact path the target wrote */
	uint8_t build_id[HEAPTOP_BUILD_ID_MAX];
	uint16_t build_id_len;
	int tried;                  /* opened (or failed to) already */
	struct symfile *f;          /* NULL when it gives no symbols */
};

struct sym_module {
	uint64_t base, start, end, load_t_ns;
	uint32_t file;              /* index in files, NO_FILE when it cannot be opened */
	const char *path, *name;    /* interned, sanitised */
};

struct frame_slot {
	int used;
	struct sym_frame val;
};

struct symbols {
	struct strpool pool;
	struct sym_file *files;
	size_t nfiles, capfiles;
	struct sym_module *mods;
	size_t nmods;
	uint64_t mods_print;        /* fingerprint of the module table */
	struct frame_slot *frames;  /* open addressing by addr */
	size_t nframes, capframes;
	const char *warnings[WARNINGS_MAX];
	size_t nwarnings;
};

/* ---- strings ------------------------------------------------------------------------ */

/* The pool's sanitised copy of untrusted s (NULL reads "") without an ELF
 * symbol version ("memcpy@@GLIBC_2.14" is memcpy). */
static const char *clean(struct symbols *sy, const char *s, int is_symbol)
{
	char buf[NAME_MAX_BYTES];
	const char *r, *at;

	if (!s || !s[0])
		return "";
	sanitize_text(buf, sizeof(buf), s, strlen(s));
	if (is_symbol && (at = strchr(buf, '@')) != NULL && at > buf)
		buf[at - buf] = '\0';
	r = strpool_get(&sy->pool, buf);
	return r ? r : "";
}

static void warn(struct symbols *sy, const char *path, const char *why)
{
	char buf[HEAPTOP_MODULE_PATH_MAX + 256];

	if (sy->nwarnings == WARNINGS_MAX)
		return;
	snprintf(buf, sizeof(buf), "%s: %s; its frames show as module+offset", path, why);
	const char *w = strpool_get(&sy->pool, buf);
	if (w)
		sy->warnings[sy->nwarnings++] = w;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

struct symbols *symbols_new(void)
{
	return calloc(1, sizeof(struct symbols));
}

static void frames_clear(struct symbols *sy)
{
	free(sy->frames);
	sy->frames = NULL;
	sy->nframes = sy->capframes = 0;
}

void symbols_free(struct symbols *sy)
{
	if (!sy)
		return;
	for (size_t i = 0; i < sy->nfiles; i++)
		symfile_close(sy->files[i].f);
	free(sy->files);
	free(sy->mods);
	frames_clear(sy);
	strpool_free(&sy->pool);
	free(sy);
}

/* ---- the module table ---------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t fingerprint(const struct seg_module *mods, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, &n, sizeof(n));

	for (size_t i = 0; i < n; i++) {
		const struct seg_module *m = &mods[i];
		uint64_t v[4] = { m->base, m->start, m->end, m->load_t_ns };
		h = fnv(h, v, sizeof(v));
		h = fnv(h, m->path, strlen(m->path));
		h = fnv(h, m->build_id, m->build_id_len);
	}
	return h;
}

/* The file entry for a module (added unopened); NO_FILE when the path
 * cannot name a file we would open. */
static uint32_t file_of(struct symbols *sy, const struct seg_module *m)
{
	if (!m->path_exact || m->path[0] != '/')
		return NO_FILE;
	for (size_t i = 0; i < sy->nfiles; i++) {
		const struct sym_file *f = &sy->files[i];
		if (strcmp(f->path, m->path) == 0 && f->build_id_len == m->build_id_len &&
		    memcmp(f->build_id, m->build_id, m->build_id_len) == 0)
			return (uint32_t)i;
	}
	if (sy->nfiles == sy->capfiles) {
		size_t ncap = sy->capfiles ? sy->capfiles * 2 : 16;
		struct sym_file *nf = realloc(sy->files, ncap * sizeof(*nf));
		if (!nf)
			return NO_FILE;
		sy->files = nf, sy->capfiles = ncap;
	}
	struct sym_file *f = &sy->files[sy->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strpool_get(&sy->pool, m->path);
	if (!f->path)
		return NO_FILE;
	memcpy(f->build_id, m->build_id, m->build_id_len);
	f->build_id_len = m->build_id_len;
	return (uint32_t)sy->nfiles++;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int symbols_set_modules(struct symbols *sy, const struct seg_module *mods, size_t n)
{
	uint64_t print = fingerprint(mods, n);
	struct sym_module *nm;

	if (sy->mods && print == sy->mods_print && n == sy->nmods)
		return 0;
	nm = n ? calloc(n, sizeof(*nm)) : NULL;
	if (n && !nm)
		return -1;
	for (size_t i = 0; i < n; i++) {
		nm[i].base = mods[i].base, nm[i].start = mods[i].start, nm[i].end = mods[i].end;
		nm[i].load_t_ns = mods[i].load_t_ns;
		nm[i].file = file_of(sy, &mods[i]);
		nm[i].path = clean(sy, mods[i].path, 0);
		nm[i].name = base_name(nm[i].path);
	}
	free(sy->mods);
	sy->mods = nm;
	sy->nmods = n;
	sy->mods_print = print;
	frames_clear(sy);
	return 0;
}

/* The module holding a (an address inside a call instruction), or NULL. */
static const struct sym_module *module_at(const struct symbols *sy, uint64_t a)
{
	const struct sym_module *best = NULL;

	for (size_t i = 0; i < sy->nmods; i++) {
		const struct sym_module *m = &sy->mods[i];
		if (m->start <= a && a < m->end && (!best || m->load_t_ns >= best->load_t_ns))
			best = m;
	}
	return best;
}

/* The module's file opened (once); NULL when it gives no symbols. */
static struct symfile *open_file(struct symbols *sy, uint32_t idx)
{
	struct sym_file *f;
	enum symfile_status st;
	char why[256];

	if (idx == NO_FILE)
		return NULL;
	f = &sy->files[idx];
	if (!f->tried) {
		f->tried = 1;
		f->f = symfile_open(f->path, f->build_id, f->build_id_len, &st, why, sizeof(why));
		if (!f->f)
			warn(sy, f->path, why);
	}
	return f->f;
}

/* ---- frames -------------------------------------------------------------------------- */

static void resolve(struct symbols *sy, uint64_t addr, struct sym_frame *out)
{
	const struct sym_module *m = addr ? module_at(sy, addr - 1) : NULL;
	const char *func, *src;
	int line;

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->function = out->file = out->module = out->module_name = "";
	if (!m)
		return;
	out->in_module = 1;
	out->module = m->path;
	out->module_name = m->name;
	out->offset = addr - m->base;
	struct symfile *f = open_file(sy, m->file);
	if (!f)
		return;
	symfile_lookup(f, addr - 1 - m->base, &func, &src, &line);
	out->function = clean(sy, func, 1);
	out->file = clean(sy, src, 0);
	out->line = out->file[0] ? line : 0;
}

static size_t slot_of(const struct frame_slot *t, size_t cap, uint64_t addr)
{
	size_t i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);

	while (t[i].used && t[i].val.addr != addr)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Room for one more cached frame; 0, or -1 (then the frame is not cached). */
static int frames_room(struct symbols *sy)
{
	if ((sy->nframes + 1) * 2 <= sy->capframes)
		return 0;
	if (sy->capframes >= FRAMES_MAX)
		frames_clear(sy); /* bounded memory: start over */
	size_t ncap = sy->capframes ? sy->capframes * 2 : 1024;
	struct frame_slot *nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -1;
	for (size_t i = 0; i < sy->capframes; i++)
		if (sy->frames[i].used)
			nt[slot_of(nt, ncap, sy->frames[i].val.addr)] = sy->frames[i];
	free(sy->frames);
	sy->frames = nt;
	sy->capframes = ncap;
	return 0;
}

void symbols_frame(struct symbols *sy, uint64_t addr, struct sym_frame *out)
{
	if (sy->capframes) {
		const struct frame_slot *s = &sy->frames[slot_of(sy->frames, sy->capframes, addr)];
		if (s->used) {
			*out = s->val;
			return;
		}
	}
	resolve(sy, addr, out);
	if (frames_room(sy) != 0)
		return;
	struct frame_slot *s = &sy->frames[slot_of(sy->frames, sy->capframes, addr)];
	s->used = 1;
	s->val = *out;
	sy->nframes++;
}

char *symbols_format(const struct sym_frame *f, char *buf, size_t cap)
{
	if (f->function[0] && f->file[0])
		snprintf(buf, cap, "%s (%s:%d)", f->function, base_name(f->file), f->line);
	else if (f->function[0])
		snprintf(buf, cap, "%s (%s)", f->function, f->module_name);
	else if (f->in_module)
		snprintf(buf, cap, "%s+%#" PRIx64, f->module_name, f->offset);
	else
		snprintf(buf, cap, "%#" PRIx64, f->addr);
	return buf;
}

char *symbols_format_long(const struct sym_frame *f, char *buf, size_t cap)
{
	char at[512] = "";

	if (f->file[0])
		snprintf(at, sizeof(at), " at %s:%d", f->file, f->line);
	if (f->in_module)
		snprintf(buf, cap, "%s%s in %s+%#" PRIx64, f->function[0] ? f->function : "??", at,
			 f->module_name, f->offset);
	else
		snprintf(buf, cap, "?? at %#" PRIx64 " (no module holds it)", f->addr);
	return buf;
}

const char *const *symbols_warnings(const struct symbols *sy, size_t *n)
{
	*n = sy->nwarnings;
	return sy->warnings;
}
