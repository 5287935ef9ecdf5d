/*
 * The bridge between libc-shim and the ABI it is built for. The build puts the
 * generated headers of one ABI (libc-shim/gen/<abi>/) on the include path; this
 * header includes them and adapts what POSIX names differently. Every number
 * (O_*, E*, SIG*, struct layouts) comes from the generated headers.
 */
#ifndef _NYMPH_ABI_H
#define _NYMPH_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define NYMPH_ABI_TYPEDEFS
/* The kernel's sigaction layout differs from the POSIX one: rename it. */
#define sigaction __abi_sigaction
#include "syscalls.h"
#undef sigaction

/* POSIX wants the special handlers as function pointers. */
typedef void (*sighandler_t)(int);
enum { __ABI_SIG_DFL = SIG_DFL, __ABI_SIG_IGN = SIG_IGN };
#undef SIG_DFL
#undef SIG_IGN
#define SIG_DFL ((sighandler_t)__ABI_SIG_DFL)
#define SIG_IGN ((sighandler_t)__ABI_SIG_IGN)
#define SIG_ERR ((sighandler_t)-1)

typedef int64_t clock_t;

#endif
