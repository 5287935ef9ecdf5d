// abi: freebsd4-i386
/*
 * 4.x's procfs, where a 4.x program finds /proc (sys/miscfs/procfs, RELENG_4):
 *  - /proc/curproc names the caller's directory, which has 4.x's entries;
 *  - status is 4.x's one line (comm pid ppid pgid sid tty flags start user system
 *    wmesg euid ruid rgid,groups jail), etype "FreeBSD ELF", cmdline the arguments
 *    each ending in a NUL, rlimit eleven "name cur max" lines (-1 for infinity), file
 *    a link to the image;
 *  - map: one line per run of pages in 4.x's format, read whole from offset 0 (a later
 *    offset reads nothing, a buffer a line does not fit is EFBIG);
 *  - mem: the process's memory at the offset of its address, read and written (EFAULT
 *    where nothing is mapped); dbregs reads the debug registers; note is EOPNOTSUPP;
 *  - stop events as truss(1) drives them: a child sets S_EXEC|S_EXIT and PF_LINGER on
 *    itself and execs; the parent's PIOCWAIT sees S_EXEC, then with S_SCE|S_SCX a
 *    getpid stops at its entry (val = its argument count, eax 20 in regs) and exit
 *    (val = 20, eax the pid), and the exit at S_EXIT with the wait status; PIOCSTATUS
 *    reports a stop, PIOCCONT on a process that is not stopped is EINVAL;
 *  - SIGKILL ends a process stopped at an event, and one whose departed debugger
 *    left S_SIG and S_EXIT set;
 *  - a user's open mem of its child reads and writes nothing (EPERM) once the child
 *    has exec'd a set-uid root image, as 4.x checks CHECKIO at each transfer.
 */
#include <nymph_fb4.h>
#include <dirent.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>

struct reg {
	unsigned int r_fs, r_es, r_ds, r_edi, r_esi, r_ebp, r_isp, r_ebx, r_edx, r_ecx,
		r_eax, r_trapno, r_err, r_eip, r_cs, r_eflags, r_esp, r_ss, r_gs;
};

volatile int global = 0x5eed;

static int read_file(const char *path, char *buf, int size)
{
	int fd = CHECK_OK(open(path, O_RDONLY));
	int n = CHECK_OK((int)read(fd, buf, (size_t)size - 1));
	buf[n] = '\0';
	CHECK_OK(close(fd));
	return n;
}

/* The next space-separated field of *s. */
static char *field(char **s)
{
	char *f = *s;
	char *sp = strchr(f, ' ');
	if (sp) {
		*sp = '\0';
		*s = sp + 1;
	} else {
		*s = f + strlen(f);
	}
	return f;
}

