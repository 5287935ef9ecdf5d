/*
 * libc-shim: every declaration of the library, shared by all ABIs. The standard
 * headers (<unistd.h>, <stdio.h>, ...) all include this one; the constants and
 * kernel structs come from the generated headers through <_nymph_abi.h>.
 */
#ifndef _NYMPH_LIBC_H
#define _NYMPH_LIBC_H

#include <_nymph_abi.h>
#include <limits.h>

#ifndef NULL
#define NULL ((void *)0)
#endif
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define MAP_ANONYMOUS MAP_ANON
#define MAP_FAILED ((void *)-1)
#define st_atime st_atim.tv_sec
#define st_mtime st_mtim.tv_sec
#define st_ctime st_ctim.tv_sec

#define __noreturn __attribute__((noreturn))
#define __printflike(f, a) __attribute__((format(printf, f, a)))

/* errno.c */
const char *strerror(int e);
const char *strerrorname(int e);     /* "EPIPE"; NULL if unknown */
const char *signame(int sig);        /* "SIGPIPE"; NULL if unknown */
void perror(const char *s);

/* start-up and exit */
extern char **environ;
__noreturn void exit(int status);
__noreturn void _exit(int status);
__noreturn void abort(void);
int atexit(void (*fn)(void));

/* unistd.h */
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
int close(int fd);
int pipe(int fds[2]);
int dup(int fd);
int dup2(int oldfd, int newfd);
#ifdef O_CLOEXEC /* not in every ABI (FreeBSD 4.x has neither) */
int pipe2(int fds[2], int flags);
int dup3(int oldfd, int newfd, int flags);
#endif
off_t lseek(int fd, off_t off, int whence);
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execv(const char *path, char *const argv[]);
pid_t getpid(void);
pid_t getppid(void);
pid_t getpgrp(void);
pid_t getpgid(pid_t pid);
int setpgid(pid_t pid, pid_t pgid);
pid_t setsid(void);
pid_t getsid(pid_t pid);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int setuid(uid_t uid);
int setgid(gid_t gid);
int unlink(const char *path);
int rmdir(const char *path);
int link(const char *old, const char *new_);
int symlink(const char *target, const char *linkpath);
ssize_t readlink(const char *path, char *buf, size_t size);
int chdir(const char *path);
int fchdir(int fd);
char *getcwd(char *buf, size_t size);
int access(const char *path, int mode);
int chmod(const char *path, mode_t mode);
int fchmod(int fd, mode_t mode);
int chown(const char *path, uid_t uid, gid_t gid);
int lchown(const char *path, uid_t uid, gid_t gid);
int fchown(int fd, uid_t uid, gid_t gid);
int chroot(const char *path);
int ftruncate(int fd, off_t len);
int fsync(int fd);
unsigned int sleep(unsigned int secs);
int usleep(unsigned long usecs);
int sched_yield(void);

/* fcntl.h */
int open(const char *path, int flags, ...);
int creat(const char *path, mode_t mode);
int fcntl(int fd, int cmd, ...);
int flock(int fd, int op);

/* sys/stat.h */
int stat(const char *path, struct stat *st);
int lstat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int mkdir(const char *path, mode_t mode);
int mkfifo(const char *path, mode_t mode);
int mknod(const char *path, mode_t mode, dev_t dev);
mode_t umask(mode_t mask);
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#define S_ISUID 04000 /* the same bits in every ABI here, as POSIX has them */
#define S_ISGID 02000
#define S_ISVTX 01000

#ifdef AT_FDCWD /* the *at calls and nanosecond times: not in every ABI (not FreeBSD 4.x) */
int openat(int dirfd, const char *path, int flags, ...);
int fstatat(int dirfd, const char *path, struct stat *st, int flags);
int mkfifoat(int dirfd, const char *path, mode_t mode);
int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags);
int futimens(int fd, const struct timespec times[2]);
#endif

/* stdio.h (rename lives here too) */
int rename(const char *old, const char *new_);

