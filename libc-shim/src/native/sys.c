/*
 * POSIX calls over the native ABI's generated stubs (__sys_*, which set errno and
 * return -1 on failure). Everything here is specific to the native ABI: path calls
 * go through the *at forms, struct sizes are passed for extensible structs.
 */
#include <_libc.h>

ssize_t read(int fd, void *buf, size_t n) { return __sys_read(fd, buf, n); }
ssize_t write(int fd, const void *buf, size_t n) { return __sys_write(fd, buf, n); }
ssize_t pread(int fd, void *buf, size_t n, off_t off) { return __sys_pread(fd, buf, n, off); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { return __sys_pwrite(fd, buf, n, off); }
int close(int fd) { return __sys_close(fd); }
int dup(int fd) { return __sys_dup(fd); }
int dup3(int oldfd, int newfd, int flags) { return __sys_dup3(oldfd, newfd, (uint32_t)flags); }
off_t lseek(int fd, off_t off, int whence) { return __sys_lseek(fd, off, whence); }
pid_t fork(void) { return __sys_fork(); }
pid_t getpid(void) { return __sys_getpid(); }
pid_t getppid(void) { return __sys_getppid(); }
#ifdef SYS_getpgrp
pid_t getpgrp(void) { return __sys_getpgrp(); }
#else
/* Retired in v2: getpgid(0) answers the same. */
pid_t getpgrp(void) { return __sys_getpgid(0); }
#endif
pid_t getpgid(pid_t pid) { return __sys_getpgid(pid); }
int setpgid(pid_t pid, pid_t pgid) { return __sys_setpgid(pid, pgid); }
pid_t setsid(void) { return __sys_setsid(); }
pid_t getsid(pid_t pid) { return __sys_getsid(pid); }
uid_t getuid(void) { return __sys_getuid(); }
uid_t geteuid(void) { return __sys_geteuid(); }
gid_t getgid(void) { return __sys_getgid(); }
gid_t getegid(void) { return __sys_getegid(); }
int setuid(uid_t uid) { return __sys_setuid(uid); }
int setgid(gid_t gid) { return __sys_setgid(gid); }
int kill(pid_t pid, int sig) { return __sys_kill(pid, sig); }
int sched_yield(void) { return __sys_sched_yield(); }
int fsync(int fd) { return __sys_fsync(fd); }
int ftruncate(int fd, off_t len) { return __sys_ftruncate(fd, len); }
int chdir(const char *path) { return __sys_chdir(path); }
int fchdir(int fd) { return __sys_fchdir(fd); }
mode_t umask(mode_t mask) { return __sys_umask(mask); }
int poll(struct pollfd *fds, nfds_t n, int timeout_ms) { return __sys_poll(fds, n, timeout_ms); }
int clock_gettime(int clock, struct timespec *ts) { return __sys_clock_gettime(clock, ts); }
int nanosleep(const struct timespec *req, struct timespec *rem) { return __sys_nanosleep(req, rem); }
time_t time(time_t *t)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
int munmap(void *addr, size_t len) { return __sys_munmap(addr, len); }
int mprotect(void *addr, size_t len, int prot) { return __sys_mprotect(addr, len, (uint32_t)prot); }
int msync(void *addr, size_t len, int flags) { return __sys_msync(addr, len, (uint32_t)flags); }
int sigsuspend(const sigset_t *mask) { return __sys_sigsuspend(mask); }
int sigpending(sigset_t *set) { return __sys_sigpending(set); }
__noreturn void _exit(int status) { for (;;) __sys_exit(status); }

int pipe2(int fds[2], int flags)
{
	struct pipe_fds p;
	if (__sys_pipe2(&p, (uint32_t)flags) < 0)
		return -1;
	fds[0] = p.fd0;
	fds[1] = p.fd1;
	return 0;
}

int pipe(int fds[2]) { return pipe2(fds, 0); }

int dup2(int oldfd, int newfd)
{
	/* dup3 refuses oldfd == newfd; dup2 checks oldfd and returns it. */
	if (oldfd == newfd)
		return __sys_fcntl(oldfd, F_GETFD, 0) < 0 ? -1 : newfd;
	return __sys_dup3(oldfd, newfd, 0);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return __sys_execve(path, argv, envp);
}

int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	return __sys_wait4(pid, status, (uint32_t)options, ru);
}
pid_t waitpid(pid_t pid, int *status, int options) { return wait4(pid, status, options, NULL); }
pid_t wait(int *status) { return wait4(-1, status, 0, NULL); }

