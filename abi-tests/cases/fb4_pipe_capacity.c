// abi: freebsd4-i386
/*
 * A pipe's buffer as a 4.x program measuring it sees (sys/kern/sys_pipe.c pipe_write,
 * pipe_poll, filt_pipewrite, pipe_stat; sys/sys/pipe.h; PIPE_BUF 512 from
 * sys/sys/syslimits.h), all with O_NONBLOCK:
 *  - a new pipe holds PIPE_SIZE, 16384: 1-byte writes stop there with EAGAIN;
 *  - a write of more than PIPE_BUF goes in as far as there is room (1000-byte writes:
 *    16 whole, then 384), one of at most PIPE_BUF whole or not at all (500-byte writes
 *    stop at 16000; 512 bytes into 384 of room EAGAIN, 513 bytes 384);
 *  - a write of more than PIPE_SIZE into an empty pipe first grows its buffer to
 *    BIG_PIPE_SIZE, 65536 (the reading end's st_blksize; the write end's stays 16384),
 *    and goes in whole; into a pipe holding a byte it does not grow it (16383 go);
 *  - a grown pipe stays grown, but takes bytes only while it holds less than
 *    PIPE_SIZE: 1-byte writes still stop at 16384, a 1000-byte write starting below
 *    it goes whole, and a 65536-byte write into it when empty goes whole;
 *  - at most LIMITBIGPIPES (32) pipes are grown at once, system-wide; closing one lets
 *    another grow;
 *  - select, poll (POLLOUT) and kqueue's EVFILT_WRITE call the write end writable with
 *    PIPE_BUF bytes of room and not with 511; EVFILT_WRITE's data is the room.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

static char buf[65536];

static void close_pipe(int p[2])
{
	close(p[0]);
	close(p[1]);
}

static long blksize(int fd)
{
	struct stat s;
	CHECK_OK(fstat(fd, &s));
	return (long)s.st_blksize;
}

static long queued(int fd)
{
	struct stat s;
	CHECK_OK(fstat(fd, &s));
	return (long)s.st_size;
}

static void small_writes(void)
{
	int p[2];
	long last;

	nt_pipe_nonblock(p);
	CHECK_EQ(blksize(p[0]), 16384);
	CHECK_EQ(nt_fill_pipe(p[1], buf, 1, &last), 16384);
	CHECK_EQ(queued(p[0]), 16384);
	CHECK_EQ(blksize(p[0]), 16384);
	close_pipe(p);

	/* Not atomic: the 17th takes the 384 bytes left. */
	nt_pipe_nonblock(p);
	CHECK_EQ(nt_fill_pipe(p[1], buf, 1000, &last), 16384);
	CHECK_EQ(last, 384);
	CHECK_EQ(blksize(p[0]), 16384);
	close_pipe(p);

	/* Atomic: the 33rd finds 384 bytes of room and waits for 500. */
	nt_pipe_nonblock(p);
	CHECK_EQ(nt_fill_pipe(p[1], buf, 500, &last), 16000);
	CHECK_EQ(last, 500);
	CHECK_ERRNO(write(p[1], buf, 512), EAGAIN);
	CHECK_EQ(write(p[1], buf, 513), 384);
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
	CHECK_EQ(blksize(p[0]), 16384);
	close_pipe(p);
}

static void big_writes(void)
{
	int p[2];
	long last;

	/* Empty: grown first, so all 20000 go. */
	nt_pipe_nonblock(p);
	CHECK_EQ(write(p[1], buf, 20000), 20000);
	CHECK_EQ(blksize(p[0]), 65536);
	CHECK_EQ(blksize(p[1]), 16384);
	CHECK_EQ(queued(p[0]), 20000);
	/* Holding PIPE_SIZE or more, it takes nothing, whatever its room. */
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
	CHECK_ERRNO(write(p[1], buf, 20000), EAGAIN);
	nt_drain_pipe(p[0], buf, sizeof(buf), 20000);
	/* Grown for good; small writes still stop at PIPE_SIZE... */
	CHECK_EQ(blksize(p[0]), 65536);
	CHECK_EQ(nt_fill_pipe(p[1], buf, 1, &last), 16384);
	CHECK_ERRNO(write(p[1], buf, 1000), EAGAIN);
	/* ...but one that starts below it goes in whole. */
	CHECK_EQ(read(p[0], buf, 384), 384);
	CHECK_EQ(write(p[1], buf, 1000), 1000);
	CHECK_EQ(queued(p[0]), 17000);
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
	nt_drain_pipe(p[0], buf, sizeof(buf), 17000);
	CHECK_EQ(write(p[1], buf, 65536), 65536);
	CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
	nt_drain_pipe(p[0], buf, sizeof(buf), 65536);
	CHECK_EQ(blksize(p[0]), 65536);
	close_pipe(p);

	/* Not empty: no growth, and the write takes the room there is. */
	nt_pipe_nonblock(p);
	CHECK_EQ(write(p[1], buf, 1), 1);
	CHECK_EQ(write(p[1], buf, 20000), 16383);
	CHECK_EQ(blksize(p[0]), 16384);
	CHECK_ERRNO(write(p[1], buf, 20000), EAGAIN);
	nt_drain_pipe(p[0], buf, sizeof(buf), 16384);
	/* Empty again, the next big write grows it. */
	CHECK_EQ(write(p[1], buf, 16385), 16385);
	CHECK_EQ(blksize(p[0]), 65536);
	close_pipe(p);

	/* Exactly PIPE_SIZE is not more than it: no growth. */
	nt_pipe_nonblock(p);
	CHECK_EQ(write(p[1], buf, 16384), 16384);
	CHECK_EQ(blksize(p[0]), 16384);
	close_pipe(p);
}

