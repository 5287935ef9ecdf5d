/*
 * POSIX calls over the FreeBSD 4.x i386 stubs (__sys_*, which set errno and return
 * -1 on failure), with what 4.x libc does around them (reference §2, §6): the off_t
 * calls go through __syscall (198) with the pad word before the off_t, fork/pipe/
 * getpid/getuid/getgid read the edx:eax pair, brk keeps curbrk here, getcwd falls
 * back to walking "..", opendir/readdir read getdirentries records, uname and
 * getpagesize ask sysctl, and the kernel's sigaction takes handler, flags, mask.
 * Signal handlers return through the kernel's own trampoline: there is no restorer.
 */
#include <_libc.h>

/* The stubs of calls with a second result return edx:eax; a failure is -1 in both. */
#define FAILED(r) ((r) == ~(uint64_t)0)
static uint32_t low(uint64_t r) { return (uint32_t)r; }
static uint32_t high(uint64_t r) { return (uint32_t)(r >> 32); }

ssize_t read(int fd, void *buf, size_t n) { return __sys_read(fd, buf, n); }
ssize_t write(int fd, const void *buf, size_t n) { return __sys_write(fd, buf, n); }
int close(int fd) { return __sys_close(fd); }
int dup(int fd) { return __sys_dup((uint32_t)fd); }
int dup2(int oldfd, int newfd) { return __sys_dup2((uint32_t)oldfd, (uint32_t)newfd); }
pid_t getppid(void) { return __sys_getppid(); }
pid_t getpgrp(void) { return __sys_getpgrp(); }
pid_t getpgid(pid_t pid) { return __sys_getpgid(pid); }
int setpgid(pid_t pid, pid_t pgid) { return __sys_setpgid(pid, pgid); }
pid_t setsid(void) { return __sys_setsid(); }
pid_t getsid(pid_t pid) { return __sys_getsid(pid); }
uid_t geteuid(void) { return __sys_geteuid(); }
gid_t getegid(void) { return __sys_getegid(); }
int setuid(uid_t uid) { return __sys_setuid(uid); }
int setgid(gid_t gid) { return __sys_setgid(gid); }
int kill(pid_t pid, int sig) { return __sys_kill(pid, sig); }
int sched_yield(void) { return __sys_sched_yield(); }
int fsync(int fd) { return __sys_fsync(fd); }
int chdir(const char *path) { return __sys_chdir(path); }
int fchdir(int fd) { return __sys_fchdir(fd); }
mode_t umask(mode_t mask) { return (mode_t)__sys_umask(mask); }
int poll(struct pollfd *fds, nfds_t n, int timeout_ms) { return __sys_poll(fds, n, timeout_ms); }
int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	return __sys_select(n, r, w, e, timeout);
}
int clock_gettime(int clock, struct timespec *ts) { return __sys_clock_gettime(clock, ts); }
int nanosleep(const struct timespec *req, struct timespec *rem) { return __sys_nanosleep(req, rem); }
int gettimeofday(struct timeval *tv, struct timezone *tz) { return __sys_gettimeofday(tv, tz); }
int munmap(void *addr, size_t len) { return __sys_munmap(addr, len); }
int mprotect(void *addr, size_t len, int prot) { return __sys_mprotect(addr, len, prot); }
int msync(void *addr, size_t len, int flags) { return __sys_msync(addr, len, flags); }
int sigsuspend(const sigset_t *mask) { return __sys_sigsuspend(mask); }
int sigpending(sigset_t *set) { return __sys_sigpending(set); }
int sigaltstack(const stack_t *ss, stack_t *old) { return __sys_sigaltstack(ss, old); }
int sigprocmask(int how, const sigset_t *set, sigset_t *old) { return __sys_sigprocmask(how, set, old); }
__noreturn void _exit(int status) { for (;;) __sys_exit(status); }

/* 4.x libc's time() is gettimeofday. */
time_t time(time_t *t)
{
	struct timeval tv;
	if (gettimeofday(&tv, NULL) < 0)
		return (time_t)-1;
	if (t)
		*t = tv.tv_sec;
	return tv.tv_sec;
}

/* Second results in edx: the child of fork sees edx != 0 (its eax is not its value). */
pid_t fork(void)
{
	uint64_t r = __sys_fork();
	if (FAILED(r))
		return -1;
	return high(r) != 0 ? 0 : (pid_t)low(r);
}

