#ifndef _PWD_H
#define _PWD_H
#include <_libc.h>
#endif
