/* Names and texts of errno values and signals. The numbers come from the ABI's
 * generated header; values an ABI lacks are left out by #ifdef. */
#include <_libc.h>

struct name_entry {
	int value;
	const char *name;
	const char *text;
};

#define E_(n, t) {n, #n, t},
static const struct name_entry errors[] = {
	E_(EPERM, "Operation not permitted")
	E_(ENOENT, "No such file or directory")
	E_(ESRCH, "No such process")
	E_(EINTR, "Interrupted system call")
	E_(EIO, "Input/output error")
	E_(ENXIO, "Device not configured")
	E_(E2BIG, "Argument list too long")
	E_(ENOEXEC, "Exec format error")
	E_(EBADF, "Bad file descriptor")
	E_(ECHILD, "No child processes")
	E_(EDEADLK, "Resource deadlock avoided")
	E_(ENOMEM, "Cannot allocate memory")
	E_(EACCES, "Permission denied")
	E_(EFAULT, "Bad address")
	E_(EBUSY, "Device busy")
	E_(EEXIST, "File exists")
	E_(EXDEV, "Cross-device link")
	E_(ENODEV, "Operation not supported by device")
	E_(ENOTDIR, "Not a directory")
	E_(EISDIR, "Is a directory")
	E_(EINVAL, "Invalid argument")
	E_(ENFILE, "Too many open files in system")
	E_(EMFILE, "Too many open files")
	E_(ENOTTY, "Inappropriate ioctl for device")
	E_(ETXTBSY, "Text file busy")
	E_(EFBIG, "File too large")
	E_(ENOSPC, "No space left on device")
	E_(ESPIPE, "Illegal seek")
	E_(EROFS, "Read-only file system")
	E_(EMLINK, "Too many links")
	E_(EPIPE, "Broken pipe")
	E_(EDOM, "Numerical argument out of domain")
	E_(ERANGE, "Result too large")
	E_(EAGAIN, "Resource temporarily unavailable")
	E_(ENOSYS, "Function not implemented")
	E_(ENAMETOOLONG, "File name too long")
	E_(ELOOP, "Too many levels of symbolic links")
	E_(ENOTEMPTY, "Directory not empty")
	E_(EOVERFLOW, "Value too large to be stored in data type")
	E_(ETIMEDOUT, "Operation timed out")
	E_(EILSEQ, "Illegal byte sequence")
	E_(ENOLCK, "No locks available")
#ifdef ENOTSUP
	E_(ENOTSUP, "Operation not supported")
#else
	E_(EOPNOTSUPP, "Operation not supported")
#endif
#ifdef ECANCELED
	E_(ECANCELED, "Operation canceled")
#endif
};

#define S_(n) {n, #n, 0},
static const struct name_entry signals[] = {
	S_(SIGHUP) S_(SIGINT) S_(SIGQUIT) S_(SIGILL) S_(SIGTRAP) S_(SIGABRT) S_(SIGBUS)
	S_(SIGFPE) S_(SIGKILL) S_(SIGUSR1) S_(SIGSEGV) S_(SIGUSR2) S_(SIGPIPE) S_(SIGALRM)
	S_(SIGTERM) S_(SIGCHLD) S_(SIGCONT) S_(SIGSTOP) S_(SIGTSTP) S_(SIGTTIN) S_(SIGTTOU)
	S_(SIGURG) S_(SIGXCPU) S_(SIGXFSZ) S_(SIGVTALRM) S_(SIGPROF) S_(SIGWINCH) S_(SIGIO)
	S_(SIGSYS)
#ifdef SIGEMT
	S_(SIGEMT)
#endif
#ifdef SIGINFO
	S_(SIGINFO)
#endif
};

static const struct name_entry *find(const struct name_entry *t, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return &t[i];
	return NULL;
}

const char *strerrorname(int e)
{
	const struct name_entry *x = find(errors, sizeof(errors) / sizeof(errors[0]), e);
	return x ? x->name : NULL;
}

const char *strerror(int e)
{
	const struct name_entry *x = find(errors, sizeof(errors) / sizeof(errors[0]), e);
	return x ? x->text : "Unknown error";
}

const char *signame(int sig)
{
	const struct name_entry *x = find(signals, sizeof(signals) / sizeof(signals[0]), sig);
	return x ? x->name : NULL;
}

void perror(const char *s)
{
	int e = errno;
	if (s && *s)
		dprintf(2, "%s: %s\n", s, strerror(e));
	else
		dprintf(2, "%s\n", strerror(e));
}
