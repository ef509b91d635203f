/*
 * tests/tui/prog/quick.c - a program that lives for about a millisecond:
 * three mallocs of distinct sizes, one free, exit.  The viewer must still
 * capture its final state (the launcher keeps the segment's name).
 */
#include <stdlib.h>

int main(void)
{
	void *a = malloc(10), *b = malloc(1000), *c = malloc(100000);
	free(b);
	return a && c ? 0 : 1;
}
