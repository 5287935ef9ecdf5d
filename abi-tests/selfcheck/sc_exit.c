/* Runner self-check: an exit status other than pass/skip is a failure. */
#include <nymph_test.h>

int main(void)
{
	_exit(3);
}