static void own_files(int argc, char **argv)
{
	char buf[4096], path[64];
	int n = CHECK_OK((int)readlink("/proc/curproc", buf, sizeof(buf)));
	buf[n] = '\0';
	CHECK_EQ(atoi(buf), getpid());

	/* The directory's entries. */
	snprintf(path, sizeof(path), "/proc/%d", getpid());
	DIR *d = opendir(path);
	CHECK(d != NULL);
	int seen = 0;
	struct dirent *e;
	static const char *const names[] = {"mem", "regs", "fpregs", "dbregs", "ctl", "status",
		"note", "notepg", "map", "etype", "cmdline", "rlimit", "file"};
	while ((e = readdir(d)) != NULL)
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp((const char *)e->d_name, names[i]) == 0)
				seen |= 1 << i;
	closedir(d);
	CHECK_EQ(seen, (1 << 13) - 1);

	/* status */
	read_file("/proc/curproc/status", buf, sizeof(buf));
	char *s = buf;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	CHECK(strncmp(field(&s), name, 16) == 0);
	CHECK_EQ(atoi(field(&s)), getpid());
	CHECK_EQ(atoi(field(&s)), getppid());
	CHECK_EQ(atoi(field(&s)), getpgrp());
	CHECK_EQ(atoi(field(&s)), getsid(0));
	CHECK(strchr(field(&s), ',') != NULL);
	char *flags = field(&s);
	CHECK(strcmp(flags, "noflags") == 0 || strstr(flags, "ctty") || strstr(flags, "sldr"));
	long start = strtol(field(&s), NULL, 10);
	CHECK(start > 0 && start <= (long)time(NULL));
	CHECK(strchr(field(&s), ',') != NULL); /* user time */
	CHECK(strchr(field(&s), ',') != NULL); /* system time */
	CHECK(strcmp(field(&s), "nochan") == 0);
	CHECK_EQ((uid_t)atoi(field(&s)), geteuid());
	CHECK_EQ((uid_t)atoi(field(&s)), getuid());
	char *groups = field(&s);
	CHECK_EQ((gid_t)atoi(groups), getgid());
	CHECK(strchr(groups, ',') != NULL);
	CHECK(strcmp(s, "-\n") == 0);

	read_file("/proc/curproc/etype", buf, sizeof(buf));
	CHECK(strcmp(buf, "FreeBSD ELF\n") == 0);

	n = read_file("/proc/curproc/cmdline", buf, sizeof(buf));
	int at = 0;
	for (int i = 0; i < argc; i++) {
		CHECK(strcmp(buf + at, argv[i]) == 0);
		at += (int)strlen(argv[i]) + 1;
	}
	CHECK_EQ(n, at);

	read_file("/proc/curproc/rlimit", buf, sizeof(buf));
	CHECK(strncmp(buf, "cpu -1 -1\n", 10) == 0);
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, 11);
	struct rlimit rl = nt_getrlimit(RLIMIT_NOFILE);
	char want[64];
	snprintf(want, sizeof(want), "\nnofile %ld %ld\n", (long)rl.rlim_cur, (long)rl.rlim_max);
	CHECK(strstr(buf, want) != NULL);

	n = CHECK_OK((int)readlink("/proc/curproc/file", buf, sizeof(buf)));
	buf[n] = '\0';
	CHECK(buf[0] == '/');
	CHECK(strcmp(strrchr(buf, '/') + 1, name) == 0);
}

static void map_and_mem(void)
{
	static char buf[16384];
	int fd = CHECK_OK(open("/proc/curproc/map", O_RDONLY));
	int n = CHECK_OK((int)read(fd, buf, sizeof(buf) - 1));
	buf[n] = '\0';
	CHECK_OK(close(fd));
	int data_line = 0, text_line = 0;
	for (char *line = buf; *line;) {
		char *end = strchr(line, '\n');
		CHECK(end != NULL);
		*end = '\0';
		unsigned long lo = strtoul(line, NULL, 16), hi;
		char *p = strchr(line, ' ');
		hi = strtoul(p + 1, NULL, 16);
		CHECK(lo < hi && (lo & 4095) == 0);
		if (lo <= (unsigned long)&global && (unsigned long)&global < hi)
			data_line = strstr(line, " rw") != NULL;
		if (lo <= (unsigned long)map_and_mem && (unsigned long)map_and_mem < hi)
			text_line = strstr(line, " r-x") != NULL;
		line = end + 1;
	}
	CHECK(data_line && text_line);
	fd = CHECK_OK(open("/proc/curproc/map", O_RDONLY));
	char small[16];
	CHECK_ERRNO(read(fd, small, sizeof(small)), EFBIG);
	CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_OK(close(fd));

	fd = CHECK_OK(open("/proc/curproc/mem", O_RDWR));
	int v = 0;
	CHECK_EQ(pread(fd, &v, sizeof(v), (off_t)(unsigned long)&global), sizeof(v));
	CHECK_EQ(v, 0x5eed);
	v = 0x1234;
	CHECK_EQ(pwrite(fd, &v, sizeof(v), (off_t)(unsigned long)&global), sizeof(v));
	CHECK_EQ(global, 0x1234);
	CHECK_ERRNO(pread(fd, &v, sizeof(v), 0x1000), EFAULT);
	CHECK_OK(close(fd));

	unsigned int db[8];
	fd = CHECK_OK(open("/proc/curproc/dbregs", O_RDONLY));
	CHECK_EQ(read(fd, db, sizeof(db)), 32);
	CHECK_EQ(db[7], 0);
	CHECK_OK(close(fd));

	fd = CHECK_OK(open("/proc/curproc/note", O_WRONLY));
	CHECK_ERRNO(write(fd, "hup", 3), EOPNOTSUPP);
	CHECK_OK(close(fd));
}

