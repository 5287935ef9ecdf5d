/*
 * Cross-ABI: a pseudo-terminal's slave starts in the modes of the ABI of the process
 * that opened its master, whoever opens the slave first. The column's build opens
 * the master and each other ABI's build opens the slave first and reads its modes:
 * after a FreeBSD 4.x master, 4.x's ttydefaults.h (no ECHOK; IXON where the reader's
 * termios has it), after a native one the native defaults (ECHOK, no IXON).
 */
#include <nymph_cross.h>
#include <fcntl.h>
#include <termios.h>

#define MASTER "/dev/ptyp2"
#define SLAVE "/dev/ttyp2"

static int child(const char *role, const char *master_abi)
{
	if (strcmp(role, "slave") != 0)
		FAIL("unknown role %s", role);
	int fd = open(SLAVE, O_RDWR);
	if (fd < 0)
		_exit(60);
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		_exit(61);
	int fb = nc_is_freebsd(master_abi);
	/* ECHOK: the native defaults have it, 4.x's TTYDEF_LFLAG does not. */
	if (((t.c_lflag & ECHOK) != 0) == fb)
		_exit(62);
	if (!(t.c_lflag & ECHO) || !(t.c_lflag & ICANON) || !(t.c_iflag & ICRNL))
		_exit(63);
#ifdef IXON
	/* 4.x's TTYDEF_IFLAG has IXON, the native defaults do not. */
	if (((t.c_iflag & IXON) != 0) != fb)
		_exit(64);
#endif
	_exit(0);
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 2)
		return child(argv[1], argv[2]);

	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	for (int i = 0; i < n; i++) {
		int m = CHECK_OK(open(MASTER, O_RDWR));
		pid_t pid = nc_spawn(&self, others[i], "slave", self.abi);
		int status;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			FAIL("%s child opening the slave of a %s master: status %#x", others[i],
			     self.abi, status);
		CHECK_OK(close(m));
	}
	PASS();
}