int pipe(int fds[2])
{
	uint64_t r = __sys_pipe();
	if (FAILED(r))
		return -1;
	fds[0] = (int)low(r);
	fds[1] = (int)high(r);
	return 0;
}

/* edx holds the parent's pid, the effective uid and gid (COMPAT_43): not wanted here. */
pid_t getpid(void) { return (pid_t)low(__sys_getpid()); }
uid_t getuid(void) { return low(__sys_getuid()); }
gid_t getgid(void) { return low(__sys_getgid()); }

/* The off_t calls: __syscall(SYS_x, ..., 0 pad, off), so the off_t is 8-byte aligned. */
off_t lseek(int fd, off_t off, int whence) { return __syscall((quad_t)SYS_lseek, fd, 0, off, whence); }
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return (ssize_t)__syscall((quad_t)SYS_pread, fd, buf, n, 0, off);
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return (ssize_t)__syscall((quad_t)SYS_pwrite, fd, buf, n, 0, off);
}
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)(uintptr_t)__syscall((quad_t)SYS_mmap, addr, len, prot, flags, fd, 0, off);
}
int truncate(const char *path, off_t len) { return (int)__syscall((quad_t)SYS_truncate, path, 0, len); }
int ftruncate(int fd, off_t len) { return (int)__syscall((quad_t)SYS_ftruncate, fd, 0, len); }

int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)__sys_execve(path, argv, envp); /* returns only on failure: -1 */
}
int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	return __sys_wait4(pid, status, options, ru);
}
pid_t waitpid(pid_t pid, int *status, int options) { return wait4(pid, status, options, NULL); }
pid_t wait(int *status) { return wait4(-1, status, 0, NULL); }

/* The mode argument exists only with O_CREAT (and, mode_t being 16 bits, comes as an int). */
int open(const char *path, int flags, ...)
{
	int mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return __sys_open(path, flags, mode);
}

int creat(const char *path, mode_t mode) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode); }

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return __sys_fcntl(fd, cmd, arg);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return __sys_ioctl(fd, req, arg);
}

/* The 96-byte struct stat of 188/189/190. */
int stat(const char *path, struct stat *st) { return __sys_stat(path, st); }
int lstat(const char *path, struct stat *st) { return __sys_lstat(path, st); }
int fstat(int fd, struct stat *st) { return __sys_fstat(fd, st); }

int mkdir(const char *path, mode_t mode) { return __sys_mkdir(path, mode); }
int mkfifo(const char *path, mode_t mode) { return __sys_mkfifo(path, mode); }
int mknod(const char *path, mode_t mode, dev_t dev) { return __sys_mknod(path, mode, (int32_t)dev); }
int flock(int fd, int op) { return __sys_flock(fd, op); }
int unlink(const char *path) { return __sys_unlink(path); }
int rmdir(const char *path) { return __sys_rmdir(path); }
int rename(const char *old, const char *new_) { return __sys_rename(old, new_); }
int link(const char *old, const char *new_) { return __sys_link(old, new_); }
int symlink(const char *target, const char *linkpath) { return __sys_symlink(target, linkpath); }
ssize_t readlink(const char *path, char *buf, size_t size) { return __sys_readlink(path, buf, (int32_t)size); }
int access(const char *path, int mode) { return __sys_access(path, mode); }
int chmod(const char *path, mode_t mode) { return __sys_chmod(path, mode); }
int fchmod(int fd, mode_t mode) { return __sys_fchmod(fd, mode); }
int chown(const char *path, uid_t uid, gid_t gid) { return __sys_chown(path, (int32_t)uid, (int32_t)gid); }
int lchown(const char *path, uid_t uid, gid_t gid) { return __sys_lchown(path, (int32_t)uid, (int32_t)gid); }
int fchown(int fd, uid_t uid, gid_t gid) { return __sys_fchown(fd, (int32_t)uid, (int32_t)gid); }
int utimes(const char *path, const struct timeval times[2]) { return __sys_utimes(path, times); }
int futimes(int fd, const struct timeval times[2]) { return __sys_futimes(fd, times); }
int chroot(const char *path) { return __sys_chroot(path); }
int revoke(const char *path) { return __sys_revoke(path); }
int getdirentries(int fd, char *buf, int nbytes, long *basep)
{
	return __sys_getdirentries(fd, buf, (uint32_t)nbytes, basep);
}

