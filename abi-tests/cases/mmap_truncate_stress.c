// abi: all
/*
 * File mappings against a file that keeps changing size: several processes map one
 * file (shared and private, at different offsets, some mappings longer than the
 * file) and, from a fixed seed, truncate it, grow it with pwrite and open's O_TRUNC,
 * touch pages (a fault is caught with a handler that jumps back, and counted), fork
 * children that do the same and exit, munmap pages, mprotect them and remap (now and
 * then MAP_FIXED over the old mapping). Between rounds, with every process stopped
 * at a barrier, what must hold is checked: a MAP_SHARED page (or a private one never
 * written) below the file's size holds what pread reads there, read directly and
 * by the kernel (write to a pipe); one wholly past the end gives SIGBUS, and EFAULT
 * to the kernel; a private page written since it was mapped is the program's and
 * reads without a fault; a PROT_NONE page faults. Every process ends with status 0.
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096
#define WORKERS 3
#define SLOTS 4
#define MAX_FILE_PAGES 6
#define MAX_MAP_PAGES 8
#define MAX_OFFSET_PAGES 3
#define PHASES 20
#define OPS 40
#define CHILD_OPS 5

/* Leaving a handler by siglongjmp restores the mask sigsetjmp saved, unblocking
 * the signal its sigreturn would have. */
static sigjmp_buf jb;
static volatile int armed;

static void on_fault(int sig)
{
	if (armed) {
		armed = 0;
		siglongjmp(jb, sig);
	}
	/* Not a guarded access: fault again with the default action. */
	signal(sig, SIG_DFL);
}

/* Reads (or, with `write`, stores `v` at) `p`: the signal that raised, or 0. */
static int guarded(volatile char *p, int write, char v)
{
	int sig = sigsetjmp(jb, 1);
	if (sig)
		return sig;
	armed = 1;
	if (write)
		*p = v;
	else
		(void)*p;
	armed = 0;
	return 0;
}

/* The first byte of `p[0..n)` that differs from `want`, -1 if none, -2 on a fault. */
static long guarded_diff(volatile char *p, const char *want, long n)
{
	if (sigsetjmp(jb, 1))
		return -2;
	armed = 1;
	long at = -1;
	for (long i = 0; i < n; i++)
		if (p[i] != want[i]) {
			at = i;
			break;
		}
	armed = 0;
	return at;
}

