#ifndef _FCNTL_H
#define _FCNTL_H
#include <_libc.h>
#endif
