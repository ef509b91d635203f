/*
 * tui/symfile.h - one module file of the watched process opened with
 * elfutils libdwfl for symbolization in the viewer: checked to be a regular
 * file, matched against the build-id the library recorded, and asked for
 * the function and source line at an address of the file (its ELF virtual
 * address, so one open file serves every process that loaded it anywhere).
 * No curses here; the strings it returns are not sanitised.
 */
#ifndef HEAPTOP_TUI_SYMFILE_H
#define HEAPTOP_TUI_SYMFILE_H

#include <stddef.h>
#include <stdint.h>

struct symfile;

/* Why a module file gives no symbols. */
enum symfile_status {
	SYMFILE_OK = 0,
	SYMFILE_NO_FILE,      /* not an absolute path, cannot be opened, or not a regular file */
	SYMFILE_NOT_ELF,      /* libdwfl cannot read it */
	SYMFILE_BUILD_ID,     /* its build-id is not the loaded object's: the file changed */
};

/* Opens path and, when id_len > 0, checks that its GNU build-id starts
 * with id[0, id_len); NULL with *st (and a reason in why) on failure. */
struct symfile *symfile_open(const char *path, const uint8_t *id, size_t id_len,
			     enum symfile_status *st, char *why, size_t cap);
/* The function containing ELF address vaddr and its source file and line:
 * NULL / 0 for what is unknown.  The strings live as long as f. */
void symfile_lookup(struct symfile *f, uint64_t vaddr, const char **func, const char **src,
		    int *line);
/* Closes the file and frees everything. */
void symfile_close(struct symfile *f);

#endif
