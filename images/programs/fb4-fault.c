/*
 * Writes to its own read-only text: FreeBSD 4 makes that protection fault SIGBUS
 * (signal 10; Linux's SIGBUS is 7). xtask test's check that `cargo xtask exec`
 * reports 128 + the program's own signal number.
 */
int main(void)
{
	volatile char *text = (volatile char *)(unsigned long)main;
	*text = 0;
	return 0;
}
