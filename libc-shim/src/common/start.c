/* Start-up and exit, shared by every ABI: crt0 passes the address of argc. */
#include <_libc.h>

int errno;
char **environ;

int main(int argc, char **argv, char **envp);
__noreturn void __libc_start(long *sp);

#define ATEXIT_MAX 32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

__noreturn void exit(int status)
{
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	_exit(status);
}

__noreturn void abort(void)
{
	raise(SIGABRT);
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
	_exit(127);
}

__noreturn void __libc_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	environ = argv + argc + 1;
	exit(main(argc, argv, environ));
}

char *getenv(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
