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

/* A sockaddr_un for `path`; returns the length bind and connect take (SUN_LEN). */
static inline int nt_sockaddr_un(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strcpy((char *)sun->sun_path, path);
	return 2 + (int)strlen(path);
}

#endif
