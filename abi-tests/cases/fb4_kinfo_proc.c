// abi: freebsd4-i386
/*
 * kern.proc as 4.x's ps reads it through libkvm (kern_proc.c sysctl_kern_proc): records
 * of 4.x's 1064-byte struct kinfo_proc (struct proc, 412 bytes with p_fdtol, then
 * struct eproc), checked at their i386 offsets:
 *  - kern.proc.pid.N: the caller's own record (p_pid, p_stat SRUN, P_INMEM, p_comm,
 *    e_ppid, e_pgid, e_pcred's real ids, e_ucred's effective uid and groups, e_flag's
 *    session leader bit, e_tdev NOUDEV without a terminal, p_runtime, p_start); none,
 *    with success, for no such pid or a zombie;
 *  - a child asleep in a pipe read is SSLEEP with P_SINTR, a wait channel and its
 *    wmesg; a stopped one SSTOP with SIGSTOP in p_xstat; an unreaped one SZOMB in
 *    kern.proc.all but not in kern.proc.pid;
 *  - kern.proc.all: every process, a multiple of 1064 bytes, room for five more when
 *    only the size is asked; pgrp, uid and ruid choose; a short buffer is ENOMEM;
 *  - names: all takes nothing more, the others one number (EINVAL); session (3) has
 *    no node (ENOENT); kern.ps_arg_cache_limit is 256;
 *  - kern.devname names a character device by its number (/dev/null's is "null"):
 *    EINVAL without a number, ENOENT for one no device has.
 */
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define KP 1064
#define E 412

static unsigned le32(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24;
}

static int table(int op, int arg, int with_arg, unsigned char *buf, size_t *len)
{
	int mib[4] = {1, 14, op, arg};
	return sysctl(mib, with_arg ? 4 : 3, buf, len, NULL, 0);
}

/* The record of `pid` in a kern.proc.all read, or NULL. */
static unsigned char *find(unsigned char *all, size_t len, pid_t pid)
{
	for (size_t at = 0; at + KP <= len; at += KP)
		if ((pid_t)le32(all + at + 52) == pid)
			return all + at;
	return NULL;
}

static unsigned char big[KP * 200];

