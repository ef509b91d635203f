/*
 * tests/view/prog/vprog.c - a program with a known heap, for the live-view
 * tests.  It allocates COUNT blocks of SIZE bytes and keeps them, writes its
 * pid to PIDFILE (so the heap is final once the file exists), then sleeps.
 * SIGUSR1: allocate COUNT more blocks, then write PIDFILE.<round>.
 * SIGUSR2: exit with STATUS.
 * With a fifth argument "busy" it then mallocs and frees 64 bytes in a loop
 * instead of sleeping (a busy program for the viewer's CPU test).
 * It uses no stdio, so the C library allocates nothing behind its back:
 * after r rounds alloc_count is exactly r * COUNT.
 *
 * usage: vprog PIDFILE COUNT SIZE [STATUS [busy]]
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h> /* rename() only: stdio would allocate */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BLOCKS 100000

static void *blocks[MAX_BLOCKS];
static int nblocks;
static volatile sig_atomic_t more, quit;

static void on_usr1(int sig)
{
	(void)sig;
	more = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	quit = 1;
}

static void allocate(long count, long size)
{
	for (long i = 0; i < count && nblocks < MAX_BLOCKS; i++) {
		blocks[nblocks] = malloc((size_t)size);
		if (blocks[nblocks])
			memset(blocks[nblocks], 0xa5, (size_t)size);
		nblocks++;
	}
}

/* Writes our pid to path (through a temporary name, so readers never see
 * a half-written file). */
static void write_pidfile(const char *path, int round)
{
	char tmp[4096], name[4096], num[32];
	int n = 0, fd;
	long pid = (long)getpid();

	do
		num[sizeof(num) - 1 - ++n] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0 && n < 30);
	strcpy(name, path);
	if (round > 1) {
		size_t l = strlen(name);
		name[l] = '.';
		name[l + 1] = (char)('0' + round % 10);
		name[l + 2] = '\0';
	}
	strcpy(tmp, name);
	strcat(tmp, ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		_exit(111);
	if (write(fd, num + sizeof(num) - 1 - n, (size_t)n) != n)
		_exit(111);
	close(fd);
	rename(tmp, name);
}

int main(int argc, char **argv)
{
	sigset_t block, old;
	long count, size;
	int round = 1;

	if (argc < 4)
		return 2;
	count = atol(argv[2]);
	size = atol(argv[3]);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	allocate(count, size);
	write_pidfile(argv[1], round);
	if (argc > 5 && strcmp(argv[5], "busy") == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		while (!quit)
			free(malloc(64));
		return atoi(argv[4]);
	}
	for (;;) {
		while (!more && !quit)
			sigsuspend(&old);
		if (quit)
			return argc > 4 ? atoi(argv[4]) : 0;
		more = 0;
		allocate(count, size);
		write_pidfile(argv[1], ++round);
	}
}