/* sys/wait.h: the status word's low 7 bits are the signal, WSTOPPED_LOW when stopped. */
pid_t wait(int *status);
pid_t waitpid(pid_t pid, int *status, int options);
pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru);
#define WTERMSIG(s) ((s) & WSTOPPED_LOW)
#define WIFEXITED(s) (WTERMSIG(s) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSTOPPED(s) (((s) & 0xff) == WSTOPPED_LOW)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WIFSIGNALED(s) (WTERMSIG(s) != 0 && WTERMSIG(s) != WSTOPPED_LOW)
#define WCOREDUMP(s) (((s) & WCOREFLAG) != 0)

/* signal.h */
struct sigaction {
	union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	};
	sigset_t sa_mask;
	int sa_flags;
};
int sigaction(int sig, const struct sigaction *act, struct sigaction *old);
sighandler_t signal(int sig, sighandler_t handler);
int sigprocmask(int how, const sigset_t *set, sigset_t *old);
int sigsuspend(const sigset_t *mask);
int sigpending(sigset_t *set);
int sigaltstack(const stack_t *ss, stack_t *old);
int kill(pid_t pid, int sig);
int raise(int sig);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);

/* setjmp.h: the callee-saved registers, the stack pointer and the return address,
 * then whether the signal mask was saved and the mask. setjmp saves the mask and
 * longjmp restores it (as 4.x's libc does); _setjmp and _longjmp leave it alone;
 * sigsetjmp saves it when asked, and siglongjmp restores it then. */
struct __jmp_buf {
	unsigned long __regs[8];
	int __mask_saved;
	sigset_t __mask;
};
typedef struct __jmp_buf jmp_buf[1];
typedef struct __jmp_buf sigjmp_buf[1];
int setjmp(jmp_buf env) __attribute__((returns_twice));
int _setjmp(jmp_buf env) __attribute__((returns_twice));
int sigsetjmp(sigjmp_buf env, int savemask) __attribute__((returns_twice));
__noreturn void longjmp(jmp_buf env, int val);
__noreturn void _longjmp(jmp_buf env, int val);
__noreturn void siglongjmp(sigjmp_buf env, int val);

/* time.h */
int clock_gettime(int clock, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *t);

/* sys/mman.h */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int msync(void *addr, size_t len, int flags);
void *sbrk(intptr_t incr);

/* sys/utsname.h */
int uname(struct utsname *u);

/* poll.h, sys/ioctl.h */
int poll(struct pollfd *fds, nfds_t n, int timeout_ms);
int ioctl(int fd, unsigned long req, ...);

/* termios.h */
#define TCSANOW 0
#define TCSADRAIN 1
#define TCSAFLUSH 2
int tcgetattr(int fd, struct termios *t);
int tcsetattr(int fd, int when, const struct termios *t);
int isatty(int fd);
pid_t tcgetpgrp(int fd);
int tcsetpgrp(int fd, pid_t pgrp);

/* dirent.h */
typedef struct __dir DIR;
DIR *opendir(const char *path);
DIR *fdopendir(int fd);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);
int dirfd(DIR *d);
void rewinddir(DIR *d);

/* string.h */
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *restrict d, const char *restrict s);
char *strncpy(char *restrict d, const char *restrict s, size_t n);
char *strcat(char *restrict d, const char *restrict s);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
char *strdup(const char *s);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);

