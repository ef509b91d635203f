/*
 * tui/symfile.c - a module file opened with libdwfl (see symfile.h).  Each
 * file gets its own offline Dwfl session with the file reported at base 0,
 * so addresses are the file's ELF virtual addresses whether it is a PIE,
 * a shared library or a fixed-address executable.  The path comes from the
 * target's segment: we open it ourselves without following it into a
 * device, FIFO or procfs file (O_NONBLOCK, regular files big enough for an
 * ELF header only) and hand libdwfl the fd.
 * Separate debug info is looked for locally only: a debuginfod download
 * could stall the live view, so DEBUGINFOD_URLS is hidden during the search.
 */
#define _GNU_SOURCE
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symfile.h"

struct symfile {
	Dwfl *dwfl;
	Dwfl_Module *mod;
};

/* The standard local search (build-id and .gnu_debuglink paths), never
 * the network.  The viewer is single-threaded, so the environment may be
 * changed around the call. */
static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname,
				Dwarf_Addr base, const char *file_name, const char *debuglink_file,
				GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	char *urls = getenv("DEBUGINFOD_URLS");
	char *saved = urls ? strdup(urls) : NULL;

	if (urls)
		unsetenv("DEBUGINFOD_URLS");
	int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					      debuglink_crc, debuginfo_file_name);
	if (saved) {
		setenv("DEBUGINFOD_URLS", saved, 1);
		free(saved);
	}
	return fd;
}

static char *debuginfo_path; /* NULL: libdwfl's default search path */

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo_local,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* An fd for path when it is an absolute path to a regular file that can
 * hold an ELF header, else -1 (why says which). */
static int open_regular(const char *path, char *why, size_t cap)
{
	struct stat st;
	int fd;

	if (path[0] != '/') {
		snprintf(why, cap, "not a file path");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, cap, "cannot open it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, cap, "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr)) { /* also procfs files, which read as size 0 */
		snprintf(why, cap, "too small to be an ELF file");
		close(fd);
		return -1;
	}
	return fd;
}

/* 0 when the file's build-id starts with id (the library keeps at most 32 bytes). */
static int check_build_id(Dwfl_Module *mod, const uint8_t *id, size_t id_len)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);

	if (len <= 0 || (size_t)len < id_len)
		return -1;
	if ((size_t)len > id_len && id_len < 32)
		return -1; /* a shorter id than the file's that was not cut by the library */
	return memcmp(bits, id, id_len) == 0 ? 0 : -1;
}

struct symfile *symfile_open(const char *path, const uint8_t *id, size_t id_len,
			     enum symfile_status *st, char *why, size_t cap)
{
	struct symfile *f = calloc(1, sizeof(*f));
	int fd;

	*st = SYMFILE_NO_FILE;
	if (!f) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	if ((fd = open_regular(path, why, cap)) < 0)
		goto out_free;
	f->dwfl = dwfl_begin(&callbacks);
	if (!f->dwfl) {
		close(fd);
		goto out_free;
	}
	*st = SYMFILE_NOT_ELF;
	f->mod = dwfl_report_elf(f->dwfl, path, path, fd, 0, true); /* takes fd on success */
	if (!f->mod) {
		snprintf(why, cap, "not readable as ELF: %s", dwfl_errmsg(-1));
		close(fd);
		goto out_end;
	}
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (id_len && check_build_id(f->mod, id, id_len) != 0) {
		*st = SYMFILE_BUILD_ID;
		snprintf(why, cap, "its build-id differs from the loaded object's (the file changed "
			 "after the process loaded it)");
		goto out_end;
	}
	*st = SYMFILE_OK;
	return f;

out_end:
	dwfl_end(f->dwfl);
out_free:
	free(f);
	return NULL;
}

void symfile_lookup(struct symfile *f, uint64_t vaddr, const char **func, const char **src, int *line)
{
	Dwfl_Line *l;

	*func = dwfl_module_addrname(f->mod, vaddr);
	*src = NULL;
	*line = 0;
	l = dwfl_module_getsrc(f->mod, vaddr);
	if (l)
		*src = dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
	if (!*src)
		*line = 0;
}

void symfile_close(struct symfile *f)
{
	if (!f)
		return;
	dwfl_end(f->dwfl);
	free(f);
}