/* The break: 4.x libc keeps curbrk (from the end of the image) and never asks the
 * kernel; brk(addr) hands syscall 17 the absolute address, which returns 0. */
extern char _end[];
static char *curbrk = _end;

int brk(const void *addr)
{
	const char *want = (const char *)addr < _end ? _end : addr;
	if (__sys_break_((void *)want) < 0)
		return -1;
	curbrk = (char *)want;
	return 0;
}

void *sbrk(intptr_t incr)
{
	char *old = curbrk;
	if (incr == 0)
		return old;
	if ((incr > 0 && (uintptr_t)old + (uintptr_t)incr < (uintptr_t)old) ||
	    (incr < 0 && (uintptr_t)-incr > (uintptr_t)(old - _end))) {
		errno = ENOMEM;
		return (void *)-1;
	}
	if (brk(old + incr) < 0)
		return (void *)-1;
	return old;
}

/* The kernel's struct sigaction (342) is handler, flags, 128-bit mask. */
int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct __abi_sigaction k, ko;
	memset(&k, 0, sizeof(k));
	memset(&ko, 0, sizeof(ko));
	if (act) {
		k.sa_handler = (uint32_t)(uintptr_t)act->sa_handler;
		k.sa_flags = act->sa_flags;
		k.sa_mask = act->sa_mask;
	}
	if (__sys_sigaction(sig, act ? &k : NULL, old ? &ko : NULL) < 0)
		return -1;
	if (old) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = (void (*)(int))(uintptr_t)ko.sa_handler;
		old->sa_flags = ko.sa_flags;
		old->sa_mask = ko.sa_mask;
	}
	return 0;
}

/* sysctl: the kernel's __sysctl (4.x libc answers CTL_USER itself; not here). */
int sysctl(const int *name, unsigned int namelen, void *old, size_t *oldlenp, const void *new_,
	   size_t newlen)
{
	return __sys___sysctl(name, namelen, old, oldlenp, new_, newlen);
}

/* sysctlbyname: the name's OID from the kernel's name2oid ({0, 3}), then sysctl. */
int sysctlbyname(const char *name, void *old, size_t *oldlenp, const void *new_, size_t newlen)
{
	int query[2] = {0, 3}, mib[12]; /* CTL_MAXNAME */
	size_t miblen = sizeof(mib);
	if (sysctl(query, 2, mib, &miblen, name, strlen(name)) < 0)
		return -1;
	return sysctl(mib, (unsigned int)(miblen / sizeof(int)), old, oldlenp, new_, newlen);
}

/*
 * devname, as 4.x's libc (gen/devname.c 1.2.2.2) finds a name: in /var/run/dev.db
 * under dev_mkdb's key (a mode_t type, two bytes of padding, the dev_t), then from
 * kern.devname, else made up as "#C<major>:0x<minor>" ("#B" for a block device).
 * 4.x's also prints a warning when the file is missing; this one stays quiet.
 */
char *devname(dev_t dev, mode_t type)
{
	static char buf[30];
	struct {
		mode_t type;
		dev_t dev;
	} key;
	memset(&key, 0, sizeof(key));
	key.type = type;
	key.dev = dev;
	size_t len;
	unsigned char *name = __db_hash_get("/var/run/dev.db", &key, sizeof(key), &len);
	if (name) {
		snprintf(buf, sizeof(buf), "%s", (char *)name);
		free(name);
		return buf;
	}
	len = sizeof(buf);
	if (sysctlbyname("kern.devname", buf, &len, &dev, sizeof(dev)) == 0)
		return buf;
	if (dev == (dev_t)-1)
		snprintf(buf, sizeof(buf), "#NODEV");
	else
		snprintf(buf, sizeof(buf), "#%c%d:0x%x", (type & S_IFMT) == S_IFCHR ? 'C' : 'B',
			 (int)((dev >> 8) & 0xff), (unsigned)(dev & 0xffff00ff));
	return buf;
}

int getpagesize(void)
{
	static int size;
	if (size == 0) {
		int mib[2] = {CTL_HW, HW_PAGESIZE}, value;
		size_t len = sizeof(value);
		if (sysctl(mib, 2, &value, &len, NULL, 0) < 0)
			return -1;
		size = value;
	}
	return size;
}

