// abi: freebsd4-i386
/*
 * Control data on AF_UNIX sockets (sendmsg 28, recvmsg 27): descriptors passed with
 * SCM_RIGHTS over a stream to a child (which reads the file at the offset it shares
 * with the sender) and over datagrams, several in one message; EBADF for a closed one
 * and EINVAL for a wrong level, type or length, nothing sent; MSG_CTRUNC with a short
 * control buffer; EMSGSIZE when the receiver has no free descriptor (the file is
 * dropped; a datagram is lost, a stream's bytes stay); rights dropped by a plain read; MSG_PEEK leaving them queued; a stream read
 * stopping before the bytes that carry rights; SCM_CREDS as root and after setuid; the
 * bytes of struct cmsghdr.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <unistd.h>

#define HDR 12 /* sizeof(struct cmsghdr) on 4.x i386 */

/* A control buffer: header, then room for data. */
struct ctl {
	struct cmsghdr h;
	unsigned char data[224];
};

/* Sends `len` bytes of `buf` with `nfds` descriptors (none: no control). */
static int send_fds(int s, const void *buf, int len, const int *fds, int nfds)
{
	struct ctl c;
	struct iovec iov = {(void *)buf, len};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	memset(&c, 0, sizeof c);
	m.msg_iov = (void *)&iov;
	m.msg_iovlen = 1;
	if (nfds > 0) {
		c.h.cmsg_len = HDR + 4 * nfds;
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		memcpy(c.data, fds, 4 * nfds);
		m.msg_control = (void *)&c;
		m.msg_controllen = c.h.cmsg_len;
	}
	return __sys_sendmsg(s, &m, 0);
}

/* Sends with raw control bytes `ctl` of `clen`. */
static int send_raw(int s, const void *ctl, int clen)
{
	struct iovec iov = {(void *)"x", 1};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	m.msg_iov = (void *)&iov;
	m.msg_iovlen = 1;
	m.msg_control = (void *)ctl;
	m.msg_controllen = clen;
	return __sys_sendmsg(s, &m, 0);
}

/* Receives into buf with a control buffer of `room` bytes (-1: none); the msghdr
 * comes back in *m. */
static int recv_ctl(int s, void *buf, int len, struct ctl *c, int room, int flags,
		    struct msghdr *m)
{
	struct iovec iov = {buf, len};
	memset(m, 0, sizeof *m);
	memset(c, 0xee, sizeof *c);
	m->msg_iov = (void *)&iov;
	m->msg_iovlen = 1;
	if (room >= 0) {
		m->msg_control = (void *)c;
		m->msg_controllen = room;
	}
	return __sys_recvmsg(s, m, flags);
}

