/*
 * tests/sitesview/unit_symbols.c - the viewer's symbolizer on real code,
 * without the preload (so the sanitizers cover it): a module table made
 * from dl_iterate_phdr; return addresses taken in this PIE executable and
 * in a dlopen'ed module that is then dlclosed; the names, files and lines
 * they resolve to; the fallbacks (module+offset, a bare address); a
 * build-id that does not match, paths that are not files (a FIFO, a
 * directory, the vdso, a path cut or unprintable) and no leaked fds.
 *
 *   unit_symbols MODULE.so
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "symbols.h"

#define MAX_MODS 64

static struct seg_module mods[MAX_MODS];
static size_t nmods;

/* ---- the module table, as the library would record it --------------------------- */

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct seg_module *m;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)size, (void)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uint64_t s = info->dlpi_addr + ph->p_vaddr;
		lo = s < lo ? s : lo;
		hi = s + ph->p_memsz > hi ? s + ph->p_memsz : hi;
	}
	if (lo >= hi || nmods == MAX_MODS)
		return 0;
	m = &mods[nmods++];
	memset(m, 0, sizeof(*m));
	m->base = info->dlpi_addr, m->start = lo, m->end = hi;
	m->state = HEAPTOP_MODULE_LOADED;
	m->load_t_ns = nmods;
	if (info->dlpi_name && info->dlpi_name[0])
		snprintf(m->path, sizeof(m->path), "%s", info->dlpi_name);
	else if (readlink("/proc/self/exe", m->path, sizeof(m->path) - 1) < 0)
		test_hard_error("readlink /proc/self/exe");
	m->path_exact = 1;
	return 0;
}

