#ifndef _SYS_STAT_H
#define _SYS_STAT_H
#include <_libc.h>
#endif
