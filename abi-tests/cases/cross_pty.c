/*
 * Cross-ABI: a process of this column's ABI holds a pseudo-terminal's master and runs
 * the case built for every other ABI on the slave, as `script` runs a shell: the child
 * takes the slave as its controlling terminal (setsid, TIOCSCTTY), reads the line the
 * parent types, answers through the terminal (the master reads the echo and the answer,
 * with ONLCR's \r\n), and is interrupted by ^C typed at the master, each side in its
 * own ABI's numbering.
 */
#include <nymph_cross.h>
#include <fcntl.h>
#include <signal.h>

#define SLAVE "/dev/ttyp1"

static int child(const char *role)
{
	if (strcmp(role, "slave") != 0)
		FAIL("unknown role %s", role);
	int fd = open(SLAVE, O_RDWR);
	if (fd < 0 || setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
		_exit(60);
	/* Typing starts once the slave is open (its first open resets the line). */
	dprintf(fd, "ready\n");
	char line[32];
	int n = read(fd, line, sizeof(line) - 1);
	if (n <= 0)
		_exit(61);
	line[n] = 0;
	dprintf(fd, "got:%s", line);
	/* Until ^C. */
	(void)!read(fd, line, sizeof(line));
	_exit(62);
}

/* Reads the master until what came ends with `want`. */
static void read_until(int m, const char *want)
{
	char got[256];
	size_t have = 0, len = strlen(want);
	while (have < len || memcmp(got + have - len, want, len) != 0) {
		CHECK(have < sizeof(got));
		int n = CHECK_OK(read(m, got + have, sizeof(got) - have));
		CHECK(n > 0);
		have += n;
	}
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 1)
		return child(argv[1]);

	/* Descriptor 3 taken, so that the master is one the children do not keep. */
	int pad = CHECK_OK(open("/dev/null", O_RDONLY));
	CHECK(pad <= 3);
	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	for (int i = 0; i < n; i++) {
		int m = CHECK_OK(open("/dev/ptyp1", O_RDWR));
		CHECK(m > 3);
		pid_t pid = nc_spawn(&self, others[i], "slave", "");
		read_until(m, "ready\r\n");
		CHECK_EQ(write(m, "ping\n", 5), 5);
		read_until(m, "ping\r\ngot:ping\r\n");
		CHECK_EQ(write(m, "\003", 1), 1);
		int status;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGINT)
			FAIL("%s child on the slave: status %#x, wanted its death by signal %d",
			     others[i], status, SIGINT);
		CHECK_OK(close(m));
	}
	close(pad);
	PASS();
}