#define TRIES 40

/* Grows a new pipe's buffer with a 20000-byte write if it may; keeps only the read
 * end, which holds the buffer. Whether it grew. */
static int try_big(int *read_end)
{
	int p[2];
	nt_pipe_nonblock(p);
	ssize_t n = write(p[1], buf, 20000);
	long size = blksize(p[0]);
	if (size == 65536)
		CHECK_EQ(n, 20000);
	else {
		CHECK_EQ(size, 16384);
		CHECK_EQ(n, 16384);
	}
	close(p[1]);
	*read_end = p[0];
	return size == 65536;
}

static void big_pipe_limit(void)
{
	int ends[TRIES];
	int grown = 0, first_small = -1;
	for (int i = 0; i < TRIES; i++) {
		if (try_big(&ends[i])) {
			if (first_small >= 0)
				FAIL("pipe %d grew after pipe %d did not", i, first_small);
			grown++;
		} else if (first_small < 0)
			first_small = i;
	}
	/* Other processes may hold some of the 32. */
	if (first_small < 0)
		FAIL("all %d pipes grew", TRIES);
	CHECK(grown >= 1 && grown <= 32);
	/* A grown pipe closed gives its place back. */
	close(ends[0]);
	int again;
	CHECK(try_big(&again));
	close(again);
	for (int i = 1; i < TRIES; i++)
		close(ends[i]);
}

/* What select, poll and EVFILT_WRITE say of the write end w. */
static void check_writable(int kq, int w, int want, long room)
{
	fd_set set;
	struct timeval tv = {0, 0};
	FD_ZERO(&set);
	FD_SET(w, &set);
	CHECK_EQ(select(w + 1, NULL, &set, NULL, &tv), want);
	CHECK_EQ(FD_ISSET(w, &set) != 0, want);

	struct pollfd pfd = {w, POLLOUT, 0};
	CHECK_EQ(poll(&pfd, 1, 0), want);
	CHECK_EQ(pfd.revents, want ? POLLOUT : 0);

	struct kevent ev;
	struct timespec zero = {0, 0};
	memset(&ev, 0xa5, sizeof(ev));
	int n = __sys_kevent(kq, NULL, 0, &ev, 1, &zero);
	CHECK_EQ(n, want);
	if (n == 1) {
		CHECK_EQ(ev.ident, w);
		CHECK_EQ(ev.filter, EVFILT_WRITE);
		CHECK_EQ(ev.data, room);
	}
}

static void readiness(void)
{
	int p[2];
	nt_pipe_nonblock(p);
	int kq = CHECK_OK(__sys_kqueue());
	struct kevent k;
	memset(&k, 0, sizeof(k));
	k.ident = (unsigned)p[1];
	k.filter = EVFILT_WRITE;
	k.flags = EV_ADD;
	CHECK_OK(__sys_kevent(kq, &k, 1, NULL, 0, NULL));

	check_writable(kq, p[1], 1, 16384);
	CHECK_EQ(write(p[1], buf, 16384 - 512), 16384 - 512);
	check_writable(kq, p[1], 1, 512);
	CHECK_EQ(write(p[1], buf, 1), 1);
	check_writable(kq, p[1], 0, 0);
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	check_writable(kq, p[1], 1, 512);
	nt_drain_pipe(p[0], buf, sizeof(buf), 16384 - 512);

	/* Grown: the room is the big buffer's. */
	CHECK_EQ(write(p[1], buf, 20000), 20000);
	nt_drain_pipe(p[0], buf, sizeof(buf), 20000);
	check_writable(kq, p[1], 1, 65536);
	close(kq);
	close_pipe(p);
}

int main(void)
{
	memset(buf, 'p', sizeof(buf));
	small_writes();
	big_writes();
	big_pipe_limit();
	readiness();
	PASS();
}
