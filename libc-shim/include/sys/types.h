#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H
#include <_nymph_abi.h>
#endif
