// abi: freebsd4-i386
/*
 * ktrace(2) and utrace(2) as 4.x's kern_ktrace.c serves them, read back with 4.x's
 * record layouts (sys/ktrace.h): a 44-byte struct ktr_header (len at 0, type at 4,
 * pid at 8, comm[17] at 12, timeval at 32, buf at 40) then len bytes of payload.
 * - SET on the caller with SYSCALL|SYSRET|NAMEI|GENIO|PSIG|USER|INHERIT: a getpid
 *   (20) makes a SYSCALL with narg 0 and then a SYSRET with its result; a path a
 *   NAMEI; write and writev a GENIO with the bytes (a large one too, in one record,
 *   as 4.x's ktrgenio writes the whole transfer); a caught signal a PSIG (signo,
 *   handler, code, the 128-bit mask: 28 bytes; a caught fault's code is its trap's,
 *   T_PAGEFLT); a signal whose default action kills a PSIG with SIG_DFL (postsig);
 *   utrace a USER; a forked child's calls are traced under its pid, the first record
 *   being its return from fork (fork_return's SYSRET of SYS_fork, 0); after CLEAR
 *   nothing more is written, and CLEARFILE stops a trace.
 * - KTR_CSW: a child tracing itself for CSW|SYSCALL sleeps in a pipe read; the file
 *   has one stop (out 1, user 0) and one resume (out 0, user 0), 8 bytes each,
 *   between the read's SYSCALL and the exit's, as 4.x's tsleep writes them.
 * - errors: ESRCH for no such pid, EINVAL for no facility, ENOENT for no file (it is
 *   not created), EACCES for a file that is not regular, EPERM for another user's
 *   process.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define KTROP_SET 0
#define KTROP_CLEAR 1
#define KTROP_CLEARFILE 2
#define KTR_SYSCALL 1
#define KTR_SYSRET 2
#define KTR_NAMEI 3
#define KTR_GENIO 4
#define KTR_PSIG 5
#define KTR_CSW 6
#define KTR_USER 7
#define KTRFAC_INHERIT 0x40000000
#define FACS                                                                           \
	((1 << KTR_SYSCALL) | (1 << KTR_SYSRET) | (1 << KTR_NAMEI) | (1 << KTR_GENIO) | \
	 (1 << KTR_PSIG) | (1 << KTR_USER) | KTRFAC_INHERIT)

struct ktr_header {
	int ktr_len;
	short ktr_type;
	int ktr_pid;
	char ktr_comm[17];
	struct {
		int tv_sec;
		int tv_usec;
	} ktr_time;
	int ktr_buf;
};
_Static_assert(sizeof(struct ktr_header) == 44, "ktr_header is 44 bytes");
_Static_assert(offsetof(struct ktr_header, ktr_pid) == 8, "pid at 8");
_Static_assert(offsetof(struct ktr_header, ktr_comm) == 12, "comm at 12");
_Static_assert(offsetof(struct ktr_header, ktr_time) == 32, "time at 32");

static char trace_path[64];
static const char missing[] = "/tmp/fb4_ktrace_no_such_file";
static const char msg[] = "ktrace genio bytes";
static const char user_rec[] = "utrace-record";

static volatile int caught;

static void on_usr1(int sig)
{
	caught = sig;
}

static void on_segv(int sig)
{
	(void)sig;
	_exit(0);
}

static int le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (int)((unsigned)p[3] << 24);
}

static short le16(const unsigned char *p)
{
	return (short)(p[0] | p[1] << 8);
}

static long file_size(void)
{
	struct stat st;
	CHECK_OK(stat(trace_path, &st));
	return (long)st.st_size;
}

/* In a child that took another uid: the parent is not its to trace. */
static void other_user(pid_t parent)
{
	CHECK_OK(setuid(1001));
	CHECK_ERRNO(__sys_ktrace(trace_path, KTROP_SET, 1 << KTR_SYSCALL, parent), EPERM);
	/* Its own process it may trace, and clear. */
	CHECK_OK(__sys_ktrace(trace_path, KTROP_SET, 1 << KTR_SYSCALL, getpid()));
	CHECK_OK(__sys_ktrace(trace_path, KTROP_CLEAR, 1 << KTR_SYSCALL, getpid()));
}

