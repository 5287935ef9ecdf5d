#ifndef _STDLIB_H
#define _STDLIB_H
#include <_libc.h>
#endif
