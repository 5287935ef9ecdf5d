// abi: all
/*
 * FIFOs: mkfifo makes a node stat calls S_IFIFO; opening for reading blocks until a
 * writer comes (and the other way round); a non-blocking open for reading succeeds
 * at once, one for writing without a reader fails with ENXIO; data flows, and EOF
 * once the writer closes. Device nodes need root (EPERM).
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

int main(void)
{
	char buf[16];
	struct stat st;
	nt_scratch_dir("fifo");

	CHECK_OK(mkfifo("f", 0644));
	CHECK_OK(stat("f", &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0644);
	CHECK_ERRNO(mkfifo("f", 0644), EEXIST);
#ifdef __FreeBSD_version
	/* 4.x mknod makes device nodes (for root) and whiteouts, never FIFOs. */
	CHECK_ERRNO(mknod("g", S_IFIFO | 0600, 0), EINVAL);
#else
	CHECK_ERRNO(mknod("dev", S_IFCHR | 0644, 0), EPERM);
	CHECK_OK(mknod("g", S_IFIFO | 0600, 0));
	CHECK_OK(stat("g", &st));
	CHECK(S_ISFIFO(st.st_mode));
#endif

	/* Non-blocking: writing without a reader is ENXIO; reading opens at once. */
	CHECK_ERRNO(open("f", O_WRONLY | O_NONBLOCK), ENXIO);
	int r = CHECK_OK(open("f", O_RDONLY | O_NONBLOCK));
	int w = CHECK_OK(open("f", O_WRONLY | O_NONBLOCK));
	CHECK_OK(fstat(r, &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_ERRNO(read(r, buf, sizeof(buf)), EAGAIN);
	CHECK_EQ(write(w, "hi", 2), 2);
	CHECK_EQ(read(r, buf, sizeof(buf)), 2);
	CHECK(memcmp(buf, "hi", 2) == 0);
	close(w);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	close(r);

	/* Blocking: the reader's open waits for the child to open for writing. */
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		usleep(100000);
		int cw = CHECK_OK(open("f", O_WRONLY));
		CHECK_EQ(write(cw, "hello", 5), 5);
		close(cw);
		_exit(0);
	}
	long start = nt_now_ms();
	r = CHECK_OK(open("f", O_RDONLY));
	CHECK(nt_now_ms() - start >= 50);
	int got = 0;
	while (got < 5) {
		ssize_t n = CHECK_OK(read(r, buf + got, sizeof(buf) - got));
		CHECK(n > 0);
		got += (int)n;
	}
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	close(r);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* And the writer's open waits for a reader. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		usleep(100000);
		int cr = CHECK_OK(open("f", O_RDONLY));
		CHECK_EQ(read(cr, buf, sizeof(buf)), 3);
		close(cr);
		_exit(0);
	}
	start = nt_now_ms();
	w = CHECK_OK(open("f", O_WRONLY));
	CHECK(nt_now_ms() - start >= 50);
	CHECK_EQ(write(w, "abc", 3), 3);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(w);
	CHECK_OK(unlink("f"));
	PASS();
}