/* uname: one sysctl per field, as 4.x libc; truncation (ENOMEM) is fine. */
int uname(struct utsname *u)
{
	static const struct {
		int mib[2];
		size_t off;
	} fields[] = {
		{{CTL_KERN, KERN_OSTYPE}, offsetof(struct utsname, sysname)},
		{{CTL_KERN, KERN_HOSTNAME}, offsetof(struct utsname, nodename)},
		{{CTL_KERN, KERN_OSRELEASE}, offsetof(struct utsname, release)},
		{{CTL_KERN, KERN_VERSION}, offsetof(struct utsname, version)},
		{{CTL_HW, HW_MACHINE}, offsetof(struct utsname, machine)},
	};
	int rv = 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *p = (char *)u + fields[i].off;
		size_t len = SYS_NMLN;
		if (sysctl(fields[i].mib, 2, p, &len, NULL, 0) < 0 && errno != ENOMEM)
			rv = -1;
		p[SYS_NMLN - 1] = '\0';
	}
	/* The version may hold newlines and tabs: spaces, but none at the end. */
	char *v = (char *)u->version;
	size_t n = strlen(v);
	for (size_t i = 0; i < n; i++)
		if (v[i] == '\n' || v[i] == '\t')
			v[i] = i + 1 == n ? '\0' : ' ';
	return rv;
}

/* Directories: getdirentries records (u32 d_fileno, u16 d_reclen, u8 d_type,
 * u8 d_namlen, name), 4-byte aligned; entries with d_fileno 0 are holes. */
struct __dir {
	int fd;
	size_t pos, len, cap;
	long base;
	char *buf;
};

DIR *fdopendir(int fd)
{
	int page = getpagesize();
	DIR *d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	d->cap = page > 0 ? (size_t)page : PAGE_SIZE;
	d->buf = malloc(d->cap);
	if (!d->buf) {
		free(d);
		return NULL;
	}
	d->fd = fd;
	d->pos = d->len = 0;
	d->base = 0;
	return d;
}

/* As 4.x: stat for a directory, open O_NONBLOCK (there is no O_DIRECTORY), close on exec. */
DIR *opendir(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	DIR *d = NULL;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || (d = fdopendir(fd)) == NULL) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

struct dirent *readdir(DIR *d)
{
	for (;;) {
		if (d->pos >= d->len) {
			int n = getdirentries(d->fd, d->buf, (int)d->cap, &d->base);
			if (n <= 0)
				return NULL;
			d->len = (size_t)n;
			d->pos = 0;
		}
		struct dirent *e = (struct dirent *)(d->buf + d->pos);
		if ((d->pos & 3) != 0 || d->len - d->pos < 8 || e->d_reclen == 0 ||
		    e->d_reclen > d->len - d->pos) {
			d->pos = d->len;
			errno = EIO;
			return NULL;
		}
		d->pos += e->d_reclen;
		if (e->d_fileno != 0)
			return e;
	}
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d->buf);
	free(d);
	return r;
}

int dirfd(DIR *d) { return d->fd; }

void rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->pos = d->len = 0;
}

/*
 * getcwd: __getcwd (326) with SIGSYS ignored (an old kernel without it sends SIGSYS);
 * when it fails (it says ENOMEM when the buffer is short) the name is found by
 * walking "..", which says ERANGE then.
 */
static int prepend(char **pt, char *buf, const char *name, size_t n)
{
	if ((size_t)(*pt - buf) < n + 1) {
		errno = ERANGE;
		return -1;
	}
	*pt -= n;
	memcpy(*pt, name, n);
	*--*pt = '/';
	return 0;
}

