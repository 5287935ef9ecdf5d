// abi: freebsd4-i386
/*
 * fstat of what has no vnode, as 4.x fills struct stat:
 *  - a pipe end (pipe_stat): st_mode S_IFIFO with no permission bits, st_blksize the
 *    end's buffer (PIPE_SIZE, 16384, stdio's buffer for a pipe), st_size the bytes
 *    waiting to be read from it, st_blocks ceil(size / blksize), ids, links, device
 *    and inode 0;
 *  - a socket (soo_stat, pru_sense): S_IFSOCK, r--r--r-- while it can receive or holds
 *    bytes, -w--w--w- while it can send; st_size the bytes waiting; st_uid and st_gid
 *    its creator's effective ids, an accepted connection its listener's; st_blksize
 *    the send buffer (a connected Unix stream's plus what its peer has not read);
 *    times 0; a Unix-domain socket's st_dev NOUDEV (0xffffffff) and an st_ino that,
 *    once not 0, stays;
 *  - a kqueue (kqueue_stat): S_IFIFO, st_size the events waiting, st_blksize
 *    sizeof(struct kevent), 20; the rest 0.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static struct stat st(int fd)
{
	struct stat s;
	memset(&s, 0xa5, sizeof(s));
	CHECK_OK(fstat(fd, &s));
	return s;
}

int main(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	struct stat s = st(p[0]);
	CHECK_EQ(s.st_mode, S_IFIFO);
	CHECK_EQ(s.st_nlink, 0);
	CHECK_EQ(s.st_uid, 0);
	CHECK_EQ(s.st_gid, 0);
	CHECK_EQ(s.st_dev, 0);
	CHECK_EQ(s.st_ino, 0);
	CHECK_EQ(s.st_size, 0);
	CHECK_EQ(s.st_blocks, 0);
	CHECK_EQ(s.st_blksize, 16384);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	s = st(p[0]);
	CHECK_EQ(s.st_size, 5);
	CHECK_EQ(s.st_blocks, 1);
	s = st(p[1]);
	CHECK_EQ(s.st_mode, S_IFIFO);
	CHECK_EQ(s.st_size, 0);
	CHECK_EQ(s.st_blksize, 16384);
	close(p[0]);
	close(p[1]);

	/* A kqueue (kqueue_stat): S_IFIFO, the events waiting, sizeof(struct kevent). */
	int kq = CHECK_OK(__sys_kqueue());
	s = st(kq);
	CHECK_EQ(s.st_mode, S_IFIFO);
	CHECK_EQ(s.st_size, 0);
	CHECK_EQ(s.st_blksize, 20);
	CHECK_EQ(s.st_mtime, 0);
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "x", 1), 1);
	struct kevent k = {(uint32_t)p[0], EVFILT_READ, EV_ADD, 0, 0, 0};
	CHECK_OK(__sys_kevent(kq, &k, 1, NULL, 0, NULL));
	CHECK_EQ(st(kq).st_size, 1);
	close(kq);
	close(p[0]);
	close(p[1]);

	/* A socket pair made by uid 0; the peer's unread bytes count in st_blksize. */
	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int sndbuf = nt_getsockopt_int(sv[0], SOL_SOCKET, SO_SNDBUF);
	s = st(sv[0]);
	CHECK_EQ(s.st_mode, S_IFSOCK | 0666);
	CHECK_EQ(s.st_nlink, 0);
	CHECK_EQ(s.st_uid, 0);
	CHECK_EQ(s.st_dev, 0xffffffffu);
	CHECK_EQ(s.st_size, 0);
	CHECK_EQ(s.st_blksize, sndbuf);
	CHECK_EQ(s.st_mtime, 0);
	CHECK_EQ(s.st_blocks, 0);
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(st(sv[0]).st_blksize, sndbuf + 3);
	CHECK_EQ(st(sv[1]).st_size, 3);
	/* Numbered once not 0, the number stays. */
	ino_t first = st(sv[1]).st_ino;
	ino_t again = st(sv[1]).st_ino;
	if (first != 0)
		CHECK_EQ(again, first);
	CHECK_EQ(st(sv[1]).st_ino, again);
	/* Shut for writing: no w bits; the peer, which can still send, keeps them, and
	 * with nothing to read and its receive side at end of file loses r. */
	CHECK_OK(__sys_shutdown(sv[0], 1));
	CHECK_EQ(st(sv[0]).st_mode, S_IFSOCK | 0444);
	CHECK_EQ(read(sv[1], (char[4]){0}, 4), 3);
	CHECK_EQ(st(sv[1]).st_mode, S_IFSOCK | 0222);
	close(sv[0]);
	close(sv[1]);

	/* UDP over lo0: no device or inode; another user's socket is theirs. */
	int u = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	s = st(u);
	CHECK_EQ(s.st_mode, S_IFSOCK | 0666);
	CHECK_EQ(s.st_dev, 0);
	CHECK_EQ(s.st_ino, 0);
	CHECK_EQ(s.st_blksize, nt_getsockopt_int(u, SOL_SOCKET, SO_SNDBUF));
	close(u);
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setgid(31));
		CHECK_OK(setuid(65534));
		int mine = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
		struct stat m = st(mine);
		CHECK_EQ(m.st_uid, 65534);
		CHECK_EQ(m.st_gid, 31);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* An accepted connection is its listener's creator's, whoever connected. */
	struct sockaddr_in sin;
	int srv = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(srv, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7131)));
	CHECK_OK(__sys_listen(srv, 1));
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(65534));
		int c = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
		CHECK_OK(__sys_connect(c, &sin, sizeof(sin)));
		CHECK_EQ(st(c).st_uid, 65534);
		char x;
		(void)!read(c, &x, 1);
		_exit(0);
	}
	int conn = CHECK_OK(__sys_accept(srv, NULL, NULL));
	CHECK_EQ(st(conn).st_uid, 0);
	CHECK_EQ(st(srv).st_size, 0);
	close(conn);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(srv);
	PASS();
}
