#ifndef _TERMIOS_H
#define _TERMIOS_H
#include <_libc.h>
#endif
