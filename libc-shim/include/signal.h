#ifndef _SIGNAL_H
#define _SIGNAL_H
#include <_libc.h>
#endif