/* The mode argument exists only with O_CREAT. */
#define OPEN_MODE(flags, mode)                                                         \
	do {                                                                           \
		if ((flags) & O_CREAT) {                                               \
			va_list ap;                                                    \
			va_start(ap, flags);                                           \
			mode = va_arg(ap, mode_t);                                     \
			va_end(ap);                                                    \
		}                                                                      \
	} while (0)

/* Where the ABI has openat2 (v2 on), every open goes through it. */
static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
#ifdef SYS_openat2
	struct open_how how = { .how_size = sizeof(how), .how_flags = (uint32_t)flags, .how_mode = mode };
	return __sys_openat2(dirfd, path, &how);
#else
	return __sys_openat(dirfd, path, (uint32_t)flags, mode);
#endif
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	OPEN_MODE(flags, mode);
	return do_openat(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	OPEN_MODE(flags, mode);
	return do_openat(AT_FDCWD, path, flags, mode);
}

int creat(const char *path, mode_t mode) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode); }

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	return (int)__sys_fcntl(fd, cmd, arg);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	return __sys_ioctl(fd, req, arg);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	st->st_struct_size = sizeof(*st);
	return __sys_fstatat(dirfd, path, st, (uint32_t)flags);
}
int stat(const char *path, struct stat *st) { return fstatat(AT_FDCWD, path, st, 0); }
int lstat(const char *path, struct stat *st) { return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW); }
int fstat(int fd, struct stat *st)
{
	st->st_struct_size = sizeof(*st);
	return __sys_fstat(fd, st);
}

int mkdir(const char *path, mode_t mode) { return __sys_mkdirat(AT_FDCWD, path, mode); }
int mkfifoat(int dirfd, const char *path, mode_t mode) { return __sys_mknodat(dirfd, path, S_IFIFO | (mode & 07777)); }
int mkfifo(const char *path, mode_t mode) { return mkfifoat(AT_FDCWD, path, mode); }
int mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)dev; /* native v1 takes no device number (device nodes: EPERM) */
	return __sys_mknodat(AT_FDCWD, path, mode);
}
int flock(int fd, int op) { return __sys_flock(fd, op); }
int unlink(const char *path) { return __sys_unlinkat(AT_FDCWD, path, 0); }
int rmdir(const char *path) { return __sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR); }
int rename(const char *old, const char *new_) { return __sys_renameat(AT_FDCWD, old, AT_FDCWD, new_); }
int link(const char *old, const char *new_) { return __sys_linkat(AT_FDCWD, old, AT_FDCWD, new_, 0); }
int symlink(const char *target, const char *linkpath) { return __sys_symlinkat(target, AT_FDCWD, linkpath); }
ssize_t readlink(const char *path, char *buf, size_t size) { return __sys_readlinkat(AT_FDCWD, path, buf, size); }
int access(const char *path, int mode) { return __sys_faccessat(AT_FDCWD, path, (uint32_t)mode, 0); }
int chmod(const char *path, mode_t mode) { return __sys_fchmodat(AT_FDCWD, path, mode, 0); }
int fchmod(int fd, mode_t mode) { return __sys_fchmodat(fd, "", mode, AT_EMPTY_PATH); }
int chown(const char *path, uid_t uid, gid_t gid) { return __sys_fchownat(AT_FDCWD, path, uid, gid, 0); }
int lchown(const char *path, uid_t uid, gid_t gid)
{
	return __sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}
int fchown(int fd, uid_t uid, gid_t gid) { return __sys_fchownat(fd, "", uid, gid, AT_EMPTY_PATH); }
int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	return __sys_utimensat(dirfd, path, (const struct utimens_times *)times, (uint32_t)flags);
}
int futimens(int fd, const struct timespec times[2])
{
	return __sys_utimensat(fd, "", (const struct utimens_times *)times, AT_EMPTY_PATH);
}
int chroot(const char *path) { return __sys_chroot(path); }
int uname(struct utsname *u) { return __sys_uname(u); }

