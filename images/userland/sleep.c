/* sleep: waits the given number of seconds. Built for native and FreeBSD 4. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		dprintf(2, "usage: sleep SECONDS\n");
		return 1;
	}
	struct timespec ts = {.tv_sec = atoi(argv[1]), .tv_nsec = 0};
	struct timespec rem;
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
	return 0;
}
