/* Runner self-check: a case killed by a fault must be reported as killed by SIGSEGV. */
#include <nymph_test.h>

int main(void)
{
	/* Through a volatile, so the compiler cannot see the bad address. */
	volatile unsigned long bad = 8;
	*(volatile int *)bad = 1;
	PASS();
}
