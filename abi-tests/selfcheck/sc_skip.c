/* Runner self-check: a skip must be reported with its reason. */
#include <nymph_test.h>

int main(void)
{
	SKIP("selfcheck reason");
}
