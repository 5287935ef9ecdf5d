// abi: all
/*
 * A pipe's buffer policy, BSD's (4.x's sys_pipe.c pipe_write and pipe_poll), which every
 * ABI's pipes follow with its own PIPE_BUF (512 in 4.x, 4096 native), non-blocking:
 *  - a new pipe holds 16384 bytes: 1-byte writes and PIPE_BUF-byte ones stop there;
 *  - a write of at most PIPE_BUF bytes goes whole or not at all, a longer one takes
 *    the room there is;
 *  - a write of more than 16384 bytes into an empty pipe grows it to 65536 first and
 *    goes whole (while fewer than 32 pipes are grown, as here); into a pipe holding a
 *    byte it takes the 16383 of room;
 *  - a pipe holding 16384 bytes or more takes none, and a grown one emptied takes small
 *    writes up to 16384 again;
 *  - poll gives POLLOUT with PIPE_BUF bytes of room, not with one less.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>

static char buf[65536];

static void close_pipe(int p[2])
{
	close(p[0]);
	close(p[1]);
}

static int writable(int w)
{
	struct pollfd pfd = {w, POLLOUT, 0};
	int n = CHECK_OK(poll(&pfd, 1, 0));
	CHECK_EQ(pfd.revents, n ? POLLOUT : 0);
	return n;
}

int main(void)
{
	int p[2];
	long last;
	memset(buf, 'q', sizeof(buf));

	nt_pipe_nonblock(p);
	CHECK_EQ(nt_fill_pipe(p[1], buf, 1, &last), 16384);
	close_pipe(p);
	nt_pipe_nonblock(p);
	CHECK_EQ(nt_fill_pipe(p[1], buf, PIPE_BUF, &last), 16384);
	CHECK_EQ(last, PIPE_BUF);
	close_pipe(p);

	/* Atomic: stops short of 16384 with less room than the write. */
	size_t atomic = PIPE_BUF - 12;
	long whole = 16384 / atomic * atomic;
	nt_pipe_nonblock(p);
	CHECK_EQ(nt_fill_pipe(p[1], buf, atomic, &last), whole);
	CHECK_EQ(last, atomic);
	CHECK_ERRNO(write(p[1], buf, PIPE_BUF), EAGAIN);
	CHECK_EQ(write(p[1], buf, PIPE_BUF + 1), 16384 - whole);
	close_pipe(p);

	/* Not atomic: the last takes what room is left. */
	size_t partial = PIPE_BUF + 488;
	nt_pipe_nonblock(p);
	CHECK_EQ(nt_fill_pipe(p[1], buf, partial, &last), 16384);
	CHECK_EQ(last, 16384 % partial);
	close_pipe(p);

	/* Big writes. */
	nt_pipe_nonblock(p);
	CHECK_EQ(write(p[1], buf, 20000), 20000);
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
	nt_drain_pipe(p[0], buf, sizeof(buf), 20000);
	CHECK_EQ(nt_fill_pipe(p[1], buf, 1, &last), 16384);
	nt_drain_pipe(p[0], buf, sizeof(buf), 16384);
	CHECK_EQ(write(p[1], buf, 65536), 65536);
	nt_drain_pipe(p[0], buf, sizeof(buf), 65536);
	close_pipe(p);
	nt_pipe_nonblock(p);
	CHECK_EQ(write(p[1], buf, 1), 1);
	CHECK_EQ(write(p[1], buf, 20000), 16383);
	close_pipe(p);

	/* Readiness at PIPE_BUF bytes of room. */
	nt_pipe_nonblock(p);
	CHECK(writable(p[1]));
	CHECK_EQ(write(p[1], buf, 16384 - PIPE_BUF), 16384 - PIPE_BUF);
	CHECK(writable(p[1]));
	CHECK_EQ(write(p[1], buf, 1), 1);
	CHECK(!writable(p[1]));
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK(writable(p[1]));
	close_pipe(p);
	PASS();
}
