/*
 * tests/sitesview/sv_prog.c - a program with known call sites for the
 * viewer's call-site tests, run under the preload (by heaptop -- or
 * LD_PRELOAD):
 *
 *   sv_prog exact|shares OUT MODULE [READY]
 *
 * alloc_sixty, alloc_thirty and alloc_ten allocate 60%, 30% and 10% of the
 * bytes; grow_string grows a string by exact-size reallocs while a
 * neighbour block is live, so (nearly) every growth moves; symmod_alloc in MODULE
 * (dlopen'ed, then dlclosed) allocates a block that stays live.
 *   exact   (HEAPTOP_SAMPLE_RATE=1) 600/300/100 blocks of 1000 bytes kept
 *           live, 2000 growths of 16 bytes;
 *   shares  (the default rate) 2 GiB allocated and freed in 4 KiB blocks
 *           in those shares, plus 30/15/5 blocks of 1 MiB kept live.
 * OUT gets what really happened, one "key value" per line (pid first):
 * usable bytes live and allocated per site, the source line of each site,
 * moves and bytes they copied.  With READY, it then writes READY and
 * sleeps (60 s at most) so a viewer can attach.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each site function calls the allocator on the line that names it. */
#define SITE(name) \
	void *name(size_t n); void *name(size_t n) { return malloc(n); } static const int name##_line = __LINE__

SITE(alloc_sixty);
SITE(alloc_thirty);
SITE(alloc_ten);
char *grow_string(char *s, size_t n);
char *grow_string(char *s, size_t n) { return realloc(s, n); } static const int grow_line = __LINE__;

struct truth {
	size_t live[3], alloc[3];   /* usable bytes: sixty, thirty, ten */
	size_t moves, moved, mover_live;
	size_t dl_live;
	int dl_line;
};

static void *(*const site_fn[3])(size_t) = { alloc_sixty, alloc_thirty, alloc_ten };
static const int share[3] = { 6, 3, 1 };

/* Allocates count blocks of size from site k, keeping them when keep. */
static void run_site(struct truth *t, int k, int count, size_t size, int keep)
{
	for (int i = 0; i < count; i++) {
		void *p = site_fn[k](size);
		if (!p) {
			perror("sv_prog: malloc");
			exit(2);
		}
		memset(p, k, 64);
		t->alloc[k] += malloc_usable_size(p);
		if (keep)
			t->live[k] += malloc_usable_size(p);
		else
			free(p);
	}
}

/* Grows a string 16 bytes at a time, each result followed by a block too
 * big for any free chunk (so glibc carves it from the top, right after the
 * string): the next growth cannot stay in place.  Starts over every 100
 * steps; only the string stays live.  Counts the moves and the bytes they copied (the old usable size,
 * or the new size when smaller). */
static void grow(struct truth *t, int steps)
{
	void *blockers[100];
	char *s = NULL;

	for (int i = 0; i < steps; i++) {
		int j = i % 100;
		if (j == 0) {
			for (int k = 0; i && k < 100; k++)
				free(blockers[k]);
			free(s);
			s = malloc(16);
		}
		size_t old = malloc_usable_size(s), want = 16 + 16 * (size_t)(j + 1);
		char *q = grow_string(s, want);
		if (!q)
			exit(2);
		if (q != s)
			t->moves++, t->moved += old < want ? old : want;
		s = q;
		blockers[j] = malloc(2 * want + 64);
	}
	for (int k = 0; k < (steps - 1) % 100 + 1; k++)
		free(blockers[k]);
	t->mover_live = malloc_usable_size(s); /* the string stays live */
}

static void from_module(struct truth *t, const char *module)
{
	void *h = dlopen(module, RTLD_NOW);
	void *(*fn)(size_t, int *) = h ? (void *(*)(size_t, int *))dlsym(h, "symmod_alloc") : NULL;

	if (!fn) {
		fprintf(stderr, "sv_prog: cannot use %s: %s\n", module, dlerror());
		exit(2);
	}
	void *p = fn(5000, &t->dl_line);
	t->dl_live = malloc_usable_size(p); /* stays live after the module is gone */
	dlclose(h);
}

static void report(FILE *f, const struct truth *t)
{
	static const char *const names[3] = { "sixty", "thirty", "ten" };
	const int lines[3] = { alloc_sixty_line, alloc_thirty_line, alloc_ten_line };

	for (int k = 0; k < 3; k++)
		fprintf(f, "%s_live %zu\n%s_alloc %zu\n%s_line %d\n", names[k], t->live[k], names[k],
			t->alloc[k], names[k], lines[k]);
	fprintf(f, "moves %zu\nmoved %zu\nmover_live %zu\ngrow_line %d\n", t->moves, t->moved,
		t->mover_live, grow_line);
	fprintf(f, "dl_live %zu\ndl_line %d\n", t->dl_live, t->dl_line);
}

int main(int argc, char **argv)
{
	struct truth t;
	FILE *out;

	if (argc < 4 || (strcmp(argv[1], "exact") && strcmp(argv[1], "shares"))) {
		fprintf(stderr, "usage: sv_prog exact|shares OUT MODULE [READY]\n");
		return 2;
	}
	if (!(out = fopen(argv[2], "w")))
		return 2;
	fprintf(out, "pid %d\n", (int)getpid());
	fflush(out);
	memset(&t, 0, sizeof(t));
	if (strcmp(argv[1], "exact") == 0) {
		for (int k = 0; k < 3; k++)
			run_site(&t, k, 100 * share[k], 1000, 1);
		grow(&t, 2000);
	} else {
		for (int round = 0; round < 512; round++) /* interleaved, 4 MiB a round */
			for (int k = 0; k < 3; k++)
				run_site(&t, k, 100 * share[k], 4096, 0);
		for (int k = 0; k < 3; k++)
			run_site(&t, k, 5 * share[k], 1 << 20, 1);
		grow(&t, 200);
	}
	from_module(&t, argv[3]);
	report(out, &t);
	fclose(out);
	if (argc > 4) {
		FILE *r = fopen(argv[4], "w");
		if (r)
			fclose(r);
		for (int i = 0; i < 600; i++)
			usleep(100000);
	}
	return 0;
}
