// abi: freebsd4-i386
/*
 * acct(2) as 4.x's kern_acct.c serves it, the file read back as 4.x's struct acct
 * (sys/acct.h 1.12, i386: 48 bytes; ac_comm[16] at 0, comp_t ac_utime/ac_stime/ac_etime
 * at 16/18/20, time_t ac_btime at 24, ac_uid 28, ac_gid 32, u_int16_t ac_mem 36, comp_t
 * ac_io 38, dev_t ac_tty 40, u_int8_t ac_flag 44, padding to 48).
 * - EPERM for a caller that is not root (even to turn accounting off); ENOENT for a
 *   missing file (not created), EISDIR for a directory (vn_open's answer to a write
 *   open), EACCES for another non-regular file (/dev/null), EFAULT for a bad path.
 * - while it is on, every exit appends one record: children told apart by the ids they
 *   took (ac_uid/ac_gid are the real ids) exit by _exit after fork (AFORK), after an
 *   exec of this program (no flag, ac_comm the image's name), and by SIGTERM (AFORK |
 *   AXSIG); a child dumping core by SIGQUIT has ACORE exactly when its wait status
 *   says so. Each has setsid()'d: ac_tty is NODEV. ac_btime lies within the run,
 *   ac_etime decodes (encode_comp_t: 13-bit mantissa, base-8 exponent, 1/64 s) to no
 *   more than the run, ac_io is 0 and the padding bytes are 0.
 * - acct(NULL) turns it off: a later exit adds nothing.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define REC 48
#define AFORK 0x01
#define ASU 0x02
#define ACORE 0x08
#define AXSIG 0x10
#define NODEV 0xffffffffu

static char path[96];
static const char *self;

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

/* A comp_t in 1/64 s ticks. */
static unsigned long long ticks(unsigned c)
{
	return (unsigned long long)(c & 0x1fff) << (3 * (c >> 13));
}

static long file_size(void)
{
	struct stat st;
	CHECK_OK(stat(path, &st));
	return (long)st.st_size;
}

static void take_ids(uid_t uid)
{
	if (setsid() < 0 || setgid(uid + 1) < 0 || setuid(uid) < 0)
		_exit(9);
}

static int wait_for(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

struct want {
	uid_t uid;
	const char *comm;
	int flag;
	int seen;
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		_exit(0);
	self = argv[0];
	const char *name = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
	nt_scratch_dir("fb4_acct");
	snprintf(path, sizeof(path), "/tmp/fb4_acct.%d", (int)getpid());
	int fd = CHECK_OK(open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644));
	CHECK_OK(close(fd));

	/* Not root: EPERM, checked before the path is even read. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(1001) < 0)
			_exit(9);
		CHECK_ERRNO(__sys_acct(path), EPERM);
		CHECK_ERRNO(__sys_acct(NULL), EPERM);
		CHECK_ERRNO(__sys_acct((const char *)1), EPERM);
		_exit(0);
	}
	CHECK_CHILD_OK(wait_for(pid));
	if (getuid() != 0) {
		dprintf(1, "not root: only EPERM is checked\n");
		PASS();
	}

	CHECK_ERRNO(__sys_acct("/tmp/fb4_acct_no_such_file"), ENOENT);
	CHECK(access("/tmp/fb4_acct_no_such_file", F_OK) == -1);
	CHECK_ERRNO(__sys_acct("/tmp"), EISDIR);
	CHECK_ERRNO(__sys_acct("/dev/null"), EACCES);
	CHECK_ERRNO(__sys_acct((const char *)1), EFAULT);
	CHECK_EQ(file_size(), 0);

	struct timeval t0, t1;
	CHECK_OK(gettimeofday(&t0, NULL));
	CHECK_OK(__sys_acct(path));
	/* Again, replacing the first (one file, one record an exit). */
	CHECK_OK(__sys_acct(path));

	/* _exit after fork: AFORK. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		take_ids(4101);
		_exit(3);
	}
	int status = wait_for(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);

	/* exec, then exit: no flag. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		take_ids(4201);
		char *args[] = {(char *)self, "exit", NULL};
		execve(self, args, NULL);
		_exit(8);
	}
	CHECK_CHILD_OK(wait_for(pid));

	/* Killed by a signal: AFORK | AXSIG. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		take_ids(4301);
		kill(getpid(), SIGTERM);
		_exit(8);
	}
	status = wait_for(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

	/* A core dump (as root: changed ids would forbid it): ACORE with the status's bit. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setsid() < 0)
			_exit(9);
		kill(getpid(), SIGQUIT);
		_exit(8);
	}
	status = wait_for(pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT);
	int core_flag = WCOREDUMP(status) ? ACORE : 0;

	CHECK_OK(__sys_acct(NULL));
	CHECK_OK(__sys_acct(NULL)); /* off already: still 0 */
	CHECK_OK(gettimeofday(&t1, NULL));
	long size = file_size();
	CHECK(size % REC == 0);

	/* Off: a later exit writes nothing. */
	pid = CHECK_OK(fork());
	if (pid == 0)
		_exit(0);
	CHECK_CHILD_OK(wait_for(pid));
	CHECK_EQ(file_size(), size);

	unsigned char *buf = malloc((size_t)size + 1);
	CHECK(buf != NULL);
	fd = CHECK_OK(open(path, O_RDONLY));
	CHECK_EQ(read(fd, buf, (size_t)size), size);
	CHECK_OK(close(fd));

	struct want wants[] = {
		{4101, name, AFORK, 0},
		{4201, name, 0, 0},
		{4301, name, AFORK | AXSIG, 0},
		{0, name, AFORK | AXSIG | core_flag, 0},
	};
	const int nwant = sizeof(wants) / sizeof(wants[0]);
	unsigned long long run_ticks = ((unsigned long long)(t1.tv_sec - t0.tv_sec) + 1) * 64;
	for (long off = 0; off < size; off += REC) {
		const unsigned char *r = buf + off;
		uint32_t uid = le32(r + 28), gid = le32(r + 32), tty = le32(r + 40);
		int flag = r[44];
		/* Every record: padding 0, no ASU, no I/O, a btime within the run. */
		CHECK(r[22] == 0 && r[23] == 0 && r[45] == 0 && r[46] == 0 && r[47] == 0);
		CHECK_EQ(flag & ~(AFORK | ACORE | AXSIG), 0);
		CHECK_EQ(le16(r + 38), 0);
		CHECK(le32(r + 24) >= (uint32_t)t0.tv_sec && le32(r + 24) <= (uint32_t)t1.tv_sec);
		CHECK(ticks(le16(r + 20)) <= run_ticks);
		CHECK(ticks(le16(r + 16)) + ticks(le16(r + 18)) <= run_ticks);
		CHECK_EQ(le16(r + 36) % 4, 0);
		for (int i = 0; i < nwant; i++) {
			struct want *w = &wants[i];
			int match = w->uid ? uid == w->uid : uid == 0 && (flag & AXSIG);
			if (!match)
				continue;
			CHECK_EQ(w->seen, 0);
			w->seen = 1;
			char comm[16] = {0};
			strncpy(comm, w->comm, sizeof(comm));
			CHECK(memcmp(r, comm, 16) == 0);
			CHECK_EQ(gid, w->uid ? w->uid + 1 : 0);
			CHECK_EQ(tty, NODEV);
			CHECK_EQ(flag, w->flag);
		}
	}
	for (int i = 0; i < nwant; i++)
		if (!wants[i].seen)
			FAIL("no record for the child of uid %d (flag 0x%x)", (int)wants[i].uid,
			     wants[i].flag);
	CHECK_OK(unlink(path));
	PASS();
}
