// abi: freebsd4-i386
/*
 * jail (338) as RELENG_4's kern_jail.c does it, and what a prisoner sees differently:
 *  - jail's checks in kern_jail.c's order: EINVAL for a version other than 0 (before
 *    the host name is read), EFAULT for a bad struct or host name, ENAMETOOLONG for a
 *    host name of 256 bytes, chroot's ENOENT and ENOTDIR; a prisoner's second jail is
 *    EPERM (plain suser refuses a jailed root);
 *  - the root is the jail directory (a file made there before is at /), and ".." never
 *    climbs above it, even from a working directory left outside a deeper chroot
 *    (fd_jdir); that chroot itself is allowed (PRISON_ROOT);
 *  - kern.hostname, uname's nodename and ogethostname give the prison's name, which a
 *    jailed root may set (CTLFLAG_PRISON, jail.set_hostname_allowed 1) without
 *    touching the system's; kern.domainname and jail.* are not CTLFLAG_PRISON: EPERM;
 *  - other processes: a procfs mounted in the jail lists and finds only the prison's
 *    members (procfs_vnops.c); kill of the parent or an outsider EPERM (CANSIGNAL), except
 *    SIGCONT within the session; getpriority/setpriority ESRCH; PT_ATTACH ESRCH;
 *    ktrace of an outsider EPERM (ktrcanset); a child forked in the prison is seen
 *    and signalled;
 *  - root: settimeofday, osethostid, mknod of a device EPERM; chown and a raised
 *    rlimit work (PRISON_ROOT);
 *  - sockets: AF_INET6 EPROTONOSUPPORT; a UDP bind to INADDR_ANY and a port is the
 *    prison's 127.0.0.2 (getsockname), to 127.0.0.1 EINVAL; a datagram sent to
 *    127.0.0.1 reaches the prison's address, from the prison's address; a socket
 *    bound to INADDR_ANY with port 0 (which stays the wildcard) sends from the
 *    prison's address and stays the wildcard (udp_output's temporary connect), and
 *    connect makes the prison's address its own with the port it had (in_pcbconnect,
 *    prison_ip): getsockname, the UDP peer's source, a TCP peer's getpeername;
 *  - SysV IPC ENOSYS while jail.sysvipc_allowed is 0, and works at 1; with
 *    jail.set_hostname_allowed 0 a prisoner's sethostname is EPERM;
 *  - outside, after the child: the host name is unchanged, the outsider is signalled.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct jail4 {
	uint32_t version;
	const char *path;
	const char *hostname;
	uint32_t ip_number;
};

enum { AF_INET6_4X = 28, PRIO_PROCESS_4X = 0, IPC_RMID_4X = 0, PORT = 7301 };
static const uint32_t PRISON_IP = 0x7f000002;

static void host_name(char *buf, size_t room)
{
	int mib[2] = {1, 10};
	size_t len = room;
	CHECK_OK(sysctl(mib, 2, buf, &len, NULL, 0));
	CHECK_EQ(len, strlen(buf) + 1);
}

static int knob(int which)
{
	int mib[2] = {256, which}, v = -1;
	size_t len = sizeof(v);
	CHECK_OK(sysctl(mib, 2, &v, &len, NULL, 0));
	CHECK_EQ(len, sizeof(v));
	return v;
}

static void set_knob(int which, int v)
{
	int mib[2] = {256, which};
	CHECK_OK(sysctl(mib, 2, NULL, NULL, &v, sizeof(v)));
}

static void touch(const char *path)
{
	int fd = CHECK_OK(open(path, O_CREAT | O_WRONLY, 0644));
	CHECK_OK(close(fd));
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Jails the calling child into jroot as "prison.example" at 127.0.0.2. */
static void jail_here(void)
{
	struct jail4 j = {0, "jroot", "prison.example", PRISON_IP};
	CHECK_OK(__sys_jail(&j));
}

