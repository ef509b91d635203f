/*
 * tui/launch_diag.c - saying why a program started by `heaptop -- CMD`
 * produced no segment, without ldd: a static ELF (no PT_INTERP), a file
 * whose exec asks for secure execution (setuid or setgid to someone else,
 * or file capabilities: the loader then ignores LD_PRELOAD), a different
 * ELF class, the loader's or the library's own complaint in the output
 * file, or a program that exited without allocating (the library starts on
 * the first allocation).  A file we may execute but not read (mode 4711) is
 * still judged by its mode.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "launch.h"
#include "sanitize.h"

/* fprintf, or nothing when f is NULL (a question without the explanation). */
static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

/* execvp's search: the file argv0 names, into buf; 0 or -1. */
static int resolve_command(const char *cmd, char *buf, size_t cap)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/')) {
		snprintf(buf, cap, "%s", cmd);
		return access(buf, X_OK);
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, cap, "%.*s%s%s", (int)n, path, n ? "/" : "", cmd);
		if (access(buf, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

/* Class of the ELF file at fd and whether it has an interpreter: 1 dynamic,
 * 0 static, -1 not ELF (a script, or unreadable). */
static int elf_dynamic(int fd, unsigned char *cls)
{
	unsigned char id[EI_NIDENT];

	if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id) || memcmp(id, ELFMAG, SELFMAG) != 0)
		return -1;
	*cls = id[EI_CLASS];
	if (id[EI_CLASS] != ELFCLASS64) /* we can only tell a 64-bit one apart here */
		return 1;
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || eh.e_phentsize != sizeof(Elf64_Phdr))
		return -1;
	for (unsigned i = 0; i < eh.e_phnum && i < 4096; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != (ssize_t)sizeof(ph))
			return -1;
		if (ph.p_type == PT_INTERP)
			return 1;
	}
	return 0;
}

/* Quotes lines of the program's output that the loader or libheaptop wrote. */
static int quote_output(FILE *f, const char *output)
{
	char line[512], clean[512];
	int shown = 0;
	FILE *in = fopen(output, "r");

	if (!in)
		return 0;
	for (int i = 0; i < 10000 && shown < 5 && fgets(line, sizeof(line), in); i++) {
		if (!strstr(line, "LD_PRELOAD") && strncmp(line, "heaptop:", 8) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		sanitize_text(clean, sizeof(clean), line, strlen(line));
		fprintf(f, "heaptop:   the output says: %s\n", clean);
		shown++;
	}
	fclose(in);
	return shown;
}

/* 1 when exec'ing the file at path (st) runs it in secure-execution mode
 * (AT_SECURE) for us: its set-id bits change our ids, or its file
 * capabilities raise an unprivileged user's.  Neither counts on a nosuid
 * mount or under no_new_privs, where the kernel ignores them.  *why gets
 * the explanation. */
static int secure_exec(const char *path, const struct stat *st, const char **why)
{
	struct statvfs vfs;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ||
	    (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)))
		return 0;
	*why = "setuid or setgid: the loader ignores LD_PRELOAD for it (run it as the user it "
	       "switches to, or a copy without those bits)";
	if (((st->st_mode & S_ISUID) && st->st_uid != geteuid()) ||
	    ((st->st_mode & S_ISGID) && st->st_gid != getegid()))
		return 1;
	*why = "given file capabilities (setcap): the loader ignores LD_PRELOAD for it (run it "
	       "as root, or a copy without them)";
	return geteuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0;
}

/* Says what in the file at path keeps the preload out; 1 when it found a
 * reason that settles it (static, secure execution, other class), else 0. */
static int explain_file(FILE *f, const char *path)
{
	struct stat st;
	unsigned char cls = 0;
	const char *why = "";
	int dyn = -1;

	if (stat(path, &st) != 0)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), readable = fd >= 0;
	if (readable) { /* execute-only files (mode 0711) are judged by their mode alone */
		dyn = elf_dynamic(fd, &cls);
		close(fd);
	}
	if (dyn == 0) {
		say(f, "heaptop:   '%s' is statically linked: nothing can be preloaded into it "
			"(rebuild it dynamically linked)\n", path);
		return 1;
	}
	if (dyn == 1 && cls != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
		say(f, "heaptop:   '%s' is a %d-bit program and libheaptop is %d-bit "
			"(build libheaptop for that architecture)\n", path, cls == ELFCLASS32 ? 32 : 64,
			(int)sizeof(void *) * 8);
		return 1;
	}
	if (secure_exec(path, &st, &why)) {
		say(f, "heaptop:   '%s' is %s\n", path, why);
		return 1;
	}
	if (dyn < 0 && readable)
		say(f, "heaptop:   '%s' is not an ELF program (a script?): the preload applies to its "
			"interpreter and the programs it runs\n", path);
	return 0;
}

int launch_unpreloadable(FILE *f, const char *cmd)
{
	char path[PATH_MAX];

	return resolve_command(cmd, path, sizeof(path)) == 0 && explain_file(f, path);
}

void launch_explain_no_segment(FILE *f, char *const argv[], const struct model_child *c)
{
	fprintf(f, "heaptop: '%s' (pid %d) made no heaptop segment", argv[0], (int)c->pid);
	if (c->exited)
		fprintf(f, " before it exited");
	fprintf(f, "; possible reasons:\n");
	if (launch_unpreloadable(f, argv[0]))
		return;
	if (strcmp(c->output, "the terminal") != 0)
		quote_output(f, c->output);
	if (getenv("HEAPTOP_DISABLE"))
		fprintf(f, "heaptop:   HEAPTOP_DISABLE is set in the environment\n");
	if (strcmp(c->output, "the terminal") == 0)
		fprintf(f, "heaptop:   the library failed to load or to create its segment "
			"(look above for lines with 'heaptop:' or 'LD_PRELOAD')\n");
	else
		fprintf(f, "heaptop:   the library failed to load or to create its segment "
			"(look for lines with 'heaptop:' or 'LD_PRELOAD' in %s)\n", c->output);
}
