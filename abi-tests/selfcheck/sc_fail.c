/* Runner self-check: a failing check must be reported as a failure naming file:line. */
#include <nymph_test.h>

int main(void)
{
	CHECK_EQ(1 + 1, 3);
	PASS();
}