static void prisoner(pid_t parent, pid_t outsider)
{
	struct jail4 j = {1, "jroot", (const char *)1, PRISON_IP};
	char buf[300];
	struct stat st;

	/* jail's errors, in its order. */
	CHECK_ERRNO(__sys_jail(&j), EINVAL);
	CHECK_ERRNO(__sys_jail((void *)1), EFAULT);
	j.version = 0;
	CHECK_ERRNO(__sys_jail(&j), EFAULT);
	memset(buf, 'h', 256);
	buf[256] = 0;
	j.hostname = buf;
	CHECK_ERRNO(__sys_jail(&j), ENAMETOOLONG);
	buf[255] = 0;
	j.path = "no-such-dir";
	CHECK_ERRNO(__sys_jail(&j), ENOENT);
	j.path = "outside";
	CHECK_ERRNO(__sys_jail(&j), ENOTDIR);
	host_name(buf, sizeof(buf));
	CHECK(strcmp(buf, "prison.example") != 0);

	jail_here();
	CHECK_ERRNO(__sys_jail(&j), EPERM);

	/* The root is the jail directory; ".." stays there. */
	CHECK_OK(stat("/marker", &st));
	CHECK_OK(chdir("/"));
	CHECK_OK(chdir("../.."));
	CHECK_OK(stat("marker", &st));
	CHECK(!exists("outside"));

	/* The procfs mounted in the jail lists and finds the prison's members only. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)getpid());
	CHECK(exists(path));
	snprintf(path, sizeof(path), "/proc/%d", (int)outsider);
	CHECK(!exists(path));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)parent);
	CHECK(!exists(path));
	char mine[16], theirs[16], others[16];
	snprintf(mine, sizeof(mine), "%d", (int)getpid());
	snprintf(theirs, sizeof(theirs), "%d", (int)outsider);
	snprintf(others, sizeof(others), "%d", (int)parent);
	DIR *d = opendir("/proc");
	CHECK(d != NULL);
	int listed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *n = (const char *)e->d_name;
		CHECK(strcmp(n, theirs) != 0 && strcmp(n, others) != 0);
		listed += strcmp(n, mine) == 0;
	}
	CHECK_OK(closedir(d));
	CHECK_EQ(listed, 1);
	CHECK_OK(chdir("/proc"));
	CHECK_OK(chdir(mine));
	CHECK_ERRNO(chdir(theirs), ENOENT);
	CHECK_OK(chdir("/"));

	/* A deeper chroot: the working directory stays at the jail directory, outside the
	 * new root, and ".." from it still goes nowhere. */
	CHECK_OK(chroot("/inner"));
	CHECK(exists("/deep"));
	CHECK(!exists("/marker"));
	CHECK_OK(stat("marker", &st));
	CHECK_OK(stat("../../marker", &st));
	CHECK(!exists("../outside"));
	CHECK_OK(chdir(".."));
	CHECK_OK(stat("marker", &st));

	/* The host name is the prison's, and a jailed root sets it. */
	host_name(buf, sizeof(buf));
	CHECK_EQ(strcmp(buf, "prison.example"), 0);
	char uts[5][32];
	CHECK_OK(__sys_uname(uts));
	CHECK_EQ(strcmp(uts[1], "prison.example"), 0);
	memset(buf, 'x', sizeof(buf));
	CHECK_OK(__sys_ogethostname(buf, sizeof(buf)));
	CHECK_EQ(strcmp(buf, "prison.example"), 0);
	int hn[2] = {1, 10};
	CHECK_OK(sysctl(hn, 2, NULL, NULL, "cell7", 6));
	host_name(buf, sizeof(buf));
	CHECK_EQ(strcmp(buf, "cell7"), 0);
	int dm[2] = {1, 22};
	CHECK_ERRNO(sysctl(dm, 2, NULL, NULL, "x", 2), EPERM);
	int one = 1, jk[2] = {256, 258};
	CHECK_ERRNO(sysctl(jk, 2, NULL, NULL, &one, sizeof(one)), EPERM);
	CHECK_EQ(knob(258), 0);

	/* Processes outside are out of reach, SIGCONT in the session aside. */
	CHECK_ERRNO(__sys_kill(parent, 0), EPERM);
	CHECK_ERRNO(__sys_kill(outsider, SIGTERM), EPERM);
	CHECK_OK(__sys_kill(parent, SIGCONT));
	CHECK_ERRNO(__sys_getpriority(PRIO_PROCESS_4X, outsider), ESRCH);
	CHECK_ERRNO(__sys_setpriority(PRIO_PROCESS_4X, parent, 0), ESRCH);
	CHECK_ERRNO(__sys_ptrace(PT_ATTACH, outsider, NULL, 0), ESRCH);
	/* ktrace: KTROP_SET (0) of KTR_SYSCALL (1 << 1); ktrcanset's PRISON_CHECK. */
	CHECK_ERRNO(__sys_ktrace("marker", 0, 1 << 1, outsider), EPERM);
	CHECK_ERRNO(__sys_kill(-1, 0), ESRCH);
	/* A fellow prisoner is in reach. It waits until we have looked: had it exited
	 * first (a tick during fork can run it before us), kill would rightly find no
	 * live process (ESRCH, as 4.x's pfind skips zombies). */
	int go[2];
	CHECK_OK(pipe(go));
	pid_t inmate = CHECK_OK(fork());
	if (inmate == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		host_name(buf, sizeof(buf));
		_exit(strcmp(buf, "cell7") == 0 ? 0 : 1);
	}
	close(go[0]);
	CHECK_OK(__sys_kill(inmate, 0));
	CHECK_OK(__sys_getpriority(PRIO_PROCESS_4X, inmate));
	CHECK_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	int status;
	CHECK_EQ(waitpid(inmate, &status, 0), inmate);
	CHECK_CHILD_OK(status);

	/* Root's powers: those of plain suser are gone, PRISON_ROOT's kept. */
	struct timeval tv = {1, 0};
	CHECK_ERRNO(__sys_settimeofday(&tv, NULL), EPERM);
	CHECK_ERRNO(__sys_osethostid(5), EPERM);
	CHECK_ERRNO(__sys_mknod("dev", S_IFCHR | 0600, 0), EPERM);
	CHECK_OK(__sys_chown("marker", 1000, 1000));
	CHECK_OK(stat("marker", &st));
	CHECK_EQ(st.st_uid, 1000);
	struct rlimit rl = nt_getrlimit(RLIMIT_NOFILE);
	rl.rlim_cur = rl.rlim_max = rl.rlim_max - 1;
	CHECK_OK(__sys_setrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_max += 1;
	CHECK_OK(__sys_setrlimit(RLIMIT_NOFILE, &rl));

	/* Sockets: the families, and the prison's address. */
	CHECK_ERRNO(__sys_socket(AF_INET6_4X, SOCK_STREAM, 0), EPROTONOSUPPORT);
	int un = CHECK_OK(__sys_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK_OK(close(un));
	struct sockaddr_in sin;
	unsigned char name[16], from[16];
	int len, flen;
	int srv = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_ERRNO(__sys_bind(srv, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT)), EINVAL);
	CHECK_OK(__sys_bind(srv, &sin, nt_sockaddr_in(&sin, INADDR_ANY, PORT)));
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(srv, name, &len));
	nt_check_sin(name, len, PRISON_IP, PORT);
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT);
	CHECK_EQ(__sys_sendto(cl, "in", 2, 0, &sin, sizeof(sin)), 2);
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(cl, name, &len));
	nt_check_sin(name, len, PRISON_IP, nt_port_of(name));
	flen = sizeof(from);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, from, &flen), 2);
	nt_check_sin(from, flen, PRISON_IP, nt_port_of(name));
	/* A socket bound to the wildcard keeps it, and is the prison's when it talks. */
	int wild = CHECK_OK(__sys_socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_OK(__sys_bind(wild, &sin, nt_sockaddr_in(&sin, INADDR_ANY, 0)));
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(wild, name, &len));
	int wport = nt_port_of(name);
	nt_check_sin(name, len, INADDR_ANY, wport);
	nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT);
	CHECK_EQ(__sys_sendto(wild, "wa", 2, 0, &sin, sizeof(sin)), 2);
	flen = sizeof(from);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, from, &flen), 2);
	nt_check_sin(from, flen, PRISON_IP, wport);
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(wild, name, &len));
	nt_check_sin(name, len, INADDR_ANY, wport);
	CHECK_OK(__sys_connect(wild, &sin, sizeof(sin)));
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(wild, name, &len));
	nt_check_sin(name, len, PRISON_IP, wport);
	CHECK_EQ(write(wild, "wb", 2), 2);
	flen = sizeof(from);
	CHECK_EQ(__sys_recvfrom(srv, buf, sizeof(buf), 0, from, &flen), 2);
	nt_check_sin(from, flen, PRISON_IP, wport);
	/* The same for TCP: the listener sees the prison's address as its peer. */
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_ANY, PORT + 1)));
	CHECK_OK(__sys_listen(lst, 1));
	int tc = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(tc, &sin, nt_sockaddr_in(&sin, INADDR_ANY, 0)));
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(tc, name, &len));
	wport = nt_port_of(name);
	CHECK_OK(__sys_connect(tc, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, PORT + 1)));
	len = sizeof(name);
	CHECK_OK(__sys_getsockname(tc, name, &len));
	nt_check_sin(name, len, PRISON_IP, wport);
	flen = sizeof(from);
	int acc = CHECK_OK(__sys_accept(lst, from, &flen));
	nt_check_sin(from, flen, PRISON_IP, wport);
	len = sizeof(name);
	CHECK_OK(__sys_getpeername(acc, name, &len));
	nt_check_sin(name, len, PRISON_IP, wport);

	/* SysV IPC is off by default. */
	CHECK_ERRNO(__sys_msgget(IPC_PRIVATE, 0600), ENOSYS);
	_exit(0);
}

