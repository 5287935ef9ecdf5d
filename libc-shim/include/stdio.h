#ifndef _STDIO_H
#define _STDIO_H
#include <_libc.h>
#endif
