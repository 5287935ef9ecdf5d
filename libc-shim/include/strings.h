#ifndef _STRINGS_H
#define _STRINGS_H
#include <_libc.h>
#endif
