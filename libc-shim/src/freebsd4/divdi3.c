/*
 * The 64-bit division helpers gcc calls on i386 (the machine has no 32-bit libgcc
 * to link, and the programs are linked without one): unsigned and signed quotient
 * and remainder by shift and subtract. No 64-bit `/` or `%` in this file, which
 * would call these very functions. A zero divisor divides by zero in 32 bits, so it
 * traps (SIGFPE) as a hardware division would.
 */
#include <_nymph_abi.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
int64_t __divmoddi4(int64_t a, int64_t b, int64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t a, int64_t b);
int64_t __moddi3(int64_t a, int64_t b);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	if (d == 0) {
		volatile uint32_t zero = 0;
		return 1 / zero;
	}
	if ((n >> 32) == 0) { /* then d > n, or both fit a 32-bit division */
		uint32_t a = (uint32_t)n, b = (uint32_t)d;
		if ((d >> 32) != 0) {
			if (rem)
				*rem = n;
			return 0;
		}
		if (rem)
			*rem = a % b;
		return a / b;
	}
	if (d > n) {
		if (rem)
			*rem = n;
		return 0;
	}
	/* Line the divisor's top bit up with the dividend's, then one quotient bit per step. */
	int shift = __builtin_clzll(d) - __builtin_clzll(n);
	uint64_t q = 0;
	d <<= shift;
	for (int i = 0; i <= shift; i++) {
		q <<= 1;
		if (n >= d) {
			n -= d;
			q |= 1;
		}
		d >>= 1;
	}
	if (rem)
		*rem = n;
	return q;
}

static uint64_t magnitude(int64_t v) { return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; }

/* C division: the quotient rounds toward zero, the remainder has the dividend's sign. */
int64_t __divmoddi4(int64_t a, int64_t b, int64_t *rem)
{
	uint64_t r = 0;
	uint64_t q = __udivmoddi4(magnitude(a), magnitude(b), &r);
	if (rem)
		*rem = a < 0 ? (int64_t)((uint64_t)0 - r) : (int64_t)r;
	return (a < 0) != (b < 0) ? (int64_t)((uint64_t)0 - q) : (int64_t)q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, NULL); }

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r = 0;
	__udivmoddi4(n, d, &r);
	return r;
}

int64_t __divdi3(int64_t a, int64_t b) { return __divmoddi4(a, b, NULL); }

int64_t __moddi3(int64_t a, int64_t b)
{
	int64_t r = 0;
	__divmoddi4(a, b, &r);
	return r;
}
