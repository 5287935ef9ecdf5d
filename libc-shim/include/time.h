#ifndef _TIME_H
#define _TIME_H
#include <_libc.h>
#endif
