/*
 * Exhaustion of the file system and of kernel objects: tmpfs data stops at its limit
 * with ENOSPC (not a dead kernel, not a killed writer), file-system nodes stop with
 * ENOSPC at their bound, and pipes with ENFILE/EMFILE and renames to longer names with
 * ENOSPC when the kernel heap, grown to its limit, is down to its reserve;
 * while full, other processes still run; removing what was made gives it all back.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <sys/stat.h>

#define CHUNK (1 << 20)

static void runs_beside(void)
{
	pid_t pid = fork();
	if (pid < 0 && errno == EAGAIN)
		return; /* the heap reserve may refuse a fork now; that is the limit working */
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(getppid() > 0 ? 0 : 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

static void fill_with_data(void)
{
	static char chunk[CHUNK];
	memset(chunk, 0x5a, sizeof(chunk));
	int fd = CHECK_OK(open("/tmp/fs_full.data", O_WRONLY | O_CREAT | O_TRUNC, 0600));
	long total = 0;
	for (;;) {
		ssize_t n = write(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno != ENOSPC)
				FAIL("write after %ld MiB: errno %s, wanted ENOSPC", total >> 20,
				     nt_errname(errno));
			break;
		}
		total += n;
		if (n < CHUNK)
			continue; /* a short write at the limit; the next one fails */
		if (total > (1L << 30))
			FAIL("wrote a GiB into a 256 MiB machine's tmpfs");
	}
	CHECK(total >= (16L << 20));
	runs_beside();
	close(fd);
	CHECK_OK(unlink("/tmp/fs_full.data"));
	/* The space is back. */
	fd = CHECK_OK(open("/tmp/fs_full.again", O_WRONLY | O_CREAT | O_TRUNC, 0600));
	CHECK_EQ(write(fd, chunk, sizeof(chunk)), CHUNK);
	close(fd);
	CHECK_OK(unlink("/tmp/fs_full.again"));
}

static void fill_with_nodes(void)
{
	CHECK_OK(mkdir("/tmp/fs_full.d", 0700));
	char name[64];
	int made = 0;
	for (;; made++) {
		snprintf(name, sizeof(name), "/tmp/fs_full.d/%d", made);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			if (errno != ENOSPC && errno != ENFILE)
				FAIL("create after %d nodes: errno %s", made, nt_errname(errno));
			break;
		}
		close(fd);
		if (made > 2000000)
			FAIL("two million nodes and no limit");
	}
	CHECK(made >= 1000);
	runs_beside();
	for (int i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "/tmp/fs_full.d/%d", i);
		CHECK_OK(unlink(name));
	}
	/* The refused open may have made its node before the open file was refused. */
	snprintf(name, sizeof(name), "/tmp/fs_full.d/%d", made);
	if (unlink(name) != 0)
		CHECK_EQ(errno, ENOENT);
	CHECK_OK(rmdir("/tmp/fs_full.d"));
}

/* Children one after another make pipes until refused, and hold them: together they
 * bring the heap down to its reserve, where pipe() gives ENFILE (or fork EAGAIN, or
 * ENOMEM when memory for its address space runs out first). */
static void fill_with_pipes(void)
{
	enum { CHILDREN = 96, NAMES = 6000 };
	/* Short names now, to be made long (each taking a few hundred bytes more of the
	 * heap) once it is down to its reserve. */
	CHECK_OK(mkdir("/tmp/fs_full.n", 0700));
	nt_write_file("/tmp/fs_full.n/f", "x");
	char name[320];
	for (int i = 0; i < NAMES; i++) {
		snprintf(name, sizeof(name), "/tmp/fs_full.n/%d", i);
		CHECK_OK(link("/tmp/fs_full.n/f", name));
	}
	int report[2];
	CHECK_OK(pipe(report));
	pid_t kids[CHILDREN];
	int n = 0, system_full = 0, heap_full = 0;
	while (n < CHILDREN && !system_full) {
		pid_t pid = fork();
		if (pid < 0) {
			/* The heap's reserve (EAGAIN) or, when the frames the heap grows
			 * from run out first, the new address space (ENOMEM): which comes
			 * first depends on what earlier cases left in memory. */
			CHECK(errno == EAGAIN || errno == ENOMEM);
			heap_full = errno == EAGAIN;
			CHECK(n > 0);
			system_full = 1;
			break;
		}
		if (pid == 0) {
			close(report[0]);
			int fds[2];
			while (pipe(fds) == 0)
				;
			char why = errno == EMFILE ? 'M' : errno == ENFILE ? 'N' : '?';
			write(report[1], &why, 1);
			sigset_t none;
			sigemptyset(&none);
			for (;;)
				sigsuspend(&none); /* hold them until killed */
		}
		kids[n++] = pid;
		char why;
		CHECK_EQ(read(report[0], &why, 1), 1);
		if (why == '?')
			FAIL("pipe() failed with an errno other than EMFILE/ENFILE");
		system_full = heap_full = why == 'N';
	}
	/* Each child may hold 128 pipes (2 MiB of buffers): 96 cannot all fit in a heap of
	 * at most a quarter of the machine's 256 MiB. */
	CHECK(system_full);
	/* A rename to a longer name is a new name too: at the heap's reserve, ENOSPC (a
	 * full UFS's ufs_direnter), not the kernel out of memory part way. */
	char longer[320];
	int renamed = 0;
	for (; renamed < NAMES; renamed++) {
		snprintf(name, sizeof(name), "/tmp/fs_full.n/%d", renamed);
		snprintf(longer, sizeof(longer), "/tmp/fs_full.n/%0240d", renamed);
		if (rename(name, longer) != 0) {
			CHECK_EQ(errno, ENOSPC);
			break;
		}
	}
	if (heap_full)
		CHECK(renamed < NAMES);
	for (int k = 0; k < n; k++)
		CHECK_OK(kill(kids[k], SIGKILL));
	for (int k = 0; k < n; k++) {
		int status;
		CHECK_EQ(waitpid(kids[k], &status, 0), kids[k]);
	}
	close(report[0]);
	int fds[2];
	CHECK_OK(pipe(fds));
	close(fds[0]);
	close(fds[1]);
	for (int i = 0; i < NAMES; i++) {
		const char *form = i < renamed ? "/tmp/fs_full.n/%0240d" : "/tmp/fs_full.n/%d";
		snprintf(name, sizeof(name), form, i);
		CHECK_OK(unlink(name));
	}
	CHECK_OK(unlink("/tmp/fs_full.n/f"));
	CHECK_OK(rmdir("/tmp/fs_full.n"));
}

int main(void)
{
	if (mkdir("/tmp", 01777) != 0 && errno != EEXIST)
		FAIL("mkdir /tmp: %s", strerror(errno));
	fill_with_data();
	fill_with_nodes();
	fill_with_pipes();
	runs_beside();
	PASS();
}
