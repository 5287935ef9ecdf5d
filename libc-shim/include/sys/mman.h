#ifndef _SYS_MMAN_H
#define _SYS_MMAN_H
#include <_libc.h>
#endif
