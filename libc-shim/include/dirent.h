#ifndef _DIRENT_H
#define _DIRENT_H
#include <_libc.h>
#endif