int main(int argc, char **argv)
{
	(void)argc;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	unsigned char k[KP];
	size_t len = 0;

	/* The caller's own record. */
	CHECK_OK(table(1, getpid(), 1, NULL, &len));
	CHECK_EQ(len, KP);
	len = sizeof(k);
	CHECK_OK(table(1, getpid(), 1, k, &len));
	CHECK_EQ(len, KP);
	CHECK_EQ((pid_t)le32(k + 52), getpid());
	CHECK_EQ(k[48], 2); /* SRUN */
	CHECK(le32(k + 44) & 0x4); /* P_INMEM */
	CHECK(strncmp((char *)k + 327, name, 16) == 0);
	CHECK_EQ((pid_t)le32(k + E + 576), getppid());
	CHECK_EQ((pid_t)le32(k + E + 580), getpgrp());
	CHECK_EQ((uid_t)le32(k + E + 12), getuid());
	CHECK_EQ((gid_t)le32(k + E + 20), getgid());
	CHECK_EQ((uid_t)le32(k + E + 40), geteuid());
	CHECK(k[E + 44] >= 1);
	CHECK_EQ((gid_t)le32(k + E + 48), getegid());
	unsigned eflag = le32(k + E + 620);
	CHECK_EQ(!!(eflag & 2), getsid(0) == getpid());
	if (!(eflag & 1))
		CHECK_EQ(le32(k + E + 588), 0xffffffffu);
	unsigned start = le32(k + E + 568);
	CHECK(start > 0 && start <= (unsigned)time(NULL));
	CHECK(le32(k + E + 244) > 0); /* vm_map.size */
	CHECK(le32(k + E + 312) > 0); /* vm_rssize */

	/* No such pid: nothing, and success. */
	len = sizeof(k);
	CHECK_OK(table(1, 99999, 1, k, &len));
	CHECK_EQ(len, 0);

	/* A sleeper, a stopped child and a zombie. */
	int p[2];
	CHECK_OK(pipe(p));
	pid_t sleeper = CHECK_OK(fork());
	if (sleeper == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	pid_t stopped = CHECK_OK(fork());
	if (stopped == 0) {
		close(p[1]);
		for (;;)
			sleep(1000);
	}
	pid_t zombie = CHECK_OK(fork());
	if (zombie == 0)
		_exit(3);
	CHECK_OK(kill(stopped, SIGSTOP));
	int status;
	CHECK_EQ(waitpid(stopped, &status, WUNTRACED), stopped);
	/* Let the sleeper reach its read and the zombie end. */
	struct timespec nap = {0, 100 * 1000 * 1000};
	nanosleep(&nap, NULL);

	len = 0;
	CHECK_OK(table(0, 0, 0, NULL, &len));
	CHECK(len % KP == 0 && len >= 9 * KP);
	size_t estimate = len;
	len = sizeof(big);
	CHECK_OK(table(0, 0, 0, big, &len));
	CHECK(len % KP == 0);
	CHECK_EQ(len + 5 * KP, estimate);
	CHECK(find(big, len, getpid()) != NULL);
	CHECK(find(big, len, getppid()) != NULL);
	unsigned char *s = find(big, len, sleeper);
	CHECK(s != NULL);
	CHECK_EQ(s[48], 3); /* SSLEEP */
	CHECK(le32(s + 44) & 0x80); /* P_SINTR */
	CHECK(le32(s + 116) != 0); /* p_wchan */
	CHECK(s[E + 600] != 0); /* e_wmesg */
	unsigned char *t = find(big, len, stopped);
	CHECK(t != NULL);
	CHECK_EQ(t[48], 4); /* SSTOP */
	CHECK_EQ(t[372], SIGSTOP);
	unsigned char *z = find(big, len, zombie);
	CHECK(z != NULL);
	CHECK_EQ(z[48], 5); /* SZOMB */
	len = sizeof(k);
	CHECK_OK(table(1, zombie, 1, k, &len));
	CHECK_EQ(len, 0);

	/* The choosing ops. */
	len = sizeof(big);
	CHECK_OK(table(2, getpgrp(), 1, big, &len));
	CHECK(find(big, len, getpid()) != NULL);
	for (size_t at = 0; at < len; at += KP)
		CHECK_EQ((pid_t)le32(big + at + E + 580), getpgrp());
	len = sizeof(big);
	CHECK_OK(table(5, (int)geteuid(), 1, big, &len));
	CHECK(find(big, len, getpid()) != NULL);
	len = sizeof(big);
	CHECK_OK(table(6, (int)getuid(), 1, big, &len));
	CHECK(find(big, len, getpid()) != NULL);
	len = sizeof(big);
	CHECK_OK(table(5, 4242, 1, big, &len));
	CHECK_EQ(len, 0);

	/* A short buffer. */
	len = KP + 10;
	CHECK_ERRNO(table(0, 0, 0, big, &len), ENOMEM);
	CHECK_EQ(len, KP + 10);

	/* Names. */
	len = sizeof(big);
	CHECK_ERRNO(table(0, 5, 1, big, &len), EINVAL);
	len = sizeof(big);
	CHECK_ERRNO(table(1, 0, 0, big, &len), EINVAL);
	len = sizeof(big);
	CHECK_ERRNO(table(3, getsid(0), 1, big, &len), ENOENT);
	int limit = 0, mib[2] = {1, 261};
	len = sizeof(limit);
	CHECK_OK(sysctl(mib, 2, &limit, &len, NULL, 0));
	CHECK_EQ(limit, 256);

	/* kern.devname: a character device's name by its number (devname(3)'s fallback,
	 * which ps's TT column needs without /var/run/dev.db). */
	struct stat st;
	CHECK_OK(stat("/dev/null", &st));
	char dname[64];
	int dmib[2] = {1, 262};
	unsigned udev = (unsigned)st.st_rdev;
	len = sizeof(dname);
	CHECK_OK(sysctl(dmib, 2, dname, &len, &udev, sizeof(udev)));
	CHECK_EQ(len, 5);
	CHECK(strcmp(dname, "null") == 0);
	len = sizeof(dname);
	CHECK_ERRNO(sysctl(dmib, 2, dname, &len, NULL, 0), EINVAL);
	udev = 0x7fff0123;
	len = sizeof(dname);
	CHECK_ERRNO(sysctl(dmib, 2, dname, &len, &udev, sizeof(udev)), ENOENT);

	CHECK_OK(kill(stopped, SIGKILL));
	CHECK_EQ(waitpid(stopped, &status, 0), stopped);
	CHECK_OK(close(p[1]));
	CHECK_EQ(waitpid(sleeper, &status, 0), sleeper);
	CHECK_EQ(waitpid(zombie, &status, 0), zombie);
	PASS();
}
