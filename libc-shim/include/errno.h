#ifndef _ERRNO_H
#define _ERRNO_H
#include <_nymph_abi.h> /* E* values and `extern int errno` */
#endif
