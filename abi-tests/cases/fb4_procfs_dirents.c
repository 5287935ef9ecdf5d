// abi: freebsd4-i386
/*
 * getdirentries(2) of 4.x's procfs, byte for byte as 4.x's procfs_readdir gives it
 * (sys/miscfs/procfs/procfs_vnops.c 1.76.2.7, procfs.h 1.32.2.3):
 *  - every record is 20 bytes (GENERIC_DIRSIZ of an 8-byte name), d_reclen 20;
 *  - d_fileno is PROCFS_FILENO: 2 for the root ("." and ".." of it, and ".." of a
 *    process's directory), 3 for curproc, ((pid + 1) << 4) + type for a process's
 *    nodes (its directory 2, file 3, mem 4 ... rlimit 15);
 *  - the root lists ".", "..", "curproc" (DT_LNK) and then the live processes, the
 *    newest first (allproc), zombies left out; its records are zeroed past the name;
 *  - a process's directory lists its fifteen entries in 4.x's order, each record
 *    written over the last one, so past a shorter name's NUL is the previous name's
 *    rest; the directory of a zombie lists nothing, and lookup does not find it;
 *  - the offset counts 20-byte slots: a buffer under 20 bytes or an offset not a
 *    multiple of 20 is EINVAL; a read at the end gives 0 and leaves the offset; a
 *    fault at a record leaves the offset at it (EFAULT);
 *  - a read starting past slot 0 walks allproc from its head as many steps as its
 *    slot number, so the root read a few records at a time skips processes (3 once
 *    past "curproc"), as 4.x's does;
 *  - stat's st_ino is the record's d_fileno;
 *  - getdents gives the same records; ogetdirentries the same with d_namlen widened;
 *  - opendir/readdir see the same names.
 */
#include <nymph_fb4.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define DELEN 20
#define MAXREC 512

static unsigned char all[MAXREC * DELEN];
static int nall; /* records in `all`, the root read whole */

static unsigned fileno_of(int pid, int type) { return ((unsigned)pid + 1) * 16 + (unsigned)type; }

/* Checks the header of record `r` and its name through the NUL. */
static void check_head(const unsigned char *r, unsigned fileno, int type, const char *name)
{
	size_t len = strlen(name);
	CHECK_EQ(nt_word(r, 0), fileno);
	CHECK_EQ(r[4] | r[5] << 8, DELEN);
	CHECK_EQ(r[6], type);
	CHECK_EQ(r[7], (int)len);
	CHECK(memcmp(r + 8, name, len + 1) == 0);
}

/* A root record: its head and zeros after the name. */
static void check_root_record(const unsigned char *r, unsigned fileno, int type, const char *name)
{
	check_head(r, fileno, type, name);
	for (size_t i = 8 + strlen(name) + 1; i < DELEN; i++)
		CHECK_EQ(r[i], 0);
}

static int read_all(int fd, unsigned char *buf, int size, long *base)
{
	return CHECK_OK(__sys_getdirentries(fd, (char *)buf, (unsigned)size, base));
}

/* Slot of `pid` in the whole listing, or -1. */
static int slot_of(int pid)
{
	char name[16];
	snprintf(name, sizeof name, "%d", pid);
	for (int i = 3; i < nall; i++)
		if (strcmp((const char *)all + i * DELEN + 8, name) == 0)
			return i;
	return -1;
}

/* A child that waits until killed (or its parent, failing, is gone). */
static pid_t sleeper(void)
{
	pid_t parent = getpid();
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		while (getppid() == parent)
			sleep(1);
		_exit(0);
	}
	return pid;
}

static volatile int chld;
static void on_chld(int sig)
{
	(void)sig;
	chld = 1;
}

