#ifndef _SCHED_H
#define _SCHED_H
#include <_libc.h>
#endif
