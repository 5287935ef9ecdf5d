#ifndef _SETJMP_H
#define _SETJMP_H
#include <_libc.h>
#endif
