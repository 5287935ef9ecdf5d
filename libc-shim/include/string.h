#ifndef _STRING_H
#define _STRING_H
#include <_libc.h>
#endif