static unsigned long long rng;
static unsigned long long next64(void)
{
	unsigned long long z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static long pick(long n) { return (long)(next64() % (unsigned long long)n); }

struct slot {
	char *addr; /* NULL: nothing mapped */
	int pages;
	int offset; /* in pages */
	int shared;
	unsigned char present[MAX_MAP_PAGES];
	unsigned char written[MAX_MAP_PAGES]; /* a private page copied on write */
	unsigned char prot[MAX_MAP_PAGES];    /* PROT_* now */
};

/* Counts every process adds to, in shared memory. */
struct stats {
	volatile long bus_random;  /* faults in the random rounds */
	volatile long compared;    /* pages compared with pread at a barrier */
	volatile long bus_checked; /* pages past the end found SIGBUS at a barrier */
	volatile long kept;        /* private written pages past the end that stayed */
	volatile long forks;
	volatile long efault;      /* writes to a pipe from pages past the end: EFAULT */
};

static struct slot slots[SLOTS];
static struct stats *stats;
static int fd;
static int pfd[2]; /* a pipe the kernel copies mapped pages into */
static char data[2 * PG];

static void unmap_slot(struct slot *s)
{
	for (int i = 0; i < s->pages; i++)
		if (s->present[i])
			CHECK_OK(munmap(s->addr + (long)i * PG, PG));
	s->addr = NULL;
}

static void map_slot(struct slot *s)
{
	int pages = 1 + (int)pick(MAX_MAP_PAGES);
	char *fixed = NULL;
	/* Now and then over the old mapping (MAP_FIXED), when it is whole and as long. */
	if (s->addr && pick(3) == 0) {
		int whole = 1;
		for (int i = 0; i < s->pages; i++)
			whole &= s->present[i];
		if (whole) {
			fixed = s->addr;
			pages = s->pages;
		}
	}
	if (s->addr && !fixed)
		unmap_slot(s);
	s->pages = pages;
	s->offset = (int)pick(MAX_OFFSET_PAGES + 1);
	s->shared = (int)pick(2);
	int flags = (s->shared ? MAP_SHARED : MAP_PRIVATE) | (fixed ? MAP_FIXED : 0);
	char *a = mmap(fixed, (size_t)pages * PG, PROT_READ | PROT_WRITE, flags, fd,
		       (off_t)s->offset * PG);
	if (a == MAP_FAILED)
		FAIL("mmap %d pages at page %d (%s%s): errno %s", pages, s->offset,
		     s->shared ? "shared" : "private", fixed ? ", fixed" : "", nt_errname(errno));
	if (fixed)
		CHECK(a == fixed);
	s->addr = a;
	for (int i = 0; i < MAX_MAP_PAGES; i++) {
		s->present[i] = i < pages;
		s->written[i] = 0;
		s->prot[i] = PROT_READ | PROT_WRITE;
	}
}

static void touch_some(void)
{
	struct slot *s = &slots[pick(SLOTS)];
	int i = (int)pick(s->pages);
	if (!s->present[i])
		return;
	int write = (int)pick(2);
	volatile char *p = s->addr + (long)i * PG + pick(PG);
	int sig = guarded(p, write, (char)next64());
	if (sig) {
		/* Past the end, or refused by the protection (4.x: SIGBUS too). */
		int refused = !(s->prot[i] & (write ? PROT_WRITE : PROT_READ));
		if (sig != SIGBUS && !refused)
			FAIL("a %s of page %d of a %s mapping (prot %d): signal %d",
			     write ? "write" : "read", i, s->shared ? "shared" : "private",
			     s->prot[i], sig);
		__atomic_fetch_add(&stats->bus_random, 1, __ATOMIC_RELAXED);
	} else if (write && !s->shared) {
		s->written[i] = 1;
	}
}

/* One random step; `child`: no forks, no remaps. */
static void random_op(int child)
{
	long r = pick(100);
	if (r < 15) {
		/* Truncate, often to a page boundary. */
		long size = pick(MAX_FILE_PAGES + 1) * PG;
		if (pick(2) && size > 0)
			size -= pick(PG);
		CHECK_OK(ftruncate(fd, (off_t)size));
	} else if (r < 30) {
		long off = pick(MAX_FILE_PAGES * PG);
		long len = 1 + pick(sizeof data);
		if (off + len > MAX_FILE_PAGES * PG)
			len = MAX_FILE_PAGES * PG - off;
		for (long i = 0; i < len; i += 8) {
			unsigned long long v = next64();
			memcpy(data + i, &v, 8);
		}
		CHECK_EQ(pwrite(fd, data, (size_t)len, (off_t)off), len);
	} else if (r < 32) {
		CHECK_OK(close(CHECK_OK(open("f", O_RDWR | O_TRUNC))));
	} else if (r < 70 || child) {
		touch_some();
	} else if (r < 82) {
		map_slot(&slots[pick(SLOTS)]);
	} else if (r < 88) {
		struct slot *s = &slots[pick(SLOTS)];
		int i = (int)pick(s->pages);
		if (s->present[i]) {
			CHECK_OK(munmap(s->addr + (long)i * PG, PG));
			s->present[i] = 0;
		}
	} else if (r < 94) {
		static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
					    PROT_READ | PROT_WRITE};
		struct slot *s = &slots[pick(SLOTS)];
		int i = (int)pick(s->pages);
		if (s->present[i]) {
			s->prot[i] = (unsigned char)prots[pick(4)];
			CHECK_OK(mprotect(s->addr + (long)i * PG, PG, s->prot[i]));
		}
	} else {
		touch_some();
	}
}

/* At a barrier (nobody changes the file): every present page as it must be. */
static void check_pages(int w, int phase)
{
	static char want[PG];
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	long size = (long)st.st_size;
	for (int k = 0; k < SLOTS; k++) {
		struct slot *s = &slots[k];
		for (int i = 0; i < s->pages; i++) {
			if (!s->present[i])
				continue;
			long at = (long)(s->offset + i) * PG;
			char *p = s->addr + (long)i * PG;
			const char *kind = s->shared ? "shared" : "private";
			if (s->prot[i] == PROT_NONE) {
				if (!guarded(p, 0, 0))
					FAIL("worker %d phase %d: PROT_NONE page read", w, phase);
				CHECK_ERRNO(write(pfd[1], p, 1), EFAULT);
				continue;
			}
			if (!s->shared && s->written[i]) {
				/* The program's own copy: there whatever the file did. */
				if (guarded(p, 0, 0))
					FAIL("worker %d phase %d: written private page %d of slot %d "
					     "(file page %d, size %ld): SIGBUS",
					     w, phase, i, k, s->offset + i, size);
				if (at >= size)
					__atomic_fetch_add(&stats->kept, 1, __ATOMIC_RELAXED);
				continue;
			}
			if (at >= size) {
				if (!guarded(p, 0, 0))
					FAIL("worker %d phase %d: %s page %d of slot %d (file page %d) "
					     "past the end (size %ld): no SIGBUS",
					     w, phase, kind, i, k, s->offset + i, size);
				__atomic_fetch_add(&stats->bus_checked, 1, __ATOMIC_RELAXED);
				/* The kernel may not read it either. */
				CHECK_ERRNO(write(pfd[1], p, 1), EFAULT);
				__atomic_fetch_add(&stats->efault, 1, __ATOMIC_RELAXED);
				continue;
			}
			long n = size - at < PG ? size - at : PG;
			CHECK_EQ(pread(fd, want, (size_t)n, (off_t)at), n);
			long diff = guarded_diff(p, want, n);
			if (diff == -2)
				FAIL("worker %d phase %d: %s page %d of slot %d (file page %d, "
				     "size %ld): SIGBUS within the file",
				     w, phase, kind, i, k, s->offset + i, size);
			if (diff >= 0)
				FAIL("worker %d phase %d: %s page %d of slot %d (file page %d, "
				     "size %ld): byte %ld is 0x%02x, pread 0x%02x",
				     w, phase, kind, i, k, s->offset + i, size, diff,
				     (unsigned char)p[diff], (unsigned char)want[diff]);
			/* What the kernel reads there (copyin) is the same. */
			static char through[PG];
			CHECK_EQ(write(pfd[1], p, (size_t)n), n);
			CHECK_EQ(read(pfd[0], through, (size_t)n), n);
			if (memcmp(through, want, (size_t)n) != 0)
				FAIL("worker %d phase %d: %s page %d of slot %d: write() from it "
				     "differs from pread", w, phase, kind, i, k);
			__atomic_fetch_add(&stats->compared, 1, __ATOMIC_RELAXED);
		}
	}
}

