/*
 * tests/fault/failsys.c - fault injection for libheaptop's own failure paths.
 * Preloaded next to libheaptop, it makes exactly one of the calls the library
 * uses to create its segment fail, chosen by HEAPTOP_TEST_FAIL:
 *   shm_open   -> EACCES          fallocate -> ENOSPC (a full /dev/shm)
 *   mmap       -> ENOMEM, only for MAP_SHARED mappings (the segment)
 *   ftruncate  -> never used by libheaptop; listed to prove that
 * Every other call is forwarded untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int failing(const char *what)
{
	const char *f = getenv("HEAPTOP_TEST_FAIL");
	return f && strcmp(f, what) == 0;
}

int shm_open(const char *name, int flags, mode_t mode)
{
	static int (*next)(const char *, int, mode_t);
	if (failing("shm_open")) {
		errno = EACCES;
		return -1;
	}
	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "shm_open");
	return next(name, flags, mode);
}

int posix_fallocate(int fd, off_t off, off_t len)
{
	static int (*next)(int, off_t, off_t);
	if (failing("fallocate"))
		return ENOSPC;
	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "posix_fallocate");
	return next(fd, off, len);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*next)(void *, size_t, int, int, int, off_t);
	if (failing("mmap") && (flags & MAP_SHARED) && fd >= 0) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "mmap");
	return next(addr, len, prot, flags, fd, off);
}