/* stdlib.h */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
int atoi(const char *s);
long atol(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
char *getenv(const char *name);
int abs(int x);
long labs(long x);

/* pwd.h, grp.h: the BSD struct passwd (4.x's layout in the FreeBSD build: 44 bytes on
 * i386). The FreeBSD build reads 4.x's /etc/pwd.db (spwd.db as root), the native one
 * /etc/passwd; both read /etc/group. Results live in static storage until the next call. */
struct passwd {
	char *pw_name;
	char *pw_passwd;
	uid_t pw_uid;
	gid_t pw_gid;
	time_t pw_change;
	char *pw_class;
	char *pw_gecos;
	char *pw_dir;
	char *pw_shell;
	time_t pw_expire;
	int pw_fields;
};
struct group {
	char *gr_name;
	char *gr_passwd;
	gid_t gr_gid;
	char **gr_mem;
};
struct passwd *getpwuid(uid_t uid);
struct passwd *getpwnam(const char *name);
struct group *getgrgid(gid_t gid);
struct group *getgrnam(const char *name);

/* stdio.h: unbuffered streams over descriptors (each call is one write). */
typedef struct __file { int fd; int err; } FILE;
extern FILE *const stdin, *const stdout, *const stderr;
#define EOF (-1)
int printf(const char *fmt, ...) __printflike(1, 2);
int fprintf(FILE *f, const char *fmt, ...) __printflike(2, 3);
int dprintf(int fd, const char *fmt, ...) __printflike(2, 3);
int sprintf(char *buf, const char *fmt, ...) __printflike(2, 3);
int snprintf(char *buf, size_t n, const char *fmt, ...) __printflike(3, 4);
int vprintf(const char *fmt, va_list ap) __printflike(1, 0);
int vfprintf(FILE *f, const char *fmt, va_list ap) __printflike(2, 0);
int vdprintf(int fd, const char *fmt, va_list ap) __printflike(2, 0);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) __printflike(3, 0);
int vsprintf(char *buf, const char *fmt, va_list ap) __printflike(2, 0);
int puts(const char *s);
int fputs(const char *s, FILE *f);
int putchar(int c);
int fputc(int c, FILE *f);
int fflush(FILE *f);
#define putc fputc

#ifdef __FreeBSD_version
/* FreeBSD 4.x only (src/freebsd4/). */
int syscall(int number, ...);         /* the number in eax, as 4.x libc's syscall() */
quad_t __syscall(quad_t number, ...); /* through SYS___syscall (198): edx:eax */
pid_t vfork(void);                    /* the child shares the caller's memory until exec or exit */
int brk(const void *addr);
int truncate(const char *path, off_t len);
int gettimeofday(struct timeval *tv, struct timezone *tz);
int utimes(const char *path, const struct timeval times[2]);
int futimes(int fd, const struct timeval times[2]);
int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout);
#define FD_ZERO(s) memset((s), 0, sizeof(*(s)))
#define FD_SET(fd, s) ((s)->fds_bits[(fd) / 32] |= 1U << ((fd) % 32))
#define FD_CLR(fd, s) ((s)->fds_bits[(fd) / 32] &= ~(1U << ((fd) % 32)))
#define FD_ISSET(fd, s) (((s)->fds_bits[(fd) / 32] >> ((fd) % 32)) & 1)
int getdirentries(int fd, char *buf, int nbytes, long *basep);
int sysctl(const int *name, unsigned int namelen, void *old, size_t *oldlenp, const void *new_,
	   size_t newlen);
int sysctlbyname(const char *name, void *old, size_t *oldlenp, const void *new_, size_t newlen);
char *devname(dev_t dev, mode_t type); /* /var/run/dev.db, then kern.devname */
int getpagesize(void);
int revoke(const char *path);
int tcdrain(int fd);
int tcflush(int fd, int which); /* TCIFLUSH, TCOFLUSH, TCIOFLUSH */
int tcflow(int fd, int action);  /* TCOOFF, TCOON, TCIOFF, TCION */

/* The machine state crt0 found at _start (before it changed anything), for the cases
 * that check the kernel's start-up state (fb4_startup). */
struct __fb4_entry {
	uint32_t eflags, eax, ebx, ecx, edx, esi, edi, ebp, esp;
	uint32_t cs, ds, es, fs, gs, ss;
	uint32_t fpucw; /* x87 control word (fnstcw) */
};
extern struct __fb4_entry __fb4_entry;

/* The shim's reader of Berkeley DB 1.85 hash files (getpwnam's, devname's). */
unsigned char *__db_hash_get(const char *path, const void *key, size_t klen, size_t *dlen);
#endif

#endif
