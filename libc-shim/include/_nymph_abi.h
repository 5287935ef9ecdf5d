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

#ifdef __FreeBSD_version
/*
 * FreeBSD 4.x (the generated header defines __FreeBSD_version, as <sys/param.h>
 * does): what its libc headers add to the kernel's definitions, and the POSIX
 * spellings libc-shim uses.
 */
typedef unsigned int nfds_t;       /* <poll.h> */
#define NAME_MAX MAXNAMLEN         /* <sys/syslimits.h> */
#define PIPE_BUF 512
#define st_atim st_atimespec       /* the POSIX names of struct stat's times */
#define st_mtim st_mtimespec
#define st_ctim st_ctimespec
#define WSTOPPED_LOW _WSTOPPED     /* <sys/wait.h>: the low 7 bits of a stopped status */
#define B9600 9600                 /* <sys/termios.h>: speeds are literal numbers */
#define B38400 38400
#define B115200 115200
#else
typedef int64_t clock_t;
#endif

#endif
