#ifndef _GRP_H
#define _GRP_H
#include <_libc.h>
#endif
