/*
 * tests/tui/prog/mkseg.c - writes a crafted segment for the viewer's error
 * tests:  mkseg KIND PID  creates /dev/shm/heaptop.<PID>.0 as
 *   valid    a readable segment (tests/tui/segimage.h counters)
 *   magic    wrong magic number
 *   version  compat_version from the future
 *   corrupt  shard count far beyond the file
 *   mode     valid, but readable by group and others (mode 0644)
 *   short    100 bytes, shorter than a header
 * Exits 0, or 1 with a message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "segimage.h"

int main(int argc, char **argv)
{
	struct segimage im;
	char name[64];

	if (argc != 3 || segimage_build(&im, (uint32_t)strtoul(argv[2], NULL, 10)) != 0) {
		fprintf(stderr, "usage: mkseg valid|magic|version|corrupt|mode|short PID\n");
		return 1;
	}
	size_t len = im.size;
	if (strcmp(argv[1], "magic") == 0)
		im.h->magic = 0x4141414141414141ull;
	else if (strcmp(argv[1], "version") == 0)
		im.h->compat_version = 1000;
	else if (strcmp(argv[1], "corrupt") == 0)
		im.h->shard_count = 1u << 30;
	else if (strcmp(argv[1], "short") == 0)
		len = 100;
	im.h->start_time_ticks = 0; /* unknown: matches any process with this pid */
	snprintf(name, sizeof(name), "/heaptop.%s.0", argv[2]);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, im.buf, len) != (ssize_t)len ||
	    (strcmp(argv[1], "mode") == 0 && fchmod(fd, 0644) != 0)) {
		perror("mkseg");
		return 1;
	}
	close(fd);
	segimage_free(&im);
	return 0;
}
