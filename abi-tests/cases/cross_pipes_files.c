/*
 * Cross-ABI: processes of different ABIs share pipes and open files. A child of
 * another ABI filters a pipe (data and EOF cross), dies of its own SIGPIPE on a pipe
 * without readers (the parent sees its own SIGPIPE number), writes through an
 * inherited descriptor whose offset the parent shares, creates a file the parent
 * reads, and meets the parent's flock with its own ABI's EWOULDBLOCK.
 */
#include <nymph_cross.h>
#include <fcntl.h>
#include <signal.h>

#define PAYLOAD 4000

static void fill(char *buf, int n)
{
	for (int i = 0; i < n; i++)
		buf[i] = 'a' + i % 26;
}

static int child(int argc, char **argv)
{
	const char *role = argv[1];
	const char *arg = argc > 2 ? argv[2] : "";
	if (strcmp(role, "upper") == 0) {
		char buf[512];
		ssize_t got;
		while ((got = read(0, buf, sizeof(buf))) > 0) {
			for (ssize_t i = 0; i < got; i++)
				if (buf[i] >= 'a' && buf[i] <= 'z')
					buf[i] -= 'a' - 'A';
			if (write(1, buf, got) != got)
				_exit(60);
		}
		_exit(got == 0 ? 0 : 61);
	}
	if (strcmp(role, "no-reader") == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(1, "x", 1);
		_exit(62);
	}
	if (strcmp(role, "append-fd3") == 0) {
		if (write(3, "def", 3) != 3)
			_exit(63);
		_exit(lseek(3, 0, SEEK_CUR) == 6 ? 0 : 64);
	}
	if (strcmp(role, "create") == 0) {
		int fd = open(arg, O_WRONLY | O_CREAT | O_EXCL, 0640);
		if (fd < 0)
			_exit(65);
		if (write(fd, "made across", 11) != 11)
			_exit(66);
		_exit(close(fd) == 0 ? 0 : 67);
	}
	if (strcmp(role, "flock") == 0) {
		int fd = open(arg, O_RDWR);
		if (fd < 0)
			_exit(68);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			_exit(69);
		_exit(errno == EWOULDBLOCK ? 0 : 70);
	}
	FAIL("unknown role %s", role);
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 1)
		return child(argc, argv);

	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	if (mkdir("/tmp", 01777) != 0 && errno != EEXIST)
		FAIL("mkdir /tmp: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *other = others[i];
		int status;

		/* A filter: the payload through the other ABI and back, EOF included. */
		int to[2], from[2];
		CHECK_OK(pipe(to));
		CHECK_OK(pipe(from));
		pid_t pid = nc_spawn_fds(&self, other, "upper", "", to[0], from[1], 2);
		close(to[0]);
		close(from[1]);
		static char out[PAYLOAD], back[PAYLOAD + 1];
		fill(out, PAYLOAD);
		CHECK_EQ(write(to[1], out, PAYLOAD), PAYLOAD);
		close(to[1]);
		int have = 0;
		ssize_t got;
		while ((got = read(from[0], back + have, sizeof(back) - have)) > 0)
			have += got;
		CHECK_EQ(got, 0);
		CHECK_EQ(have, PAYLOAD);
		for (int k = 0; k < PAYLOAD; k++)
			if (back[k] != out[k] - ('a' - 'A'))
				FAIL("%s filter: byte %d is %#x", other, k, back[k]);
		close(from[0]);
		NC_EXPECT_EXIT(pid, 0, "filter");

		/* A pipe without readers: the child dies of SIGPIPE, named in our ABI. */
		int p[2];
		CHECK_OK(pipe(p));
		close(p[0]);
		pid = nc_spawn_fds(&self, other, "no-reader", "", -1, p[1], 2);
		close(p[1]);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE)
			FAIL("%s writer without readers: status %#x, wanted signal %d", other,
			     status, SIGPIPE);

		/* One open file, one offset, two ABIs. */
		char path[96];
		snprintf(path, sizeof(path), "/tmp/cross_pf_%d", getpid());
		int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
		CHECK_EQ(write(fd, "abc", 3), 3);
		if (fd != 3) {
			CHECK_EQ(dup2(fd, 3), 3);
			close(fd);
			fd = 3;
		}
		pid = nc_spawn(&self, other, "append-fd3", "");
		NC_EXPECT_EXIT(pid, 0, "write through an inherited descriptor");
		CHECK_EQ(write(fd, "ghi", 3), 3);
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), 9);
		char all[16] = {0};
		CHECK_EQ(pread(fd, all, sizeof(all), 0), 9);
		CHECK(strcmp(all, "abcdefghi") == 0);

		/* The other ABI's flock conflicts with ours. */
		CHECK_OK(flock(fd, LOCK_EX));
		pid = nc_spawn(&self, other, "flock", path);
		NC_EXPECT_EXIT(pid, 0, "flock conflict");
		CHECK_OK(flock(fd, LOCK_UN));
		close(fd);
		CHECK_OK(unlink(path));

		/* A file the other ABI creates, as we see it. */
		pid = nc_spawn(&self, other, "create", path);
		NC_EXPECT_EXIT(pid, 0, "create");
		struct stat st;
		CHECK_OK(stat(path, &st));
		CHECK_EQ(st.st_size, 11);
		CHECK_EQ(st.st_mode & 07777, 0640);
		CHECK(S_ISREG(st.st_mode));
		fd = CHECK_OK(open(path, O_RDONLY));
		memset(all, 0, sizeof(all));
		CHECK_EQ(read(fd, all, sizeof(all)), 11);
		CHECK(strcmp(all, "made across") == 0);
		close(fd);
		CHECK_OK(unlink(path));
	}
	PASS();
}
