// abi: all
/*
 * /dev/fd/N, /dev/stdin, /dev/stdout and /dev/stderr as 4.x has them (MAKEDEV's fd/0..63,
 * character devices 22,N, and stdin, stdout and stderr the same devices as fd/0..2, as
 * MAKEDEV std makes them, not symbolic links; opening
 * one is kern_descrip.c's dupfdopen):
 *  - the new descriptor shares the open file: one offset, one set of status flags;
 *  - O_TRUNC does not truncate the file behind it;
 *  - asking for more access than the descriptor has is EACCES, a closed one EBADF;
 *  - "> /dev/stdout" in a child writes into what its stdout is, here a pipe.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char buf[32], path[32];
	struct stat st;
	nt_scratch_dir("dev_fd");

	int f = CHECK_OK(open("data", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(f, "0123456789", 10), 10);
	CHECK_EQ(lseek(f, 2, SEEK_SET), 2);
	snprintf(path, sizeof(path), "/dev/fd/%d", f);
	int g = CHECK_OK(open(path, O_RDWR | O_TRUNC));
	CHECK(g != f);
	/* One offset: a read through g starts where f is and moves f too. */
	CHECK_EQ(read(g, buf, 3), 3);
	CHECK(memcmp(buf, "234", 3) == 0);
	CHECK_EQ(lseek(f, 0, SEEK_CUR), 5);
	/* Not truncated. */
	CHECK_OK(fstat(f, &st));
	CHECK_EQ(st.st_size, 10);
	/* One set of status flags. */
	CHECK_OK(fcntl(g, F_SETFL, O_NONBLOCK));
	CHECK(fcntl(f, F_GETFL) & O_NONBLOCK);
	close(g);

	/* More access than the descriptor has; a closed descriptor. */
	int r = CHECK_OK(open("data", O_RDONLY));
	snprintf(path, sizeof(path), "/dev/fd/%d", r);
	CHECK_ERRNO(open(path, O_WRONLY), EACCES);
	CHECK_ERRNO(open(path, O_RDWR), EACCES);
	int rr = CHECK_OK(open(path, O_RDONLY));
	CHECK_EQ(read(rr, buf, 4), 4);
	CHECK(memcmp(buf, "0123", 4) == 0);
	CHECK_EQ(read(r, buf, 2), 2);
	CHECK(memcmp(buf, "45", 2) == 0);
	close(rr);
	close(r);
	CHECK_ERRNO(open("/dev/fd/60", O_RDONLY), EBADF);

	/* What they are. */
	CHECK_OK(stat("/dev/fd/5", &st));
	CHECK(S_ISCHR(st.st_mode));
	/* major 22, minor 5: both ABIs pass the 4.x encoding through. */
	CHECK_EQ(st.st_rdev, (22 << 8) | 5);
	const char *std[3] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
	for (int i = 0; i < 3; i++) {
		CHECK_OK(lstat(std[i], &st));
		CHECK(S_ISCHR(st.st_mode));
		CHECK_EQ(st.st_mode & 07777, 0666);
		CHECK_EQ(st.st_rdev, (22 << 8) | i);
	}
	CHECK_ERRNO(readlink("/dev/stderr", buf, sizeof(buf)), EINVAL);

	/* A child whose stdout is a pipe writes through /dev/stdout into it. */
	int p[2];
	CHECK_OK(pipe(p));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		close(p[0]);
		if (dup2(p[1], 1) != 1)
			_exit(10);
		close(p[1]);
		int out = open("/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (out < 0)
			_exit(11);
		_exit(write(out, "via stdout", 10) == 10 ? 0 : 12);
	}
	close(p[1]);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 10);
	CHECK(memcmp(buf, "via stdout", 10) == 0);
	PASS();
}