static void worker(int w, int cmd, int done)
{
	rng = 0x5eed0000ULL + (unsigned long long)w * 7919;
	fd = CHECK_OK(open("f", O_RDWR));
	CHECK_OK(pipe(pfd));
	for (int k = 0; k < SLOTS; k++)
		map_slot(&slots[k]);
	for (int phase = 0;; phase++) {
		char c;
		if (read(cmd, &c, 1) != 1 || c == 'q')
			break;
		pid_t child = 0;
		for (int op = 0; op < OPS; op++) {
			if (!child && pick(12) == 0) {
				child = CHECK_OK(fork());
				if (child == 0) {
					rng ^= 0xc0ffee;
					for (int j = 0; j < CHILD_OPS; j++)
						random_op(1);
					_exit(0);
				}
				__atomic_fetch_add(&stats->forks, 1, __ATOMIC_RELAXED);
				continue;
			}
			random_op(0);
		}
		if (child) {
			int status;
			CHECK_EQ(waitpid(child, &status, 0), child);
			CHECK_CHILD_OK(status);
		}
		CHECK_EQ(write(done, "r", 1), 1);
		if (read(cmd, &c, 1) != 1)
			break;
		check_pages(w, phase);
		CHECK_EQ(write(done, "c", 1), 1);
	}
	for (int k = 0; k < SLOTS; k++)
		if (slots[k].addr)
			unmap_slot(&slots[k]);
	CHECK_OK(close(fd));
	_exit(0);
}

static void await(int i, int done, pid_t pid)
{
	char c;
	if (read(done, &c, 1) == 1)
		return;
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	FAIL("worker %d stopped early", i);
}

int main(void)
{
	nt_scratch_dir("mmap_truncate_stress");
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	CHECK_OK(sigaction(SIGBUS, &sa, NULL));
	CHECK_OK(sigaction(SIGSEGV, &sa, NULL));
	stats = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	CHECK(stats != MAP_FAILED);
	int f = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_OK(ftruncate(f, 3 * PG));
	CHECK_OK(close(f));

	int cmd[WORKERS], done[WORKERS];
	pid_t pids[WORKERS];
	for (int i = 0; i < WORKERS; i++) {
		int c[2], d[2];
		CHECK_OK(pipe(c));
		CHECK_OK(pipe(d));
		pids[i] = CHECK_OK(fork());
		if (pids[i] == 0) {
			for (int j = 0; j < i; j++) {
				close(cmd[j]);
				close(done[j]);
			}
			close(c[1]);
			close(d[0]);
			worker(i, c[0], d[1]);
		}
		close(c[0]);
		close(d[1]);
		cmd[i] = c[1];
		done[i] = d[0];
	}
	for (int phase = 0; phase < PHASES; phase++) {
		for (int i = 0; i < WORKERS; i++)
			CHECK_EQ(write(cmd[i], "r", 1), 1);
		for (int i = 0; i < WORKERS; i++)
			await(i, done[i], pids[i]);
		for (int i = 0; i < WORKERS; i++)
			CHECK_EQ(write(cmd[i], "c", 1), 1);
		for (int i = 0; i < WORKERS; i++)
			await(i, done[i], pids[i]);
	}
	for (int i = 0; i < WORKERS; i++) {
		CHECK_EQ(write(cmd[i], "q", 1), 1);
		int status;
		CHECK_EQ(waitpid(pids[i], &status, 0), pids[i]);
		CHECK_CHILD_OK(status);
	}
	/* The rounds reached what they are for. */
	CHECK(stats->bus_random > 0);
	CHECK(stats->bus_checked > 0);
	CHECK(stats->compared > 0);
	CHECK(stats->forks > 0);
	CHECK(stats->efault > 0);
	printf("mmap_truncate_stress: %ld pages compared, %ld SIGBUS past the end at "
	       "barriers (%ld EFAULT), %ld faults in the rounds, %ld private copies kept, "
	       "%ld forks\n",
	       stats->compared, stats->bus_checked, stats->efault, stats->bus_random,
	       stats->kept, stats->forks);
	CHECK_OK(unlink("f"));
	PASS();
}
