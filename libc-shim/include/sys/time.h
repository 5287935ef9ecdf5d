#ifndef _SYS_TIME_H
#define _SYS_TIME_H
#include <_libc.h>
#endif