static int scratch_file(const char *name)
{
	int fd = CHECK_OK(open(name, O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	return fd;
}

static int lowest_free(void)
{
	int fd = CHECK_OK(dup(0));
	close(fd);
	return fd;
}

/* Fills this process's descriptor table (a child's: it lowers its own limit). */
static void fill_table(void)
{
	struct rlimit rl;
	CHECK_OK(__sys_getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = 20;
	CHECK_OK(__sys_setrlimit(RLIMIT_NOFILE, &rl));
	while (dup(0) >= 0)
		;
	CHECK_EQ(errno, EMFILE);
}

int main(void)
{
	char buf[64];
	int status, sv[2], fds[3], p[2];
	struct ctl c;
	struct msghdr m;
	nt_scratch_dir("fb4_unix_rights");

	/* Stream: a parent passes an open file to its child, which reads it at the
	 * offset they share; the cmsghdr is byte-exact. */
	int file = scratch_file("f");
	CHECK_EQ(lseek(file, 3, SEEK_SET), 3);
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(file);
		int want = lowest_free();
		CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 1);
		CHECK_EQ(buf[0], 'F');
		CHECK_EQ(m.msg_controllen, 16);
		CHECK_EQ(m.msg_flags, 0);
		unsigned char *b = (unsigned char *)&c;
		static const unsigned char head[12] = {16, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
		CHECK(memcmp(b, head, 12) == 0);
		int got;
		memcpy(&got, b + 12, 4);
		CHECK_EQ(got, want);
		CHECK_EQ(b[16], 0xee);
		/* Not close-on-exec; the offset is the sender's. */
		CHECK_EQ(fcntl(got, F_GETFD), 0);
		CHECK_EQ(read(got, buf, 4), 4);
		CHECK(memcmp(buf, "3456", 4) == 0);
		_exit(0);
	}
	close(sv[1]);
	CHECK_EQ(send_fds(sv[0], "F", 1, &file, 1), 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(lseek(file, 0, SEEK_CUR), 7);
	close(sv[0]);

	/* Datagrams: the same within one process, after the sender closed its copy. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send_fds(sv[0], "D", 1, &file, 1), 1);
	close(file);
	int want = lowest_free();
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 1);
	CHECK_EQ(m.msg_controllen, 16);
	CHECK_EQ(c.h.cmsg_len, 16);
	CHECK_EQ(c.h.cmsg_level, SOL_SOCKET);
	CHECK_EQ(c.h.cmsg_type, SCM_RIGHTS);
	memcpy(&file, c.data, 4);
	CHECK_EQ(file, want);
	CHECK_EQ(read(file, buf, 3), 3);
	CHECK(memcmp(buf, "789", 3) == 0);

	/* Several in one message: each takes the lowest free descriptor. */
	CHECK_OK(pipe(p));
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = file;
	CHECK_EQ(send_fds(sv[0], "three", 5, fds, 3), 5);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 5);
	CHECK_EQ(m.msg_controllen, HDR + 12);
	CHECK_EQ(c.h.cmsg_len, HDR + 12);
	int got[3];
	memcpy(got, c.data, 12);
	CHECK(got[0] > file && got[1] == got[0] + 1 && got[2] == got[1] + 1);
	CHECK_EQ(write(got[1], "via", 3), 3);
	CHECK_EQ(read(p[0], buf, sizeof buf), 3);
	CHECK(memcmp(buf, "via", 3) == 0);
	CHECK_EQ(lseek(got[2], 0, SEEK_SET), 0);
	CHECK_EQ(read(file, buf, 1), 1);
	CHECK_EQ(buf[0], '0');
	for (int i = 0; i < 3; i++)
		close(got[i]);

	/* A descriptor that is not open: EBADF, and nothing is sent. */
	fds[0] = file;
	fds[1] = 999;
	CHECK_ERRNO(send_fds(sv[0], "bad", 3, fds, 2), EBADF);
	CHECK_ERRNO(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, MSG_DONTWAIT, &m), EAGAIN);

	/* Wrong level, type or length: EINVAL, nothing sent. */
	struct {
		struct cmsghdr h;
		int fd[60];
	} raw;
	memset(&raw, 0, sizeof raw);
	raw.h.cmsg_len = 16;
	raw.h.cmsg_level = 0;
	raw.h.cmsg_type = SCM_RIGHTS;
	raw.fd[0] = file;
	CHECK_ERRNO(send_raw(sv[0], &raw, 16), EINVAL);
	raw.h.cmsg_level = SOL_SOCKET;
	raw.h.cmsg_type = 2;
	CHECK_ERRNO(send_raw(sv[0], &raw, 16), EINVAL);
	raw.h.cmsg_type = SCM_RIGHTS;
	CHECK_ERRNO(send_raw(sv[0], &raw, 20), EINVAL); /* cmsg_len is not the length */
	CHECK_ERRNO(send_raw(sv[0], &raw, 8), EINVAL);	/* shorter than a header */
	raw.h.cmsg_len = 240;
	CHECK_ERRNO(send_raw(sv[0], &raw, 240), EINVAL); /* past MLEN */
	CHECK_ERRNO(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, MSG_DONTWAIT, &m), EAGAIN);
	raw.h.cmsg_len = 16;
	CHECK_EQ(send_raw(sv[0], &raw, 16), 1);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, -1, 0, &m), 1);

	/* A short control buffer: MSG_CTRUNC, what fits, and both installed. */
	fds[0] = file;
	fds[1] = file;
	want = lowest_free();
	CHECK_EQ(send_fds(sv[0], "t", 1, fds, 2), 1);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, 16, 0, &m), 1);
	CHECK_EQ(m.msg_flags, MSG_CTRUNC);
	CHECK_EQ(m.msg_controllen, 16);
	CHECK_EQ(c.h.cmsg_len, 20);
	memcpy(got, c.data, 4);
	CHECK_EQ(got[0], want);
	CHECK_EQ(c.data[4], 0xee);
	CHECK_OK(fcntl(want + 1, F_GETFD));
	close(want);
	close(want + 1);

	/* Rights dropped by a plain read: the passed write end closes, the reader sees
	 * end of file. */
	CHECK_EQ(send_fds(sv[0], "w", 1, &p[1], 1), 1);
	close(p[1]);
	CHECK_EQ(read(sv[1], buf, sizeof buf), 1);
	CHECK_EQ(read(p[0], buf, sizeof buf), 0);
	close(p[0]);

	/* No free descriptor in the receiver: EMSGSIZE, and the file is dropped. */
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], "m", 1, &p[1], 1), 1);
	close(p[1]);
	pid = fork();
	if (pid == 0) {
		fill_table();
		CHECK_ERRNO(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), EMSGSIZE);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read(p[0], buf, sizeof buf), 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);

	/* Stream: a read stops before bytes that carry rights; a peek gives none and
	 * leaves them; the read that starts there gets them with the bytes after. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "abc", 3), 3);
	CHECK_EQ(send_fds(sv[0], "def", 3, &file, 1), 3);
	CHECK_EQ(write(sv[0], "ghi", 3), 3);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_EQ(m.msg_controllen, 0);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, MSG_PEEK, &m), 6);
	CHECK(memcmp(buf, "defghi", 6) == 0);
	CHECK_EQ(m.msg_controllen, 0);
	want = lowest_free();
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 6);
	CHECK(memcmp(buf, "defghi", 6) == 0);
	CHECK_EQ(m.msg_controllen, 16);
	memcpy(got, c.data, 4);
	CHECK_EQ(got[0], want);
	close(want);

	/* Stream, no free descriptor in the receiver: EMSGSIZE and the file dropped, but
	 * the bytes stay for the next read (4.x's soreceive moves no data after a failed
	 * externalize). */
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], "kept", 4, &p[1], 1), 4);
	close(p[1]);
	pid = fork();
	if (pid == 0) {
		fill_table();
		CHECK_ERRNO(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), EMSGSIZE);
		memset(buf, 0, sizeof buf);
		CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 4);
		CHECK(memcmp(buf, "kept", 4) == 0);
		CHECK_EQ(m.msg_controllen, 0);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read(p[0], buf, sizeof buf), 0);
	close(p[0]);

	/* SCM_CREDS: the kernel fills in the sender's ids, as root and after setuid. */
	struct {
		struct cmsghdr h;
		struct cmsgcred cred;
	} cr;
	memset(&cr, 0x55, sizeof cr);
	cr.h.cmsg_len = sizeof cr;
	cr.h.cmsg_level = SOL_SOCKET;
	cr.h.cmsg_type = SCM_CREDS;
	CHECK_EQ(sizeof cr, 96);
	CHECK_EQ(send_raw(sv[0], &cr, sizeof cr), 1);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 1);
	CHECK_EQ(m.msg_controllen, 96);
	CHECK_EQ(c.h.cmsg_len, 96);
	CHECK_EQ(c.h.cmsg_type, SCM_CREDS);
	struct cmsgcred got_cred;
	memcpy(&got_cred, c.data, sizeof got_cred);
	CHECK_EQ(got_cred.cmcred_pid, getpid());
	CHECK_EQ(got_cred.cmcred_uid, 0);
	CHECK_EQ(got_cred.cmcred_euid, 0);
	CHECK_EQ(got_cred.cmcred_gid, getgid());
	CHECK(got_cred.cmcred_ngroups >= 1 && got_cred.cmcred_ngroups <= CMGROUP_MAX);
	CHECK_EQ(got_cred.cmcred_groups[0], getegid());
	pid = fork();
	if (pid == 0) {
		CHECK_OK(setuid(1000));
		CHECK_EQ(send_raw(sv[0], &cr, sizeof cr), 1);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(recv_ctl(sv[1], buf, sizeof buf, &c, sizeof c, 0, &m), 1);
	memcpy(&got_cred, c.data, sizeof got_cred);
	CHECK_EQ(got_cred.cmcred_pid, pid);
	CHECK_EQ(got_cred.cmcred_uid, 1000);
	CHECK_EQ(got_cred.cmcred_euid, 1000);
	close(sv[0]);
	close(sv[1]);
	close(file);
	PASS();
}
