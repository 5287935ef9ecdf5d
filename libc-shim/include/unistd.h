#ifndef _UNISTD_H
#define _UNISTD_H
#include <_libc.h>
#endif
