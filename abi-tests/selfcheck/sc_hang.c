/* Runner self-check: a case that never ends (nor its child) must be reported as a timeout. */
#include <nymph_test.h>

int main(void)
{
	if (fork() == 0)
		for (;;)
			sleep(1);
	for (;;)
		sleep(1);
}