static struct procfs_status wait_stop(int fd)
{
	struct procfs_status ps;
	memset(&ps, 0, sizeof(ps));
	CHECK_OK(ioctl(fd, PIOCWAIT, &ps));
	CHECK_EQ(ps.state, 1);
	return ps;
}

static struct reg regs_of(pid_t pid)
{
	char path[64];
	struct reg r;
	snprintf(path, sizeof(path), "/proc/%d/regs", (int)pid);
	int fd = CHECK_OK(open(path, O_RDONLY));
	CHECK_EQ(read(fd, &r, sizeof(r)), (ssize_t)sizeof(r));
	CHECK_OK(close(fd));
	return r;
}

/* What the traced image does: getpid, then exit 5. */
static void traced(void)
{
	(void)getpid();
	_exit(5);
}

static void stop_events(const char *self)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		int fd = open("/proc/curproc/mem", O_WRONLY);
		if (fd < 0 || ioctl(fd, PIOCBIS, S_EXEC | S_EXIT) != 0 ||
		    ioctl(fd, PIOCSFL, PF_LINGER) != 0 || fcntl(fd, F_SETFD, 1) != 0)
			_exit(2);
		char *args[] = {(char *)self, "traced", NULL};
		execv(self, args);
		_exit(4);
	}
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = CHECK_OK(open(path, O_RDWR));
	struct procfs_status ps = wait_stop(fd);
	CHECK_EQ(ps.why, S_EXEC);
	CHECK_EQ(ps.events, S_EXEC | S_EXIT);
	unsigned int fl = 9;
	CHECK_OK(ioctl(fd, PIOCGFL, &fl));
	CHECK_EQ(fl, PF_LINGER);
	snprintf(path, sizeof(path), "/proc/%d/etype", (int)pid);
	read_file(path, buf, sizeof(buf));
	CHECK(strcmp(buf, "FreeBSD ELF\n") == 0);
	struct procfs_status now;
	CHECK_OK(ioctl(fd, PIOCSTATUS, &now));
	CHECK_EQ(now.state, 0);
	CHECK_EQ(now.why, S_EXEC);
	CHECK_OK(ioctl(fd, PIOCBIS, S_SCE | S_SCX));
	CHECK_OK(ioctl(fd, PIOCSFL, 0));
	CHECK_OK(ioctl(fd, PIOCCONT, 0));
	int entered = 0, returned = 0, exited = 0;
	for (int stops = 0; !exited; stops++) {
		CHECK(stops < 10000);
		ps = wait_stop(fd);
		struct reg r = regs_of(pid);
		if (ps.why == S_SCE && r.r_eax == 20) {
			CHECK_EQ(ps.val, 0);
			entered++;
		} else if (ps.why == S_SCX && ps.val == 20) {
			CHECK_EQ(entered, 1);
			CHECK_EQ(r.r_eax, (unsigned)pid);
			CHECK_EQ(r.r_eflags & 1, 0);
			returned++;
		} else if (ps.why == S_EXIT) {
			CHECK_EQ(ps.val, 5 << 8);
			exited = 1;
		} else {
			CHECK(ps.why == S_SCE || ps.why == S_SCX);
		}
		CHECK_OK(ioctl(fd, PIOCCONT, 0));
	}
	CHECK_EQ(entered, 1);
	CHECK_EQ(returned, 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	CHECK_OK(close(fd));

	/* Events set through another of its files (ctl) outlive that file's close: the
	 * child stops at its next call and stays; SIGKILL still ends it. */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		for (;;)
			(void)getppid();
	}
	snprintf(path, sizeof(path), "/proc/%d/ctl", (int)pid);
	fd = CHECK_OK(open(path, O_WRONLY));
	CHECK_OK(ioctl(fd, PIOCBIS, S_SCE));
	CHECK_OK(close(fd));
	struct timespec nap = {0, 100 * 1000 * 1000};
	nanosleep(&nap, NULL);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = CHECK_OK(open(path, O_RDONLY));
	CHECK_OK(ioctl(fd, PIOCSTATUS, &now));
	CHECK_EQ(now.state, 0);
	CHECK_EQ(now.why, S_SCE);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_OK(close(fd));

	/* A debugger that left S_SIG (with PF_LINGER) behind: one SIGKILL still ends the
	 * process (its own S_SIG and S_EXIT are not stops). */
	pid = CHECK_OK(fork());
	if (pid == 0) {
		for (;;)
			nanosleep(&nap, NULL);
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = CHECK_OK(open(path, O_RDWR));
	CHECK_OK(ioctl(fd, PIOCBIS, S_SIG | S_EXIT));
	CHECK_OK(ioctl(fd, PIOCSFL, PF_LINGER));
	CHECK_OK(close(fd));
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* PIOCCONT on a process that is not stopped. */
	fd = CHECK_OK(open("/proc/curproc/mem", O_RDWR));
	CHECK_ERRNO(ioctl(fd, PIOCCONT, 0), EINVAL);
	CHECK_OK(close(fd));
}

