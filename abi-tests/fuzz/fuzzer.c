/*
 * The syscall fuzzer (native ABI, run as init by `cargo xtask fuzz`).
 *
 *   fuzzer SEED ITERATIONS PROCS [quiet]
 *
 * Forks PROCS workers; worker i draws its calls from SEED+i (splitmix64) out of the
 * generated table (fuzz_table.h, from the spec), with arguments from each argument's
 * declared kind: descriptors of its pool (files, a directory, pipes, /dev/null) or bad
 * ones, valid buffers or NULL / unmapped / kernel / misaligned / straddling pointers,
 * flags with undefined bits, sizes small, huge and negative. Each worker runs chrooted
 * in its own scratch directory. Unless `quiet`, each call is printed before it is made
 * ("FUZZ call w=W n=N name a0 a1 ..."). A worker killed by a signal (bad pointers in
 * user code) or blocked for 3 s (killed) is counted and restarted with its remaining
 * calls. Prints "FUZZ progress N" each second and "FUZZ done calls=N ..." at the end.
 * Exit status 0 unless a worker could not be killed or the setup failed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fuzz_table.h"

#define MAX_PROCS 32
#define CONSOLE_FD 100 /* the workers' console; never drawn as an argument */
#define BUF_SIZE 65536
#define STUCK_TICKS 15 /* 200 ms ticks without progress before a worker is killed */
#define PAGE 4096UL

struct slot {
	volatile unsigned long done;
	volatile long last_nr;
};

static struct slot *slots;
static int quiet;

