#ifndef _SYS_IOCTL_H
#define _SYS_IOCTL_H
#include <_libc.h>
#endif