char *getcwd(char *buf, size_t size)
{
	if (__sys_getcwd(buf, size) < 0)
		return NULL;
	return buf;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)(uintptr_t)__sys_mmap(addr, len, (uint32_t)prot, (uint32_t)flags, fd, off);
}

void *sbrk(intptr_t incr)
{
	static uintptr_t cur;
	if (cur == 0) {
		cur = __sys_brk(NULL);
		if (cur == (uintptr_t)-1)
			return (void *)-1;
	}
	if (incr == 0)
		return (void *)cur;
	uintptr_t want = cur + (uintptr_t)incr;
	uintptr_t got = __sys_brk((void *)want);
	if (got != want) {
		errno = ENOMEM;
		return (void *)-1;
	}
	uintptr_t old = cur;
	cur = got;
	return (void *)old;
}

/*
 * Handlers return into this restorer: their `ret` popped sf_restorer, so rsp is
 * at sf_si, and sigreturn wants the ucontext that follows it in the frame.
 */
__attribute__((naked)) static void sigrestore(void)
{
	__asm__ volatile("leaq %c0(%%rsp), %%rdi\n\t"
			 "call __sys_sigreturn\n\t"
			 "hlt"
			 :
			 : "i"(offsetof(struct sigframe, sf_uc) - offsetof(struct sigframe, sf_si)));
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct __abi_sigaction k, ko;
	memset(&k, 0, sizeof(k));
	memset(&ko, 0, sizeof(ko));
	if (act) {
		k.sa_struct_size = sizeof(k);
		k.sa_flags = (uint32_t)act->sa_flags;
		k.sa_handler = (uint64_t)(uintptr_t)act->sa_handler;
		k.sa_restorer = (uint64_t)(uintptr_t)sigrestore;
		k.sa_mask = act->sa_mask;
	}
	ko.sa_struct_size = sizeof(ko);
	if (__sys_sigaction(sig, act ? &k : NULL, old ? &ko : NULL) < 0)
		return -1;
	if (old) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = (void (*)(int))(uintptr_t)ko.sa_handler;
		old->sa_flags = (int)ko.sa_flags;
		old->sa_mask = ko.sa_mask;
	}
	return 0;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old) { return __sys_sigprocmask(how, set, old); }
int sigaltstack(const stack_t *ss, stack_t *old) { return __sys_sigaltstack(ss, old); }

/* getdents records: d_reclen bytes each, 8-byte aligned (struct dirent of types.h). */
struct __dir {
	int fd;
	size_t pos, len;
	_Alignas(8) char buf[4096];
};

DIR *fdopendir(int fd)
{
	DIR *d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	d->fd = fd;
	d->pos = d->len = 0;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

struct dirent *readdir(DIR *d)
{
	if (d->pos >= d->len) {
		int64_t n = __sys_getdents(d->fd, d->buf, sizeof(d->buf));
		if (n <= 0)
			return NULL;
		d->len = (size_t)n;
		d->pos = 0;
	}
	struct dirent *e = (struct dirent *)(d->buf + d->pos);
	if (e->d_reclen == 0) {
		d->pos = d->len;
		errno = EIO;
		return NULL;
	}
	d->pos += e->d_reclen;
	return e;
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}

int dirfd(DIR *d) { return d->fd; }

void rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->pos = d->len = 0;
}

/* Terminals: the native ioctls. */
int tcgetattr(int fd, struct termios *t) { return ioctl(fd, TCGETS, t); }
int tcsetattr(int fd, int when, const struct termios *t)
{
	switch (when) {
	case TCSANOW:
		return ioctl(fd, TCSETS, t);
	case TCSADRAIN:
		return ioctl(fd, TCSETSW, t);
	case TCSAFLUSH:
		return ioctl(fd, TCSETSF, t);
	}
	errno = EINVAL;
	return -1;
}
int isatty(int fd)
{
	struct termios t;
	return tcgetattr(fd, &t) == 0;
}
pid_t tcgetpgrp(int fd)
{
	pid_t pgrp;
	if (ioctl(fd, TIOCGPGRP, &pgrp) < 0)
		return -1;
	return pgrp;
}
int tcsetpgrp(int fd, pid_t pgrp) { return ioctl(fd, TIOCSPGRP, &pgrp); }