/* The executable's GNU build-id, read with libelf. */
static void exe_build_id(struct seg_module *m)
{
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	const void *id;

	elf_version(EV_CURRENT);
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	ssize_t n = e ? dwelf_elf_gnu_build_id(e, &id) : -1;
	if (n > 0 && n <= HEAPTOP_BUILD_ID_MAX) {
		memcpy(m->build_id, id, (size_t)n);
		m->build_id_len = (uint16_t)n;
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
}

static struct seg_module *module_named(const char *part)
{
	for (size_t i = 0; i < nmods; i++)
		if (strstr(mods[i].path, part))
			return &mods[i];
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---- frames to name --------------------------------------------------------------- */

uint64_t caller_a(int *line);

__attribute__((noinline)) static uint64_t ret_addr(void)
{
	uint64_t r = (uint64_t)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
	return r;
}

uint64_t caller_a(int *line)
{
	*line = __LINE__; uint64_t r = ret_addr();
	__asm__ volatile("" ::: "memory");
	return r;
}

static void check_frame(struct symbols *sy, uint64_t addr, const char *func, const char *file,
			int line, const char *module)
{
	struct sym_frame f;
	char buf[512];

	symbols_frame(sy, addr, &f);
	fprintf(stderr, "# %#llx -> %s\n", (unsigned long long)addr, symbols_format(&f, buf, sizeof(buf)));
	CHECK_EQ(f.addr, addr);
	CHECK_STR(f.function, func);
	if (!CHECK(strstr(f.file, file) != NULL))
		fprintf(stderr, "  file '%s', want '%s'\n", f.file, file);
	CHECK_EQ(f.line, line);
	CHECK_STR(f.module_name, module);
	CHECK(f.in_module);
}

int main(int argc, char **argv)
{
	int line_a, line_m, fds0 = count_fds();
	uint64_t (*where)(int *);
	char buf[512];
	struct sym_frame f;

	if (argc != 2)
		test_hard_error("usage: unit_symbols MODULE.so");
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h || !(where = (uint64_t (*)(int *))dlsym(h, "symmod_where")))
		test_hard_error("cannot load %s: %s", argv[1], dlerror());
	uint64_t fa = caller_a(&line_a), fm = where(&line_m);
	dl_iterate_phdr(add_module, NULL);
	exe_build_id(&mods[0]);
	CHECK(mods[0].build_id_len > 0);
	struct seg_module *sm = module_named("symmod");
	if (!CHECK(sm != NULL))
		return test_summary("unit_symbols");
	sm->state = HEAPTOP_MODULE_UNLOADED;
	dlclose(h); /* its entry stays, like the library's unloaded ones */

	struct symbols *sy = symbols_new();
	CHECK(sy != NULL);
	CHECK_EQ(symbols_set_modules(sy, mods, nmods), 0);
	check_frame(sy, fa, "caller_a", "unit_symbols.c", line_a, "unit_symbols");
	check_frame(sy, fm, "symmod_where", "symmod.c", line_m, "symmod.so");
	check_frame(sy, fa, "caller_a", "unit_symbols.c", line_a, "unit_symbols"); /* cached */
	/* libc's own malloc (not a sanitizer's interceptor) is named from its symbol table */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *libc_malloc = libc ? dlsym(libc, "malloc") : NULL;
	CHECK(libc_malloc != NULL);
	symbols_frame(sy, (uint64_t)(uintptr_t)libc_malloc + 1, &f);
	CHECK(strstr(f.function, "malloc") != NULL);
	CHECK(strstr(f.module_name, "libc") != NULL);
	/* no module holds it: the bare address */
	symbols_frame(sy, 16, &f);
	CHECK(!f.in_module);
	CHECK_STR(symbols_format(&f, buf, sizeof(buf)), "0x10");
	size_t nw;
	symbols_warnings(sy, &nw);
	CHECK_EQ(nw, 0);

	/* A changed table: the executable's build-id no longer matches, the
	 * module's path is a FIFO, then a directory; the vdso has no file. */
	char fifo[] = "/tmp/heaptop-symfifo.XXXXXX";
	CHECK(mkdtemp(fifo) != NULL);
	char fifo_path[64];
	snprintf(fifo_path, sizeof(fifo_path), "%s/f", fifo);
	CHECK(mkfifo(fifo_path, 0600) == 0);
	mods[0].build_id[0] ^= 0xff;
	snprintf(sm->path, sizeof(sm->path), "%s", fifo_path);
	struct seg_module *vdso = module_named("vdso");
	CHECK_EQ(symbols_set_modules(sy, mods, nmods), 0);
	symbols_frame(sy, fa, &f);
	CHECK_STR(f.function, "");
	CHECK(f.in_module);
	snprintf(buf, sizeof(buf), "unit_symbols+%#llx", (unsigned long long)(fa - mods[0].base));
	char got[512];
	CHECK_STR(symbols_format(&f, got, sizeof(got)), buf);
	symbols_frame(sy, fm, &f);
	CHECK_STR(f.function, "");
	CHECK_STR(f.module_name, "f");
	if (vdso) {
		symbols_frame(sy, vdso->start + 1, &f);
		CHECK(f.in_module && !f.function[0]);
	}
	const char *const *w = symbols_warnings(sy, &nw);
	CHECK_EQ(nw, 2); /* the changed executable and the FIFO; the vdso is no path */
	for (size_t i = 0; i < nw; i++)
		fprintf(stderr, "# warning: %s\n", w[i]);
	if (nw == 2) {
		CHECK(strstr(w[0], "build-id differs") != NULL || strstr(w[1], "build-id differs") != NULL);
		CHECK(strstr(w[0], "not a regular file") != NULL || strstr(w[1], "not a regular file") != NULL);
	}
	/* a path not written verbatim (cut or sanitised) is never opened */
	mods[0].build_id[0] ^= 0xff;
	mods[0].path_exact = 0;
	snprintf(sm->path, sizeof(sm->path), "%s", fifo);
	CHECK_EQ(symbols_set_modules(sy, mods, nmods), 0);
	symbols_frame(sy, fa, &f);
	CHECK_STR(f.function, "");
	symbols_frame(sy, fm, &f);
	CHECK_STR(f.function, "");
	symbols_warnings(sy, &nw);
	CHECK_EQ(nw, 3); /* the directory */
	/* an empty table: nothing resolves, nothing breaks */
	CHECK_EQ(symbols_set_modules(sy, NULL, 0), 0);
	symbols_frame(sy, fa, &f);
	CHECK(!f.in_module);
	symbols_free(sy);
	if (libc)
		dlclose(libc);
	unlink(fifo_path);
	rmdir(fifo);
	CHECK_EQ(count_fds(), fds0);
	return test_summary("unit_symbols");
}
