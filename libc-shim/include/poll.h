#ifndef _POLL_H
#define _POLL_H
#include <_libc.h>
#endif