/* What the set-id copy does: nothing for a while, then exit 0. */
static void victim(void)
{
	struct timespec nap = {1, 0};
	nanosleep(&nap, NULL);
	_exit(0);
}

/* An open mem stops reaching its process once the process execs a set-id image (4.x
 * checks CHECKIO, which refuses P_SUGID, at each transfer): a user's descriptor on its
 * own child's memory reads and writes nothing after the child becomes root's. */
static void setid_exec_ends_access(const char *self)
{
	char copy[160], cwd[128];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(copy, sizeof(copy), "%s/suid_root", cwd);
	int in = CHECK_OK(open(self, O_RDONLY));
	int out = CHECK_OK(open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0700));
	static char buf[8192];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK_EQ(write(out, buf, (size_t)n), n);
	CHECK_OK(close(in));
	CHECK_OK(close(out));
	CHECK_OK(chmod(copy, 04755));
	pid_t user = CHECK_OK(fork());
	if (user == 0) {
		/* A user's own process (an exec after setuid leaves no P_SUGID). */
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(9);
		char *args[] = {(char *)self, "attacker", copy, NULL};
		execv(self, args);
		_exit(10);
	}
	int status;
	CHECK_EQ(waitpid(user, &status, 0), user);
	CHECK_CHILD_OK(status);
	CHECK_OK(unlink(copy));
}

/* The user's side of setid_exec_ends_access. */
static void attacker(const char *copy)
{
	{
		int go[2];
		if (pipe(go) != 0)
			_exit(10);
		pid_t child = fork();
		if (child == 0) {
			char c;
			close(go[1]);
			read(go[0], &c, 1);
			char *args[] = {"suid_root", "victim", NULL};
			execv(copy, args);
			_exit(11);
		}
		close(go[0]);
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)child);
		int fd = open(path, O_RDWR);
		if (fd < 0)
			_exit(12);
		int v = 0;
		if (pread(fd, &v, sizeof(v), (off_t)(unsigned long)&global) != sizeof(v))
			_exit(13);
		write(go[1], "x", 1);
		struct timespec nap = {0, 300 * 1000 * 1000};
		nanosleep(&nap, NULL);
		/* Root's now: neither the old descriptor nor a new open reaches it. */
		if (pread(fd, &v, sizeof(v), (off_t)(unsigned long)&global) != -1 || errno != EPERM)
			_exit(14);
		v = 0x666;
		if (pwrite(fd, &v, sizeof(v), (off_t)(unsigned long)&global) != -1 || errno != EPERM)
			_exit(15);
		if (open(path, O_RDWR) != -1 || errno != EPERM)
			_exit(16);
		int status;
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			_exit(17);
		_exit(0);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "traced") == 0)
		traced();
	if (argc > 1 && strcmp(argv[1], "victim") == 0)
		victim();
	if (argc > 2 && strcmp(argv[1], "attacker") == 0)
		attacker(argv[2]);
	own_files(argc, argv);
	map_and_mem();
	stop_events(argv[0]);
	nt_scratch_dir("fb4_procfs");
	setid_exec_ends_access(argv[0]);
	PASS();
}