static int getcwd_walk(char *buf, size_t size)
{
	struct stat root, cur, parent, st;
	char up[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	size_t uplen = 0;
	char *pt = buf + size;
	if (size == 0) {
		errno = ERANGE;
		return -1;
	}
	*--pt = '\0';
	if (stat("/", &root) < 0 || lstat(".", &cur) < 0)
		return -1;
	while (cur.st_dev != root.st_dev || cur.st_ino != root.st_ino) {
		if (uplen + 4 > sizeof(up)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (uplen)
			up[uplen++] = '/';
		up[uplen++] = '.';
		up[uplen++] = '.';
		up[uplen] = '\0';
		DIR *d = opendir(up);
		if (!d)
			return -1;
		if (fstat(dirfd(d), &parent) < 0) {
			closedir(d);
			return -1;
		}
		int found = 0, err = 0;
		struct dirent *e;
		while (!found && (e = readdir(d)) != NULL) {
			const char *name = (const char *)e->d_name;
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				continue;
			if (parent.st_dev == cur.st_dev) {
				found = e->d_fileno == cur.st_ino;
			} else { /* cur is a mount point: the entry's number is the one below */
				snprintf(path, sizeof(path), "%s/%s", up, name);
				found = lstat(path, &st) == 0 && st.st_dev == cur.st_dev &&
					st.st_ino == cur.st_ino;
			}
			if (found && prepend(&pt, buf, name, strlen(name)) < 0)
				err = errno;
		}
		closedir(d);
		if (err) {
			errno = err;
			return -1;
		}
		if (!found) {
			errno = ENOENT;
			return -1;
		}
		cur = parent;
	}
	if (*pt == '\0') {
		if (pt == buf) {
			errno = ERANGE;
			return -1;
		}
		*--pt = '/';
	}
	memmove(buf, pt, (size_t)(buf + size - pt));
	return 0;
}

char *getcwd(char *buf, size_t size)
{
	char *mine = NULL;
	if (buf == NULL) {
		if (size == 0)
			size = PATH_MAX;
		buf = mine = malloc(size);
		if (!buf)
			return NULL;
	} else if (size == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct sigaction ign, saved;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	int restore = sigaction(SIGSYS, &ign, &saved) == 0;
	int r = __sys___getcwd(buf, size);
	if (restore)
		sigaction(SIGSYS, &saved, NULL);
	if (r == 0 || getcwd_walk(buf, size) == 0)
		return buf;
	free(mine);
	return NULL;
}

/* Terminals: the 4.x ioctls (isatty is tcgetattr, which is TIOCGETA). */
int tcgetattr(int fd, struct termios *t) { return ioctl(fd, TIOCGETA, t); }
int tcsetattr(int fd, int when, const struct termios *t)
{
	struct termios soft;
	if (when & TCSASOFT) {
		soft = *t;
		soft.c_cflag |= CIGNORE;
		t = &soft;
		when &= ~TCSASOFT;
	}
	switch (when) {
	case TCSANOW:
		return ioctl(fd, TIOCSETA, t);
	case TCSADRAIN:
		return ioctl(fd, TIOCSETAW, t);
	case TCSAFLUSH:
		return ioctl(fd, TIOCSETAF, t);
	}
	errno = EINVAL;
	return -1;
}
int isatty(int fd)
{
	struct termios t;
	return tcgetattr(fd, &t) == 0;
}
int tcdrain(int fd) { return ioctl(fd, TIOCDRAIN, 0); }
int tcflush(int fd, int which)
{
	int queues; /* FREAD 0x1, FWRITE 0x2 (sys/fcntl.h) */
	switch (which) {
	case TCIFLUSH:
		queues = 0x1;
		break;
	case TCOFLUSH:
		queues = 0x2;
		break;
	case TCIOFLUSH:
		queues = 0x3;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	return ioctl(fd, TIOCFLUSH, &queues);
}
int tcflow(int fd, int action)
{
	struct termios t;
	unsigned char c;
	switch (action) {
	case TCOOFF:
		return ioctl(fd, TIOCSTOP, 0);
	case TCOON:
		return ioctl(fd, TIOCSTART, 0);
	case TCIOFF:
	case TCION:
		/* Sends the terminal's own stop or start character. */
		if (tcgetattr(fd, &t) == -1)
			return -1;
		c = t.c_cc[action == TCIOFF ? VSTOP : VSTART];
		if (c != 0xff /* _POSIX_VDISABLE */ && write(fd, &c, 1) == -1)
			return -1;
		return 0;
	}
	errno = EINVAL;
	return -1;
}
pid_t tcgetpgrp(int fd)
{
	pid_t pgrp;
	if (ioctl(fd, TIOCGPGRP, &pgrp) < 0)
		return -1;
	return pgrp;
}
int tcsetpgrp(int fd, pid_t pgrp) { return ioctl(fd, TIOCSPGRP, &pgrp); }
