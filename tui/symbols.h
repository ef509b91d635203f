/*
 * tui/symbols.h - naming the sampled frames of a watched process in the
 * viewer (the target pays nothing for names): each raw return address is
 * placed in the module that held it (from the segment's module table,
 * unloaded modules included, so dlclose'd libraries and exited processes
 * still resolve), turned into an address of the module's file, and looked
 * up there with libdwfl (symfile.c) for the function and source line;
 * without symbols it reads "module+0xoffset".  Module files and frames are
 * cached.  Every string it hands out is sanitised for a terminal and lives
 * until symbols_free().  No curses here.
 */
#ifndef HEAPTOP_TUI_SYMBOLS_H
#define HEAPTOP_TUI_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include "segread.h"

struct symbols;

/* What is known about one frame; strings are "" when unknown. */
struct sym_frame {
	uint64_t addr;          /* the raw return address */
	const char *function;   /* function containing addr - 1 */
	const char *file;       /* its source file */
	int line;               /* its line, 0 when unknown */
	const char *module;     /* path of the module holding it, "" when none does */
	const char *module_name;/* the module's file name (path after the last '/') */
	uint64_t offset;        /* addr - the module's load bias: the address in its file */
	int in_module;          /* 1 when a module holds addr */
};

/* A new, empty cache; NULL when out of memory. */
struct symbols *symbols_new(void);
/* Frees the cache and every string it handed out. */
void symbols_free(struct symbols *sy);
/* Takes a process's module table (copied); cached frames are forgotten
 * when it differs from the previous one.  0, or -1 when out of memory
 * (the previous table stays). */
int symbols_set_modules(struct symbols *sy, const struct seg_module *mods, size_t n);
/* Names a raw return address of a sampled stack (it looks up addr - 1,
 * the call instruction).  Never fails: an unknown frame has only addr. */
void symbols_frame(struct symbols *sy, uint64_t addr, struct sym_frame *out);
/* One line for a frame: "function (file:line)", "function (module)",
 * "module+0x1a2b" or "0x7f12345678"; returns buf. */
char *symbols_format(const struct sym_frame *f, char *buf, size_t cap);
/* The whole story of a frame: "function at /src/file.c:42 in prog+0x1a2b",
 * "?? in libfoo.so+0x1a2b", "?? at 0x7f12345678 (no module holds it)". */
char *symbols_format_long(const struct sym_frame *f, char *buf, size_t cap);
/* Problems met with module files ("/usr/lib/x.so: its build-id differs
 * ..."), one string each, oldest first; *n gets the count. */
const char *const *symbols_warnings(const struct symbols *sy, size_t *n);

#endif