int main(int argc, char **argv)
{
	(void)argc;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	pid_t me = getpid();
	snprintf(trace_path, sizeof(trace_path), "/tmp/fb4_ktrace.%d", (int)me);
	int fd = CHECK_OK(open(trace_path, O_CREAT | O_TRUNC | O_WRONLY, 0666));
	CHECK_OK(close(fd));
	CHECK_OK(chmod(trace_path, 0666));

	CHECK_ERRNO(__sys_ktrace(trace_path, KTROP_SET, FACS, 999999), ESRCH);
	CHECK_ERRNO(__sys_ktrace(trace_path, KTROP_SET, 0, me), EINVAL);
	CHECK_ERRNO(__sys_ktrace(missing, KTROP_SET, FACS, me), ENOENT);
	CHECK(access(missing, F_OK) == -1);
	CHECK_ERRNO(__sys_ktrace("/dev/null", KTROP_SET, FACS, me), EACCES);
	/* utrace of an untraced process is 0, whatever it passes. */
	CHECK_OK(__sys_utrace(user_rec, 100000));
	CHECK_EQ(file_size(), 0);

	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		other_user(me);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	long before = file_size();

	struct timeval t0, t1;
	CHECK_OK(gettimeofday(&t0, NULL));
	int pipefd[2];
	CHECK_OK(pipe(pipefd));
	CHECK_OK(__sys_ktrace(trace_path, KTROP_SET, FACS, me));
	CHECK_ERRNO(open(missing, O_RDONLY), ENOENT);
	CHECK_EQ(write(pipefd[1], msg, sizeof(msg) - 1), sizeof(msg) - 1);
	struct {
		const char *base;
		unsigned len;
	} iov[2] = {{"ab", 2}, {"cde", 3}};
	CHECK_EQ(__sys_writev(pipefd[1], iov, 2), 5);
	/* A large transfer comes as one record. */
	static char big[5000];
	memset(big, 'x', sizeof(big));
	CHECK_EQ(write(pipefd[1], big, sizeof(big)), sizeof(big));
	CHECK_OK(__sys_utrace(user_rec, sizeof(user_rec) - 1));
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(kill(me, SIGUSR1));
	CHECK_EQ(caught, SIGUSR1);
	CHECK_ERRNO(__sys_utrace(user_rec, 2049), EINVAL);
	pid_t got = getpid();
	child = CHECK_OK(fork());
	if (child == 0) {
		getppid();
		_exit(0);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	/* Killed by a default action; then a caught fault. */
	pid_t killed = CHECK_OK(fork());
	if (killed == 0) {
		kill(getpid(), SIGTERM);
		_exit(9);
	}
	CHECK_EQ(waitpid(killed, &status, 0), killed);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	pid_t faulted = CHECK_OK(fork());
	if (faulted == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_segv;
		sigaction(SIGSEGV, &sa, NULL);
		volatile int *volatile unmapped = (volatile int *)16;
		*unmapped = 1;
		_exit(3);
	}
	CHECK_EQ(waitpid(faulted, &status, 0), faulted);
	CHECK_CHILD_OK(status);
	CHECK_OK(__sys_ktrace(trace_path, KTROP_CLEAR, FACS, me));
	getpid();
	CHECK_OK(gettimeofday(&t1, NULL));

	/* Read it back. */
	long size = file_size();
	CHECK(size > before);
	unsigned char *buf = malloc((size_t)size);
	CHECK(buf != NULL);
	fd = CHECK_OK(open(trace_path, O_RDONLY));
	CHECK_EQ(read(fd, buf, (size_t)size), size);
	CHECK_OK(close(fd));
	int seen_call = 0, seen_ret = 0, seen_namei = 0, seen_genio = 0, seen_user = 0;
	int seen_writev = 0, seen_psig = 0, big_bytes = 0, big_records = 0;
	int seen_child = 0, getpids = 0, after_getpid = 0;
	int killed_psig = 0, faulted_psig = 0;
	/* Each child's first record is its return from fork. */
	pid_t children[3] = {child, killed, faulted};
	int first_seen[3] = {0, 0, 0};
	long off = before;
	while (off < size) {
		CHECK(off + 44 <= size);
		const unsigned char *h = buf + off;
		int len = le32(h), type = le16(h + 4), pid = le32(h + 8);
		const char *comm = (const char *)h + 12;
		int sec = le32(h + 32), usec = le32(h + 36);
		const unsigned char *d = h + 44;
		CHECK(len >= 0 && off + 44 + len <= size);
		CHECK(pid == me || pid == child || pid == killed || pid == faulted);
		CHECK(strncmp(comm, name, 16) == 0 && comm[16] == '\0');
		CHECK(sec >= t0.tv_sec && sec <= t1.tv_sec && usec >= 0 && usec < 1000000);
		for (int i = 0; i < 3; i++) {
			if (pid == children[i] && !first_seen[i]) {
				first_seen[i] = 1;
				CHECK_EQ(type, KTR_SYSRET);
				CHECK_EQ(len, 12);
				CHECK_EQ(le16(d), 2);
				CHECK_EQ(le32(d + 4), 0);
				CHECK_EQ(le32(d + 8), 0);
			}
		}
		if (pid == killed && type == KTR_PSIG) {
			static const unsigned char none[16];
			CHECK_EQ(len, 28);
			CHECK_EQ(le32(d), SIGTERM);
			CHECK_EQ(le32(d + 4), 0);
			CHECK_EQ(le32(d + 8), 0);
			CHECK(memcmp(d + 12, none, 16) == 0);
			killed_psig++;
		} else if (pid == faulted && type == KTR_PSIG) {
			CHECK_EQ(len, 28);
			CHECK_EQ(le32(d), SIGSEGV);
			CHECK_EQ(le32(d + 4), (int)(long)on_segv);
			CHECK_EQ(le32(d + 8), 12);
			faulted_psig++;
		} else if (pid != me) {
			seen_child = 1;
		} else if (type == KTR_SYSCALL) {
			CHECK(len >= 4 && len == 4 + 4 * le16(d + 2));
			if (le16(d) == 20) {
				CHECK_EQ(le16(d + 2), 0);
				getpids++;
				after_getpid = 1;
				seen_call = 1;
			} else {
				after_getpid = 0;
			}
		} else if (type == KTR_SYSRET) {
			CHECK_EQ(len, 12);
			if (after_getpid) {
				CHECK_EQ(le16(d), 20);
				CHECK_EQ(le32(d + 4), 0);
				CHECK_EQ(le32(d + 8), got);
				seen_ret = 1;
			}
			after_getpid = 0;
		} else if (type == KTR_NAMEI) {
			if (len == (int)strlen(missing) && memcmp(d, missing, (size_t)len) == 0)
				seen_namei = 1;
		} else if (type == KTR_GENIO) {
			CHECK_EQ(le32(d), pipefd[1]);
			CHECK_EQ(le32(d + 4), 1);
			if (len > 8 && d[8] == 'x') {
				for (int i = 8; i < len; i++)
					CHECK_EQ(d[i], 'x');
				big_bytes += len - 8;
				big_records++;
			} else if (len == 8 + 5) {
				CHECK(memcmp(d + 8, "abcde", 5) == 0);
				seen_writev = 1;
			} else {
				CHECK_EQ(len, 8 + (int)sizeof(msg) - 1);
				CHECK(memcmp(d + 8, msg, sizeof(msg) - 1) == 0);
				seen_genio = 1;
			}
		} else if (type == KTR_PSIG) {
			static const unsigned char none[16];
			CHECK_EQ(len, 28);
			CHECK_EQ(le32(d), SIGUSR1);
			CHECK_EQ(le32(d + 4), (int)(long)on_usr1);
			CHECK_EQ(le32(d + 8), 0);
			CHECK(memcmp(d + 12, none, 16) == 0);
			seen_psig = 1;
		} else if (type == KTR_USER) {
			CHECK_EQ(len, (int)sizeof(user_rec) - 1);
			CHECK(memcmp(d, user_rec, (size_t)len) == 0);
			seen_user = 1;
		}
		off += 44 + len;
	}
	CHECK_EQ(off, size);
	CHECK(seen_call && seen_ret && seen_namei && seen_genio && seen_user);
	CHECK(seen_writev && seen_psig && seen_child);
	CHECK_EQ(big_bytes, (int)sizeof(big));
	CHECK_EQ(big_records, 1);
	CHECK(first_seen[0] && first_seen[1] && first_seen[2]);
	CHECK_EQ(killed_psig, 1);
	CHECK_EQ(faulted_psig, 1);
	/* The getpid after CLEAR wrote nothing. */
	CHECK_EQ(getpids, 1);

	/* CLEARFILE stops the trace to the file. */
	CHECK_OK(__sys_ktrace(trace_path, KTROP_SET, FACS, me));
	CHECK_OK(__sys_ktrace(trace_path, KTROP_CLEARFILE, 0, 0));
	size = file_size();
	getpid();
	CHECK_EQ(file_size(), size);

	/* KTR_CSW around a sleep in a pipe read. */
	int data[2], ready[2];
	CHECK_OK(pipe(data));
	CHECK_OK(pipe(ready));
	pid_t sleeper = CHECK_OK(fork());
	if (sleeper == 0) {
		char c = 0;
		if (__sys_ktrace(trace_path, KTROP_SET, (1 << KTR_CSW) | (1 << KTR_SYSCALL),
				 getpid()) != 0)
			_exit(2);
		write(ready[1], "r", 1);
		read(data[0], &c, 1);
		_exit(c == 'z' ? 0 : 3);
	}
	char r;
	CHECK_EQ(read(ready[0], &r, 1), 1);
	struct timespec nap = {0, 50 * 1000 * 1000};
	CHECK_OK(nanosleep(&nap, NULL));
	CHECK_EQ(write(data[1], "z", 1), 1);
	CHECK_EQ(waitpid(sleeper, &status, 0), sleeper);
	CHECK_CHILD_OK(status);
	long end = file_size();
	free(buf);
	buf = malloc((size_t)end);
	CHECK(buf != NULL);
	fd = CHECK_OK(open(trace_path, O_RDONLY));
	CHECK_EQ(read(fd, buf, (size_t)end), end);
	CHECK_OK(close(fd));
	/* 0: before the read; 1: read called; 2: asleep; 3: back; 4: exit called. */
	int phase = 0;
	for (off = size; off < end;) {
		CHECK(off + 44 <= end);
		const unsigned char *h = buf + off;
		int len = le32(h), type = le16(h + 4);
		const unsigned char *d = h + 44;
		CHECK_EQ(le32(h + 8), sleeper);
		CHECK(len >= 0 && off + 44 + len <= end);
		if (type == KTR_SYSCALL) {
			int code = le16(d);
			if (code == 3) {
				CHECK_EQ(phase, 0);
				phase = 1;
			} else if (code == 1) {
				CHECK_EQ(phase, 3);
				phase = 4;
			} else {
				CHECK_EQ(phase, 0);
			}
		} else {
			CHECK_EQ(type, KTR_CSW);
			CHECK_EQ(len, 8);
			CHECK_EQ(le32(d + 4), 0);
			if (le32(d) == 1) {
				CHECK_EQ(phase, 1);
				phase = 2;
			} else {
				CHECK_EQ(le32(d), 0);
				CHECK_EQ(phase, 2);
				phase = 3;
			}
		}
		off += 44 + len;
	}
	CHECK_EQ(off, end);
	CHECK_EQ(phase, 4);
	unlink(trace_path);
	PASS();
}