static unsigned long long rng;
static unsigned long long next64(void)
{
	unsigned long long z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static unsigned long pick(unsigned long n) { return n ? (unsigned long)(next64() % n) : 0; }

static long raw_syscall(long nr, const long *a)
{
	long ret;
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void raw_exit(int code)
{
	long a[6] = {code, 0, 0, 0, 0, 0};
	raw_syscall(0, a);
	for (;;)
		;
}

/* The worker's memory: a buffer, and a region whose last page is unmapped. */
static unsigned char *buf;
static unsigned char *edge; /* PAGE bytes, then an unmapped page */
static int pool[16];
static int npool;

static const char *names[] = {"f0", "f1", "d0", "d0/f2", "/", ".", "..", "", "lnk", "d0/..", "/f1", "nx/y"};

static void setup_pool(void)
{
	for (int fd = 3; fd < CONSOLE_FD; fd++)
		close(fd);
	npool = 0;
	pool[npool++] = open("f0", O_RDWR | O_CREAT, 0644);
	pool[npool++] = open("f1", O_RDONLY | O_CREAT, 0644);
	pool[npool++] = open(".", O_RDONLY | O_DIRECTORY);
	int p[2];
	if (pipe2(p, O_NONBLOCK) == 0) {
		pool[npool++] = p[0];
		pool[npool++] = p[1];
	}
	pool[npool++] = 0;
	pool[npool++] = -100; /* AT_FDCWD */
}

static long draw_int(int bits, int is_signed)
{
	static const long special[] = {0, 1, -1, 2, 0x7fffffffL, -0x80000000L, 0x7fffffffffffffffL, 4096, 255, -4096};
	long v;
	switch (pick(4)) {
	case 0: v = special[pick(sizeof special / sizeof special[0])]; break;
	case 1: v = (long)pick(64); break;
	default: v = (long)next64(); break;
	}
	if (bits < 64) {
		unsigned long m = (1UL << bits) - 1;
		v = (long)((unsigned long)v & m);
		if (is_signed && (v & (1L << (bits - 1))))
			v |= (long)~m;
	}
	return v;
}

static long draw_fd(void)
{
	static const long bad[] = {-1, -100, 1, 2, 63, 64, 1000, 0x7fffffff, -0x80000000L, 99};
	if (pick(10) < 8 && npool)
		return pool[pick((unsigned long)npool)];
	return bad[pick(sizeof bad / sizeof bad[0])];
}

static long draw_size(void)
{
	static const long sz[] = {0, 1, 7, 16, 64, 144, 4096, 4097, BUF_SIZE, 1L << 31, 1L << 62, -1, -4096, 0x7fffffffffffffffL};
	if (pick(2))
		return (long)pick(256);
	return sz[pick(sizeof sz / sizeof sz[0])];
}

/* A bad pointer, or 0 for "use a valid one". */
static long bad_pointer(void)
{
	static const unsigned long bad[] = {
		0, 0x1000, 0x400000000000UL, 0x7ffffffff000UL, 0x800000000000UL,
		0xffff800000000000UL, 0xffffffff80000000UL, 0xfffffffffffff000UL, 1,
	};
	switch (pick(12)) {
	case 0: case 1: return (long)bad[pick(sizeof bad / sizeof bad[0])] | 0;
	case 2: return (long)(edge + PAGE - 1 - pick(16)); /* straddles into the hole */
	case 3: return (long)(buf + 1 + pick(7)); /* misaligned */
	default: return 0;
	}
}

static long draw_ptr(const struct fz_arg *a, int *valid)
{
	*valid = 0;
	long p = bad_pointer();
	if (p != 0)
		return p;
	if (pick(10) == 0)
		return 0; /* NULL */
	*valid = 1;
	unsigned char *b = buf + 64 * pick(8);
	if (a->dir == FZ_DIR_IN || a->dir == FZ_DIR_INOUT) {
		if (a->zero_fill)
			memset(b, 0, 4096);
		else
			for (int i = 0; i < 256; i += 8) {
				unsigned long long r = next64();
				memcpy(b + i, &r, 8);
			}
		if (a->size_field_off >= 0 && pick(5) != 0) {
			unsigned long sz = pick(8) ? a->struct_size : (unsigned long)draw_size();
			if (a->size_field_bytes == 4) {
				unsigned int s32 = (unsigned int)sz;
				memcpy(b + a->size_field_off, &s32, 4);
			} else {
				memcpy(b + a->size_field_off, &sz, 8);
			}
		}
	}
	return (long)b;
}

static long draw_cstr(void)
{
	long p = bad_pointer();
	if (p != 0)
		return p;
	switch (pick(12)) {
	case 0: /* NAME_MAX + 1 bytes */
		memset(buf + 8192, 'a', 256);
		buf[8192 + 256] = 0;
		return (long)(buf + 8192);
	case 1: /* longer than PATH_MAX */
		memset(buf + 16384, 'b', 5000);
		buf[16384 + 5000] = 0;
		return (long)(buf + 16384);
	case 2: /* unterminated up to the hole */
		memset(edge, 'c', PAGE);
		return (long)edge;
	default: {
		const char *n = names[pick(sizeof names / sizeof names[0])];
		char *d = (char *)buf + 32768 + 256 * pick(4);
		strcpy(d, n);
		return (long)d;
	}
	}
}

static void draw_args(const struct fz_call *c, long *args)
{
	int valid[6] = {0};
	for (int i = 0; i < 6; i++)
		args[i] = (long)next64(); /* unused registers hold garbage */
	for (int i = 0; i < c->nargs; i++) {
		const struct fz_arg *a = &c->args[i];
		long v;
		if (a->restricted && a->nvalues) {
			v = a->values[pick((unsigned long)a->nvalues)];
		} else {
			switch (a->kind) {
			case FZ_FD: v = draw_fd(); break;
			case FZ_SIZE: v = draw_size(); break;
			case FZ_FLAGS:
				switch (pick(5)) {
				case 0: v = (long)a->mask; break;
				case 1: v = (long)next64(); break; /* undefined bits */
				default: v = (long)(next64() & a->mask); break;
				}
				break;
			case FZ_ENUM:
				v = pick(8) && a->nvalues ? a->values[pick((unsigned long)a->nvalues)] : draw_int(a->bits, 1);
				break;
			case FZ_PTR: v = draw_ptr(a, &valid[i]); break;
			case FZ_CSTR: v = draw_cstr(); break;
			default: v = draw_int(a->bits, a->is_signed); break;
			}
		}
		v |= (long)a->set_bits;
		if (a->kind == FZ_FD && v == CONSOLE_FD)
			v = -1;
		args[i] = v;
	}
	/* Mostly, a valid buffer's length argument fits it. */
	for (int i = 0; i < c->nargs; i++) {
		const struct fz_arg *a = &c->args[i];
		if (valid[i] && a->len_arg >= 0 && a->len_arg < c->nargs && pick(4) != 0) {
			unsigned long room = BUF_SIZE - 512 - ((unsigned char *)args[i] - buf);
			unsigned long n = pick(room + 1);
			if (a->len_elements && a->elem_size)
				n /= a->elem_size;
			args[a->len_arg] = (long)n;
		}
	}
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void worker(int w, unsigned long long seed, unsigned long calls)
{
	char line[256];
	rng = seed;
	for (int i = 0; i < 4; i++)
		next64();
	signal(SIGPIPE, SIG_IGN);
	buf = mmap(0, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	edge = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	if (buf == MAP_FAILED || edge == MAP_FAILED) {
		say(CONSOLE_FD, "FUZZ worker-setup-failed mmap\n");
		_exit(2);
	}
	munmap(edge + PAGE, PAGE);
	int null = open("/dev/null", O_RDWR);
	char dir[32];
	snprintf(dir, sizeof dir, "/fz/w%d", w);
	mkdir(dir, 0755);
	if (chdir(dir) != 0 || chroot(".") != 0) {
		say(CONSOLE_FD, "FUZZ worker-setup-failed chroot\n");
		_exit(2);
	}
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	setup_pool();
	for (unsigned long n = 0; n < calls; n++) {
		if (n % 256 == 255)
			setup_pool();
		const struct fz_call *c = &fz_calls[pick(FZ_NCALLS)];
		long args[6];
		draw_args(c, args);
		slots[w].last_nr = c->nr;
		if (!quiet) {
			int len = snprintf(line, sizeof line, "FUZZ call w=%d n=%lu %s", w, n, c->name);
			for (int i = 0; i < c->nargs && len < 200; i++)
				len += snprintf(line + len, sizeof line - (size_t)len, " %lx", (unsigned long)args[i]);
			snprintf(line + len, sizeof line - (size_t)len, "\n");
			say(CONSOLE_FD, line);
		}
		long ret = raw_syscall(c->nr, args);
		if (c->child_exits && ret == 0)
			raw_exit(0);
		slots[w].done++;
	}
	_exit(0);
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		char sub[512];
		while ((e = readdir(d)) != 0) {
			const char *name = (const char *)e->d_name;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, name);
			if (unlink(sub) != 0)
				remove_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, 0);
}

/* Unbuffered lines to the console. */
#define printf(...)                                       \
	do {                                              \
		char line_[256];                          \
		snprintf(line_, sizeof line_, __VA_ARGS__); \
		say(1, line_);                            \
	} while (0)

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("usage: fuzzer SEED ITERATIONS PROCS [quiet]\n");
		return 2;
	}
	unsigned long long seed = strtoull(argv[1], 0, 0);
	unsigned long iterations = strtoul(argv[2], 0, 0);
	int procs = (int)strtoul(argv[3], 0, 0);
	quiet = argc > 4 && !strcmp(argv[4], "quiet");
	if (procs < 1)
		procs = 1;
	if (procs > MAX_PROCS)
		procs = MAX_PROCS;
	slots = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	if (slots == MAP_FAILED) {
		printf("FUZZ setup-failed mmap shared\n");
		return 2;
	}
	dup2(1, CONSOLE_FD);
	mkdir("/fz", 0755);
	pid_t pids[MAX_PROCS];
	unsigned long budget[MAX_PROCS], base[MAX_PROCS], last[MAX_PROCS];
	int gen[MAX_PROCS], still[MAX_PROCS];
	int died = 0, stuck = 0, unkillable = 0;
	printf("FUZZ start seed=%llu iterations=%lu procs=%d calls=%d\n", seed, iterations, procs, FZ_NCALLS);
	for (int i = 0; i < procs; i++) {
		budget[i] = iterations / (unsigned long)procs + (i < (int)(iterations % (unsigned long)procs));
		base[i] = 0;
		gen[i] = 0;
		pids[i] = 0;
	}
	int running = 0;
	for (int i = 0; i < procs; i++) {
		slots[i].done = 0;
		last[i] = 0;
		still[i] = 0;
		if (budget[i] == 0)
			continue;
		pids[i] = fork();
		if (pids[i] == 0)
			worker(i, seed + (unsigned long long)i, budget[i]);
		running++;
	}
	unsigned long printed = 0;
	int tick = 0;
	while (running > 0) {
		nap_ms(200);
		tick++;
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < procs; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				running--;
				unsigned long done = base[i] + slots[i].done;
				if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
					died++;
				if (done < budget[i]) {
					/* restart it with the calls it has left, from a derived seed */
					base[i] = done;
					slots[i].done = 0;
					gen[i]++;
					still[i] = 0;
					last[i] = 0;
					unsigned long long s = seed + (unsigned long long)i + ((unsigned long long)gen[i] << 32);
					pids[i] = fork();
					if (pids[i] == 0)
						worker(i, s, budget[i] - done);
					running++;
				}
			}
		}
		unsigned long total = 0;
		for (int i = 0; i < procs; i++) {
			total += base[i] + slots[i].done;
			if (!pids[i])
				continue;
			if (slots[i].done == last[i]) {
				still[i]++;
				if (still[i] == STUCK_TICKS) {
					printf("FUZZ stuck w=%d gen=%d call=%ld: killed\n", i, gen[i], slots[i].last_nr);
					stuck++;
					kill(pids[i], SIGKILL);
				} else if (still[i] == STUCK_TICKS * 4) {
					printf("FUZZ hang w=%d: still alive 9 s after SIGKILL (call %ld)\n", i, slots[i].last_nr);
					unkillable++;
				}
			} else {
				still[i] = 0;
				last[i] = slots[i].done;
			}
		}
		if (tick % 5 == 0 && total != printed) {
			printf("FUZZ progress %lu\n", total);
			printed = total;
		}
		if (unkillable)
			break;
	}
	/* reap the workers' orphans */
	while (waitpid(-1, 0, WNOHANG) > 0)
		;
	unsigned long total = 0;
	for (int i = 0; i < procs; i++)
		total += base[i] + slots[i].done;
	remove_tree("/fz");
	printf("FUZZ done calls=%lu died=%d stuck=%d\n", total, died, stuck);
	return unkillable ? 1 : 0;
}
