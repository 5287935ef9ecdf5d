/*
 * Calls reboot(2) as root (it runs as init), with RB_HALT for `halt`, RB_POWEROFF |
 * RB_HALT for `poweroff` (halt -p's flags) and 0 for `reboot`, after saying which on
 * its output. 4.x's reboot does not return to a root caller: the machine ends. If it
 * returns, the program says how and exits 1. xtask test's reboot check.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define RB_HALT 0x8
#define RB_POWEROFF 0x4000

static void say(const char *s)
{
	write(1, s, strlen(s));
	write(1, "\n", 1);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "halt";
	int opt = 0;
	if (strcmp(how, "halt") == 0)
		opt = RB_HALT;
	else if (strcmp(how, "poweroff") == 0)
		opt = RB_POWEROFF | RB_HALT;
	say(how);
	int r = syscall(55, opt);
	say(r == -1 && errno == EPERM ? "reboot returned EPERM" : "reboot returned");
	return 1;
}
