// abi: freebsd4-i386
/*
 * readv and writev (120, 121) as one transfer, as 4.x's uio makes them, and writes of
 * nothing, which 4.x hands to the object all the same:
 *  - writev to a datagram socket (AF_UNIX, UDP) sends one datagram of all the pieces;
 *    readv takes one datagram into all of them, cut where they end; iovecs all of
 *    length 0 send an empty datagram;
 *  - writev to a pipe is one write (EPIPE and SIGPIPE with no reader, even for
 *    nothing, as pipe_write checks the reader first);
 *  - a kqueue is open for reading and writing, both ENXIO (kqueue_read and
 *    kqueue_write), for nothing too; pwrite of nothing to a
 *    pipe ESPIPE; to a regular file it is 0 and leaves the modification time alone.
 */
#include <nymph_fb4.h>
#include <signal.h>
#include <sys/stat.h>
#include <fcntl.h>

struct iov32 {
	void *base;
	size_t len;
};

int main(void)
{
	char buf[64];
	int sv[2], p[2];
	nt_scratch_dir("fb4_vector_io");

	/* A datagram socket: the pieces are one message. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	struct iov32 out[3] = {{"abc", 3}, {"", 0}, {"defghi", 6}};
	CHECK_EQ(__sys_writev(sv[0], out, 3), 9);
	CHECK_EQ(__sys_writev(sv[0], out, 1), 3);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "abcdefghi", 9) == 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 3);
	/* readv: one message over the pieces, the rest of it dropped. */
	CHECK_EQ(__sys_writev(sv[0], out, 3), 9);
	CHECK_EQ(write(sv[0], "next", 4), 4);
	char a[2], b[4];
	struct iov32 in[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	CHECK_EQ(__sys_readv(sv[1], in, 2), 6);
	CHECK(memcmp(a, "ab", 2) == 0 && memcmp(b, "cdef", 4) == 0);
	CHECK_EQ(__sys_readv(sv[1], in, 2), 4);
	CHECK(memcmp(a, "ne", 2) == 0 && memcmp(b, "xt", 2) == 0);
	/* Nothing in any piece: an empty datagram, which a read takes as one. */
	struct iov32 none[2] = {{"x", 0}, {"y", 0}};
	CHECK_EQ(__sys_writev(sv[0], none, 2), 0);
	CHECK_EQ(write(sv[0], "z", 1), 1);
	CHECK_EQ(__sys_readv(sv[1], in, 2), 0);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'z');
	close(sv[0]);
	close(sv[1]);

	/* UDP over lo0: one datagram, whatever the pieces. */
	struct sockaddr_in sin;
	int srv = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
	CHECK_OK(__sys_bind(srv, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7121)));
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	CHECK_EQ(__sys_writev(cl, out, 3), 9);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, NULL, NULL), 9);
	CHECK(memcmp(buf, "abcdefghi", 9) == 0);
	CHECK_EQ(__sys_writev(cl, none, 2), 0);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), 0);
	CHECK_ERRNO(__sys_recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);
	close(cl);
	close(srv);

	/* A pipe: one write of the pieces; with no reader EPIPE, even for nothing. */
	CHECK_OK(pipe(p));
	CHECK_EQ(__sys_writev(p[1], out, 3), 9);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "abcdefghi", 9) == 0);
	CHECK_ERRNO(pwrite(p[1], "", 0, 0), ESPIPE);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(p[1], "", 0), EPIPE);
	CHECK_ERRNO(__sys_writev(p[1], none, 2), EPIPE);
	CHECK_ERRNO(__sys_writev(p[1], out, 3), EPIPE);
	close(p[1]);

	/* A kqueue takes no writes, of nothing either. */
	int kq = CHECK_OK(__sys_kqueue());
	CHECK_ERRNO(write(kq, "", 0), ENXIO);
	CHECK_ERRNO(write(kq, "x", 1), ENXIO);
	CHECK_ERRNO(read(kq, buf, 1), ENXIO);
	CHECK_EQ(fcntl(kq, F_GETFL), O_RDWR);
	close(kq);

	/* A regular file: nothing written, nothing changed. */
	struct stat before, after;
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	struct timeval old[2] = {{1000, 0}, {1000, 0}};
	CHECK_OK(utimes("f", old));
	CHECK_OK(fstat(fd, &before));
	CHECK_EQ(write(fd, "", 0), 0);
	CHECK_EQ(pwrite(fd, "", 0, 5), 0);
	CHECK_EQ(__sys_writev(fd, none, 2), 0);
	CHECK_OK(fstat(fd, &after));
	CHECK_EQ(after.st_mtime, 1000);
	CHECK_EQ(after.st_size, 0);
	CHECK_EQ(after.st_ctime, before.st_ctime);
	close(fd);
	PASS();
}
