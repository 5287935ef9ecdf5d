// abi: freebsd4-i386
/*
 * getrusage's ru_msgsnd and ru_msgrcv (what `time -l` prints as messages sent and
 * received) count as 4.x counts them: every send on a socket or FIFO (sosend, one
 * per call, a refused one too, a writev's pieces once), and every receive that
 * finds something (soreceive's dontblock: bytes, or a datagram, an empty one too);
 * not a receive at end of file or one that fails, not pipes or files; a reaped
 * child's count goes to RUSAGE_CHILDREN.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static long counts[2];

/* The change in (sent, received) since the last call. */
static void expect(long sent, long received, int line)
{
	struct rusage ru;
	CHECK_OK(__sys_getrusage(RUSAGE_SELF, &ru));
	long ds = ru.ru_msgsnd - counts[0], dr = ru.ru_msgrcv - counts[1];
	if (ds != sent || dr != received)
		FAIL("line %d: %ld sent and %ld received, wanted %ld and %ld", line, ds, dr, sent,
		     received);
	counts[0] = ru.ru_msgsnd;
	counts[1] = ru.ru_msgrcv;
}
#define EXPECT(s, r) expect((s), (r), __LINE__)

int main(void)
{
	char buf[64];
	EXPECT(counts[0], counts[1]); /* take the starting counts (none yet) */
	int sv[2], dv[2], pv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, dv));
	CHECK_OK(pipe(pv));
	EXPECT(0, 0);

	CHECK_EQ(write(sv[0], "abc", 3), 3);
	EXPECT(1, 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 3);
	EXPECT(0, 1);
	struct iovec iov[2] = {{(void *)"ab", 2}, {(void *)"cd", 2}};
	CHECK_EQ(__sys_writev(sv[0], iov, 2), 4);
	EXPECT(1, 0);
	struct iovec in[2] = {{buf, 1}, {buf + 1, 10}};
	CHECK_EQ(__sys_readv(sv[1], in, 2), 4);
	EXPECT(0, 1);
	CHECK_EQ(__sys_sendto(sv[0], "x", 1, 0, NULL, 0), 1);
	CHECK_EQ(__sys_recvfrom(sv[1], buf, sizeof(buf), 0, NULL, NULL), 1);
	EXPECT(1, 1);
	/* Nothing there: EAGAIN is no receive. */
	CHECK_ERRNO(__sys_recvfrom(sv[1], buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);
	EXPECT(0, 0);
	/* A refused send still counts (sosend counted it before its checks). */
	CHECK_ERRNO(__sys_sendto(sv[0], "x", 1, MSG_OOB, NULL, 0), EOPNOTSUPP);
	EXPECT(1, 0);
	/* Datagrams: an empty one is a message received. */
	CHECK_EQ(write(dv[0], "", 0), 0);
	EXPECT(1, 0);
	CHECK_EQ(read(dv[1], buf, sizeof(buf)), 0);
	EXPECT(0, 1);
	/* End of file is no message. */
	CHECK_OK(close(sv[0]));
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);
	EXPECT(0, 0);
	/* Pipes and files are not sockets. */
	CHECK_EQ(write(pv[1], "p", 1), 1);
	CHECK_EQ(read(pv[0], buf, 1), 1);
	int fd = CHECK_OK(open("/tmp/fb4_rusage_messages", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, "f", 1), 1);
	CHECK_OK(close(fd));
	CHECK_OK(unlink("/tmp/fb4_rusage_messages"));
	EXPECT(0, 0);
	/* A FIFO's reads and writes are its sockets'. */
	CHECK_OK(mkfifo("/tmp/fb4_rusage_fifo", 0600));
	int r = CHECK_OK(open("/tmp/fb4_rusage_fifo", O_RDONLY | O_NONBLOCK));
	int w = CHECK_OK(open("/tmp/fb4_rusage_fifo", O_WRONLY));
	CHECK_EQ(write(w, "ff", 2), 2);
	CHECK_EQ(read(r, buf, sizeof(buf)), 2);
	EXPECT(1, 1);
	CHECK_OK(close(w));
	CHECK_OK(close(r));
	CHECK_OK(unlink("/tmp/fb4_rusage_fifo"));

	/* A child's messages are its own, and its parent's children's once reaped. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			(void)!write(dv[0], "c", 1);
		_exit(0);
	}
	int status;
	struct rusage child;
	CHECK_EQ(__sys_wait4(pid, &status, 0, &child), pid);
	CHECK_EQ(child.ru_msgsnd, 3);
	CHECK_EQ(child.ru_msgrcv, 0);
	struct rusage all;
	CHECK_OK(__sys_getrusage(RUSAGE_CHILDREN, &all));
	CHECK_EQ(all.ru_msgsnd, 3);
	EXPECT(0, 0);
	PASS();
}
