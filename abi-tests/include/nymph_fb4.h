/*
 * Helpers for the FreeBSD-4-only cases (cases/fb4_*.c) that the 4.x libc-shim lacks
 * as library calls.
 */
#ifndef NYMPH_FB4_H
#define NYMPH_FB4_H

#include <nymph_test.h>

/* getrlimit(which), failing the case if the call does; the struct is poisoned first
 * so that a call writing nothing cannot pass. */
static inline struct rlimit nt_getrlimit(int which)
{
	struct rlimit rl;
	memset(&rl, 0xa5, sizeof(rl));
	if (__sys_getrlimit(which, &rl) < 0)
		FAIL("getrlimit(%d): errno %s", which, nt_errname(errno));
	return rl;
}

#endif