int main(void)
{
	static const struct {
		const char *name;
		int type, dt;
	} targets[15] = {
		{".", 2, DT_DIR},       {"..", 0, DT_DIR},     {"mem", 4, DT_REG},
		{"regs", 5, DT_REG},    {"fpregs", 6, DT_REG}, {"dbregs", 7, DT_REG},
		{"ctl", 8, DT_REG},     {"status", 9, DT_REG}, {"note", 10, DT_REG},
		{"notepg", 11, DT_REG}, {"map", 12, DT_REG},   {"etype", 13, DT_REG},
		{"cmdline", 14, DT_REG}, {"rlimit", 15, DT_REG}, {"file", 3, DT_LNK},
	};
	/* Five children made in turn, the last the newest: enough processes for the
	 * skips below. */
	pid_t kids[5];
	for (int k = 0; k < 5; k++)
		kids[k] = sleeper();

	/* ---- the root, whole ---- */
	int root = CHECK_OK(open("/proc", O_RDONLY));
	long base = -1;
	int n = read_all(root, all, sizeof all, &base);
	CHECK_EQ(base, 0);
	CHECK(n % DELEN == 0);
	nall = n / DELEN;
	CHECK(nall >= 3 + 6);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), n);
	check_root_record(all, 2, DT_DIR, ".");
	check_root_record(all + DELEN, 2, DT_DIR, "..");
	check_root_record(all + 2 * DELEN, 3, DT_LNK, "curproc");
	for (int i = 3; i < nall; i++) {
		const unsigned char *r = all + i * DELEN;
		int pid = atoi((const char *)r + 8);
		char name[16];
		snprintf(name, sizeof name, "%d", pid);
		check_root_record(r, fileno_of(pid, 2), DT_DIR, name);
	}
	/* Newest first: the children from the last made, then this process (the
	 * runner may start a process of its own among them). */
	int me = slot_of(getpid());
	CHECK(me > 0);
	for (int k = 0; k < 5; k++)
		CHECK(slot_of(kids[k]) > 0 && slot_of(kids[k]) < (k ? slot_of(kids[k - 1]) : me));
	/* At the end: nothing, the offset where it was, *basep it. */
	long base2 = -1;
	CHECK_EQ(read_all(root, all + n, DELEN, &base2), 0);
	CHECK_EQ(base2, n);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), n);

	/* ---- short buffers and odd offsets ---- */
	unsigned char buf[4096];
	CHECK_OK(lseek(root, 0, SEEK_SET));
	CHECK_ERRNO(__sys_getdirentries(root, (char *)buf, DELEN - 1, &base), EINVAL);
	CHECK_ERRNO(__sys_getdirentries(root, (char *)buf, 0, &base), EINVAL);
	CHECK_EQ(read_all(root, buf, DELEN + DELEN - 1, &base), DELEN);
	CHECK(memcmp(buf, all, DELEN) == 0);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), DELEN);
	CHECK_EQ(lseek(root, 10, SEEK_SET), 10);
	CHECK_ERRNO(__sys_getdirentries(root, (char *)buf, sizeof buf, &base), EINVAL);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), 10);
	CHECK_EQ(lseek(root, 4L * DELEN + 4096L * DELEN, SEEK_SET), 4L * DELEN + 4096L * DELEN);
	CHECK_EQ(read_all(root, buf, sizeof buf, &base), 0);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), 4L * DELEN + 4096L * DELEN);

	/* ---- resuming: 4.x's walk from allproc's head ---- */
	/* One record at a time: ".", "..", "curproc", then the process at allproc's
	 * index 3 (slot 6 of the whole listing), not index 0. */
	CHECK_OK(lseek(root, 0, SEEK_SET));
	for (int s = 0; s < 4; s++) {
		CHECK_EQ(read_all(root, buf, DELEN, &base), DELEN);
		CHECK_EQ(base, s * DELEN);
		CHECK(memcmp(buf, all + (s < 3 ? s : 6) * DELEN, DELEN) == 0);
	}
	CHECK_EQ(lseek(root, 0, SEEK_CUR), 4 * DELEN);
	/* Five, then the rest: the second read starts at allproc's index 5 (slot 8). */
	CHECK_OK(lseek(root, 0, SEEK_SET));
	CHECK_EQ(read_all(root, buf, 5 * DELEN, &base), 5 * DELEN);
	CHECK(memcmp(buf, all, 5 * DELEN) == 0);
	n = read_all(root, buf, sizeof buf, &base);
	CHECK_EQ(base, 5 * DELEN);
	CHECK_EQ(n, (nall - 8) * DELEN);
	CHECK(memcmp(buf, all + 8 * DELEN, (size_t)n) == 0);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), 5 * DELEN + n);
	/* From slot 1: "..", "curproc", then index 1 (slot 4). */
	CHECK_OK(lseek(root, DELEN, SEEK_SET));
	CHECK_EQ(read_all(root, buf, 3 * DELEN, &base), 3 * DELEN);
	CHECK(memcmp(buf, all + DELEN, 2 * DELEN) == 0);
	CHECK(memcmp(buf + 2 * DELEN, all + 4 * DELEN, DELEN) == 0);

	/* ---- a fault at a record: the ones before it copied, the offset at it ---- */
	unsigned char *page = nt_page_before_hole();
	CHECK_OK(lseek(root, 0, SEEK_SET));
	CHECK_ERRNO(__sys_getdirentries(root, (char *)page + 4096 - 2 * DELEN - 4, 3 * DELEN, &base),
		    EFAULT);
	CHECK(memcmp(page + 4096 - 2 * DELEN - 4, all, 2 * DELEN) == 0);
	CHECK_EQ(lseek(root, 0, SEEK_CUR), 2 * DELEN);

	/* ---- getdents and ogetdirentries ---- */
	CHECK_OK(lseek(root, 0, SEEK_SET));
	CHECK_EQ(syscall(272, root, buf, sizeof buf), nall * DELEN);
	CHECK(memcmp(buf, all, (size_t)nall * DELEN) == 0);
	CHECK_OK(lseek(root, 0, SEEK_SET));
	CHECK_EQ(syscall(156, root, buf, sizeof buf, &base), nall * DELEN);
	for (int i = 0; i < nall; i++) {
		const unsigned char *o = buf + i * DELEN, *r = all + i * DELEN;
		CHECK(memcmp(o, r, 6) == 0);
		CHECK_EQ(o[6], r[7]);
		CHECK_EQ(o[7], 0);
		CHECK(memcmp(o + 8, r + 8, DELEN - 8) == 0);
	}

	/* ---- a process's directory ---- */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", (int)kids[0]);
	int pd = CHECK_OK(open(path, O_RDONLY));
	n = read_all(pd, buf, sizeof buf, &base);
	CHECK_EQ(n, 15 * DELEN);
	CHECK_EQ(base, 0);
	/* Each record made over the one before. */
	unsigned char want[DELEN];
	memset(want, 0, sizeof want);
	for (int i = 0; i < 15; i++) {
		const unsigned char *r = buf + i * DELEN;
		unsigned f = targets[i].type == 0 ? 2 : fileno_of(kids[0], targets[i].type);
		check_head(r, f, targets[i].dt, targets[i].name);
		size_t len = strlen(targets[i].name);
		memcpy(want, &f, 4);
		want[4] = DELEN;
		want[5] = 0;
		want[6] = (unsigned char)targets[i].dt;
		want[7] = (unsigned char)len;
		memcpy(want + 8, targets[i].name, len + 1);
		if (i > 0)
			CHECK(memcmp(r, want, DELEN) == 0);
	}
	/* "ctl" over "dbregs": "ctl\0gs\0". */
	CHECK(memcmp(buf + 6 * DELEN + 8, "ctl\0gs\0", 7) == 0);
	CHECK_EQ(lseek(pd, 0, SEEK_CUR), 15 * DELEN);
	CHECK_EQ(read_all(pd, buf, sizeof buf, &base), 0);
	CHECK_EQ(base, 15 * DELEN);
	CHECK_EQ(lseek(pd, 0, SEEK_CUR), 15 * DELEN);
	/* From slot 5 ("dbregs"), two. */
	CHECK_OK(lseek(pd, 5 * DELEN, SEEK_SET));
	CHECK_EQ(read_all(pd, buf, 2 * DELEN + 7, &base), 2 * DELEN);
	check_head(buf, fileno_of(kids[0], 7), DT_REG, "dbregs");
	check_head(buf + DELEN, fileno_of(kids[0], 8), DT_REG, "ctl");
	CHECK(memcmp(buf + DELEN + 8, "ctl\0gs\0", 7) == 0);
	CHECK_EQ(lseek(pd, 0, SEEK_CUR), 7 * DELEN);
	CHECK_EQ(lseek(pd, 3, SEEK_SET), 3);
	CHECK_ERRNO(__sys_getdirentries(pd, (char *)buf, sizeof buf, &base), EINVAL);

	/* stat's st_ino is the same number (procfs_getattr's pfs_fileno). */
	struct stat st;
	CHECK_OK(stat("/proc", &st));
	CHECK_EQ(st.st_ino, 2);
	CHECK_OK(lstat("/proc/curproc", &st));
	CHECK_EQ(st.st_ino, 3);
	CHECK_OK(stat("/proc/curproc", &st));
	CHECK_EQ(st.st_ino, fileno_of(getpid(), 2));
	CHECK_OK(stat(path, &st));
	CHECK_EQ(st.st_ino, fileno_of(kids[0], 2));
	for (int i = 2; i < 15; i++) {
		char file[80];
		snprintf(file, sizeof file, "%s/%s", path, targets[i].name);
		CHECK_OK(lstat(file, &st));
		CHECK_EQ(st.st_ino, fileno_of(kids[0], targets[i].type));
	}

	/* curproc's directory is this process's. */
	int cd = CHECK_OK(open("/proc/curproc", O_RDONLY));
	CHECK_EQ(read_all(cd, buf, 2 * DELEN, &base), 2 * DELEN);
	check_head(buf, fileno_of(getpid(), 2), DT_DIR, ".");
	check_head(buf + DELEN, 2, DT_DIR, "..");
	close(cd);

	/* ---- a zombie: out of the root, its directory empty ---- */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
	CHECK_OK(kill(kids[0], SIGKILL));
	while (!chld)
		sigsuspend(&old);
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	CHECK_OK(lseek(pd, 0, SEEK_SET));
	CHECK_EQ(read_all(pd, buf, sizeof buf, &base), 0);
	CHECK_EQ(lseek(pd, 0, SEEK_CUR), 0);
	CHECK_OK(lseek(root, 0, SEEK_SET));
	n = read_all(root, buf, sizeof buf, &base);
	CHECK_EQ(n, (nall - 1) * DELEN);
	char name[16];
	snprintf(name, sizeof name, "%d", (int)kids[0]);
	for (int i = 3; i < n / DELEN; i++)
		CHECK(strcmp((const char *)buf + i * DELEN + 8, name) != 0);
	/* Nor found by name: procfs_lookup's pfind does not see zombies. */
	snprintf(path, sizeof path, "/proc/%d", (int)kids[0]);
	CHECK_ERRNO(stat(path, &st), ENOENT);
	snprintf(path, sizeof path, "/proc/%d/status", (int)kids[0]);
	CHECK_ERRNO(open(path, O_RDONLY), ENOENT);
	CHECK_EQ(waitpid(kids[0], NULL, 0), kids[0]);
	close(pd);

	/* ---- readdir sees the same names ---- */
	DIR *d = opendir("/proc");
	CHECK(d != NULL);
	struct dirent *e;
	int seen = 0, mine = 0;
	snprintf(name, sizeof name, "%d", (int)getpid());
	while ((e = readdir(d)) != NULL) {
		CHECK_EQ(e->d_reclen, DELEN);
		if (seen == 2)
			CHECK(strcmp((const char *)e->d_name, "curproc") == 0);
		mine += strcmp((const char *)e->d_name, name) == 0;
		seen++;
	}
	CHECK_EQ(mine, 1);
	CHECK_EQ(seen, nall - 1);
	CHECK_OK(closedir(d));

	for (int k = 1; k < 5; k++) {
		CHECK_OK(kill(kids[k], SIGKILL));
		CHECK_EQ(waitpid(kids[k], NULL, 0), kids[k]);
	}
	close(root);
	PASS();
}