int main(void)
{
	char before[300], buf[300];
	int status;

	nt_scratch_dir("fb4_jail");
	CHECK_OK(mkdir("jroot", 0755));
	CHECK_OK(mkdir("jroot/inner", 0755));
	CHECK_OK(mkdir("jroot/inner/deep", 0755));
	CHECK_OK(mkdir("jroot/proc", 0555));
	touch("jroot/marker");
	touch("outside");
	CHECK_OK(__sys_mount("procfs", "jroot/proc", 0, NULL));
	host_name(before, sizeof(before));

	/* The knobs and their defaults (kern_jail.c). */
	CHECK_EQ(knob(256), 1);
	CHECK_EQ(knob(257), 1);
	CHECK_EQ(knob(258), 0);

	pid_t parent = getpid();
	pid_t outsider = CHECK_OK(fork());
	if (outsider == 0) {
		sigset_t none;
		sigemptyset(&none);
		for (;;)
			sigsuspend(&none);
	}
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		prisoner(parent, outsider);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* Outside: nothing changed for us. */
	host_name(buf, sizeof(buf));
	CHECK_EQ(strcmp(buf, before), 0);
	CHECK_OK(__sys_getpriority(PRIO_PROCESS_4X, outsider));
	CHECK_OK(__sys_kill(outsider, SIGTERM));
	CHECK_EQ(waitpid(outsider, &status, 0), outsider);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

	/* The knobs at work: SysV IPC allowed, host names refused. */
	set_knob(258, 1);
	set_knob(256, 0);
	child = CHECK_OK(fork());
	if (child == 0) {
		jail_here();
		int q = CHECK_OK(__sys_msgget(IPC_PRIVATE, 0600));
		CHECK_OK(__sys_msgctl(q, IPC_RMID_4X, NULL));
		int hn[2] = {1, 10};
		CHECK_ERRNO(sysctl(hn, 2, NULL, NULL, "y", 2), EPERM);
		CHECK_ERRNO(__sys_osethostname("y", 1), EPERM);
		host_name(buf, sizeof(buf));
		CHECK_EQ(strcmp(buf, "prison.example"), 0);
		_exit(0);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	set_knob(258, 0);
	set_knob(256, 1);
	CHECK_EQ(knob(256), 1);
	CHECK_EQ(knob(258), 0);
	CHECK_OK(__sys_unmount("jroot/proc", 0));
	PASS();
}
