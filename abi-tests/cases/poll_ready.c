// abi: all
/*
 * poll readiness: a pipe's ends both ways, POLLHUP once the writer is gone,
 * POLLNVAL for a closed descriptor (not an error), negative fds ignored, a zero
 * timeout and a short one elapsing, regular files always ready, and a blocked poll
 * woken by a child's write.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>

int main(void)
{
	int p[2];
	char c;
	CHECK_OK(pipe(p));

	struct pollfd fds[2];
	fds[0].fd = p[0];
	fds[0].events = POLLIN;
	fds[1].fd = p[1];
	fds[1].events = POLLOUT;
	/* Empty pipe: the write end only. */
	CHECK_EQ(poll(fds, 2, 0), 1);
	CHECK_EQ(fds[0].revents, 0);
	CHECK_EQ(fds[1].revents, POLLOUT);

	/* Data: the read end too. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(fds, 2, -1), 2);
	CHECK_EQ(fds[0].revents, POLLIN);
	CHECK_EQ(read(p[0], &c, 1), 1);

	/* Nothing ready: a zero timeout returns at once, a short one after it elapsed. */
	CHECK_EQ(poll(fds, 1, 0), 0);
	CHECK_EQ(fds[0].revents, 0);
	long start = nt_now_ms();
	CHECK_EQ(poll(fds, 1, 50), 0);
	long took = nt_now_ms() - start;
	CHECK(took >= 50);
	CHECK(took < 2000);

	/* A closed descriptor is POLLNVAL (counted), a negative one ignored. */
	struct pollfd bad[3];
	bad[0].fd = 99;
	bad[0].events = POLLIN;
	bad[1].fd = -1;
	bad[1].events = POLLIN;
	bad[2].fd = p[0];
	bad[2].events = POLLIN;
	CHECK_EQ(poll(bad, 3, -1), 1);
	CHECK_EQ(bad[0].revents, POLLNVAL);
	CHECK_EQ(bad[1].revents, 0);
	CHECK_EQ(bad[2].revents, 0);
	CHECK_ERRNO(poll(bad, 100000, 0), EINVAL);

	/* A poll blocked on the read end is woken by a child's write. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(write(p[1], "y", 1), 1);
		_exit(0);
	}
	CHECK_EQ(poll(fds, 1, 5000), 1);
	CHECK_EQ(fds[0].revents, POLLIN);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'y');
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* The writer gone: POLLHUP on the read end. */
	close(p[1]);
	CHECK_EQ(poll(fds, 1, -1), 1);
	CHECK(fds[0].revents & POLLHUP);
	close(p[0]);

	/* The other way: the reader gone, POLLHUP on the write end. */
	CHECK_OK(pipe(p));
	close(p[0]);
	fds[1].fd = p[1];
	CHECK_EQ(poll(&fds[1], 1, -1), 1);
	CHECK(fds[1].revents & POLLHUP);
	close(p[1]);

	/* Regular files are always ready, both ways. */
	nt_scratch_dir("poll_ready");
	nt_write_file("f", "data");
	int fd = CHECK_OK(open("f", O_RDWR));
	struct pollfd rf = {.fd = fd, .events = POLLIN | POLLOUT};
	CHECK_EQ(poll(&rf, 1, -1), 1);
	CHECK_EQ(rf.revents, POLLIN | POLLOUT);
	close(fd);
	PASS();
}
