/*
 * Cross-ABI: a prison belongs to the core, not to FreeBSD-4. A 4.x process jails
 * itself (path "/", host name "cross.jail", 127.0.0.3) and execs this case as built
 * for a native ABI, which sees the prison in its own terms: uname's nodename is the
 * prison's; its parent, outside, is still its parent (getppid) but cannot be signalled
 * (EPERM), nor can init; /proc lists no process outside the prison; a device node is
 * beyond a jailed root (mknod EPERM) while a FIFO is not. In a native column the
 * child execs the FreeBSD-4 build to jail itself and comes back into the column's own
 * ABI; in the FreeBSD-4 column it jails itself and execs each native build.
 */
#include <nymph_cross.h>
#include <signal.h>
#include <sys/wait.h>

#define HOST "cross.jail"

/* The checks, in a native build inside the prison: 0, or which one failed. */
static int jailed(pid_t outsider)
{
	struct utsname u;
	if (uname(&u) != 0 || strcmp((const char *)u.nodename, HOST) != 0)
		return 60;
	if (getppid() != outsider)
		return 61;
	if (kill(outsider, 0) != -1 || errno != EPERM)
		return 62;
	if (kill(1, 0) != -1 || errno != EPERM)
		return 63;
	if (kill(getpid(), 0) != 0)
		return 64;
	DIR *d = opendir("/proc");
	if (!d)
		return 65;
	struct dirent *e;
	int mine = 0;
	while ((e = readdir(d)) != NULL) {
		const char *name = (const char *)e->d_name;
		if (name[0] < '0' || name[0] > '9')
			continue;
		if (atoi(name) != getpid())
			return 66;
		mine++;
	}
	closedir(d);
	if (mine != 1)
		return 67;
	if (mknod("/tmp/cross_jail.dev", S_IFCHR | 0600, 0x0103) != -1 || errno != EPERM)
		return 68;
	if (mknod("/tmp/cross_jail.fifo", S_IFIFO | 0600, 0) != 0)
		return 69;
	unlink("/tmp/cross_jail.fifo");
	return 0;
}

/* FreeBSD-4 only: jails the calling process, then execs /abi/<abi>/<case> jailed. */
static void jail_and_exec(const struct nc_self *self, const char *abi, pid_t outsider)
{
#ifdef __FreeBSD_version
	struct jail j = {0, "/", HOST, 0x7f000003};
	if (__sys_jail(&j) != 0)
		_exit(70);
	char path[192], pid[16];
	snprintf(path, sizeof(path), "/abi/%s/%s", abi, self->case_);
	snprintf(pid, sizeof(pid), "%d", outsider);
	char *args[] = {path, "jailed", pid, NULL};
	execve(path, args, environ);
	_exit(71);
#else
	(void)self;
	(void)abi;
	(void)outsider;
	_exit(72);
#endif
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 2 && strcmp(argv[1], "jailed") == 0)
		return jailed(atoi(argv[2]));
	if (argc > 2 && strcmp(argv[1], "jail") == 0) {
		/* "<abi>:<outsider pid>" */
		char abi[64];
		snprintf(abi, sizeof(abi), "%s", argv[2]);
		char *colon = strchr(abi, ':');
		if (!colon)
			_exit(73);
		*colon = 0;
		jail_and_exec(&self, abi, atoi(colon + 1));
	}

	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	int checked = 0;
	for (int i = 0; i < n; i++) {
		const char *other = others[i];
		pid_t pid;
		if (nc_is_freebsd(self.abi) && !nc_is_freebsd(other)) {
			/* Jail here, exec the native build. */
			pid = CHECK_OK(fork());
			if (pid == 0)
				jail_and_exec(&self, other, getppid());
		} else if (!nc_is_freebsd(self.abi) && nc_is_freebsd(other)) {
			/* The FreeBSD-4 build jails itself and comes back into this ABI. */
			char arg[96];
			snprintf(arg, sizeof(arg), "%s:%d", self.abi, getpid());
			pid = nc_spawn(&self, other, "jail", arg);
		} else {
			continue;
		}
		NC_EXPECT_EXIT(pid, 0, "a prisoner across ABIs");
		checked++;
		/* Outside, nothing changed: the host name is the system's, init is seen. */
		struct utsname u;
		CHECK_OK(uname(&u));
		CHECK(strcmp((const char *)u.nodename, HOST) != 0);
		CHECK_OK(kill(1, 0));
	}
	if (checked == 0)
		SKIP("no FreeBSD-4 and native pair of builds in the image");
	PASS();
}
