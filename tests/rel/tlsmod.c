/*
 * tests/rel/tlsmod.c - a dlopen'ed module with a large thread-local array
 * (tests/rel/threads.c).  Code in a dlopen'ed object reaches its __thread
 * variables through __tls_get_addr, which mallocs the calling thread's block
 * on its first touch; glibc frees it when the thread's stack is freed or
 * reused, from another thread.  So every thread that touches it makes one
 * allocation that some other thread frees after it exited.
 */
#include <stddef.h>

/* Bigger than any static TLS surplus: it can only be allocated dynamically.
 * Exported, and written through a volatile pointer, so the compiler keeps
 * the access. */
__thread unsigned char tlsmod_buf[16384];

/* Touches the calling thread's block (allocating it on the first touch);
 * returns the byte it wrote. */
unsigned tlsmod_touch(unsigned k);

unsigned tlsmod_touch(unsigned k)
{
	volatile unsigned char *b = tlsmod_buf;

	b[k % sizeof(tlsmod_buf)] = (unsigned char)(k | 1);
	return b[k % sizeof(tlsmod_buf)];
}
