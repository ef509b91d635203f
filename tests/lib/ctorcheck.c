/*
 * tests/lib/ctorcheck.c - run with tests/lib/ctorlib.c's library and
 * libheaptop preloaded (either order): the constructor's five blocks of
 * CTOR_SIZE, allocated before main and before libheaptop had counted
 * anything else, are all counted, and so are the two it freed.
 */
#include <stdlib.h>
#include "htcheck.h"

#define CTOR_SIZE 3000000
#define CTOR_BLOCKS 5

int main(void)
{
	struct heaptop_stats st;

	note_pid();
	read_stats(&st, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(heaptop_tracking(), 1);
	CHECK_EQ(st.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(CTOR_SIZE)], CTOR_BLOCKS);
	CHECK(st.alloc_req_bytes >= (uint64_t)CTOR_BLOCKS * CTOR_SIZE);
	CHECK(st.dealloc_count >= 2);
	CHECK(st.use_curr >= 3ull * CTOR_SIZE);
	CHECK_EQ(st.untracked_count, 0);
	void *p = malloc(10);
	free(p);
	return test_summary("ctorcheck");
}
