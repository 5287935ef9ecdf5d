// abi: freebsd4-i386
/*
 * What 4.x's ld-elf.so.1 asks of the kernel, call by call and with its arguments
 * (libexec/rtld-elf of the RELENG_4 era: rtld.c, map_object.c with the (fd, path, sb)
 * signature and exactly two PT_LOADs, i386/lockdflt.c; reference §6), done here for
 * real on a file shaped like a shared object:
 *  - start-up: getuid, geteuid, getgid, getegid (trust); the hints file
 *    /var/run/ld-elf.so.hints opened O_RDONLY (missing: ENOENT, and the search goes on
 *    to /usr/lib); access(dir/name, F_OK) per candidate directory; lockdflt_init's
 *    sigaction(SIGILL) around its cmpxchg probe; getpagesize (sysctl hw.pagesize) and
 *    anonymous MAP_PRIVATE mmaps for its malloc, with munmap of a pool's unused tail;
 *  - load_object: open O_RDONLY, fstat, read of the first page (ELF and program
 *    headers), map_object, close;
 *  - map_object: one mmap of the whole span [trunc_page(text vaddr), round_page(data
 *    vaddr + memsz)) from the file at trunc_page(text offset), MAP_PRIVATE, with the
 *    text's protection (it covers more than the file: pages wholly past the end of
 *    the file give SIGBUS when touched, the page holding the end reads zeros past
 *    it); the data pages over it, MAP_PRIVATE|MAP_FIXED, from trunc_page(data offset)
 *    (vaddr and offset congruent modulo the page, neither aligned); memset of the bss
 *    in the data's last page (so that page must be writable, its file bytes past
 *    p_filesz replaced); MAP_PRIVATE|MAP_FIXED|MAP_ANON for the rest of the bss. The
 *    gap page between text and data stays the reservation's (4.x unmaps no holes);
 *  - relocate_objects with DT_TEXTREL: mprotect(mapbase, textsize, RWX), stores,
 *    mprotect(mapbase, textsize, RX); the stores stay private to the process;
 *  - its lock (lockdflt.c): sigprocmask(SIG_BLOCK, all but the trap signals, &old),
 *    then sigprocmask(SIG_SETMASK, &old, NULL);
 *  - dlclose: munmap(mapbase, mapsize).
 * mmap is __syscall (198) with a pad word before the 64-bit offset, as libc's mmap.
 * Writes to read-only pages are SIGBUS (4.x's protection faults). libc.so's own
 * start-up adds no system call to a static program's (crt1 adds atexit(rtld_cleanup)).
 */
#include <nymph_test.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PAGE 0x1000u
#define TRUNC(x) ((x) & ~(PAGE - 1))
#define ROUND(x) TRUNC((x) + PAGE - 1)

/* The object: text at offset 0 (vaddr 0, R|X), data at an unaligned offset with its
 * vaddr one page further on (R|W); the bss ends mid-page two pages past the data's
 * file bytes; the file (FILE_SIZE) ends mid-page with other bytes after the data. */
#define TEXT_FILESZ 0x2345u
#define DATA_OFF 0x3456u
#define DATA_VADDR 0x4456u
#define DATA_FILESZ 0x1100u
#define DATA_MEMSZ 0x3000u
#define FILE_SIZE 0x4800u
#define MAPSIZE ROUND(DATA_VADDR + DATA_MEMSZ)
#define TEXTSIZE ROUND(TEXT_FILESZ)

static unsigned char img[FILE_SIZE + 0x100];
static unsigned char page_buf[PAGE];

static void put16(unsigned char *at, unsigned v) { at[0] = v; at[1] = v >> 8; }
static void put32(unsigned char *at, unsigned v) { put16(at, v & 0xffff); put16(at + 2, v >> 16); }
static unsigned get16(const unsigned char *at) { return at[0] | at[1] << 8; }
static unsigned get32(const unsigned char *at) { return get16(at) | get16(at + 2) << 16; }

static void phdr(int i, unsigned type, unsigned off, unsigned vaddr, unsigned filesz,
		 unsigned memsz, unsigned flags)
{
	unsigned char *p = img + 52 + 32 * i;
	put32(p, type);
	put32(p + 4, off);
	put32(p + 8, vaddr);
	put32(p + 12, vaddr);
	put32(p + 16, filesz);
	put32(p + 20, memsz);
	put32(p + 24, flags);
	put32(p + 28, type == 1 ? PAGE : 4);
}

/* A pattern with few zeros, then the ELF header and its three program headers. */
static void make_image(void)
{
	for (unsigned o = 0; o < sizeof(img); o++)
		img[o] = (unsigned char)(o * 131 + (o >> 8) * 7 + 0x5b);
	memcpy(img, "\177ELF\1\1\1\11", 8);
	put16(img + 16, 3); /* ET_DYN */
	put16(img + 18, 3); /* EM_386 */
	put32(img + 20, 1);
	put32(img + 28, 52);
	put16(img + 40, 52);
	put16(img + 42, 32);
	put16(img + 44, 3);
	phdr(0, 1, 0, 0, TEXT_FILESZ, TEXT_FILESZ, 5);
	phdr(1, 1, DATA_OFF, DATA_VADDR, DATA_FILESZ, DATA_MEMSZ, 6);
	phdr(2, 2, DATA_OFF, DATA_VADDR, 0x80, 0x80, 6); /* PT_DYNAMIC */
}

static char *raw_mmap(void *addr, unsigned len, int prot, int flags, int fd, off_t off)
{
	return (char *)(uintptr_t)__syscall((quad_t)SYS_mmap, addr, len, prot, flags, fd, 0, off);
}

static int protflags(unsigned pf)
{
	return (pf & 4 ? PROT_READ : 0) | (pf & 2 ? PROT_WRITE : 0) | (pf & 1 ? PROT_EXEC : 0);
}

/* The signal a child dies of when it reads (or writes) `p`; 0 if the access works. */
static int touch(char *p, int write)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (write)
			*(volatile char *)p = 0x77;
		else
			(void)*(volatile char *)p;
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

/* `len` bytes at `at` equal the file's from `off` (or zero with off < 0). */
static void same(const char *at, long off, unsigned len, const char *what)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned char want = off < 0 ? 0 : img[off + i];
		if ((unsigned char)at[i] != want)
			FAIL("%s: byte %#x is %#x, wanted %#x", what, i, (unsigned char)at[i], want);
	}
}

struct obj {
	char *base;
	unsigned mapsize, textsize;
};

/* load_object + map_object, as rtld does them; `probe` checks the reservation
 * mapping before the overlays replace its pages past the end of the file. */
static struct obj load_object(const char *path, int probe)
{
	struct stat sb;
	int fd = CHECK_OK(open(path, O_RDONLY));
	CHECK_OK(fstat(fd, &sb));
	CHECK(S_ISREG(sb.st_mode));
	CHECK_EQ(sb.st_size, FILE_SIZE);
	memset(page_buf, 0, sizeof(page_buf));
	CHECK_EQ(read(fd, page_buf, PAGE), PAGE);
	CHECK(memcmp(page_buf, img, PAGE) == 0);
	CHECK_EQ(get16(page_buf + 16), 3);
	CHECK_EQ(get16(page_buf + 42), 32);

	const unsigned char *segs[2];
	int nsegs = 0, dynamic = 0;
	for (unsigned i = 0; i < get16(page_buf + 44); i++) {
		const unsigned char *ph = page_buf + get32(page_buf + 28) + 32 * i;
		if (get32(ph) == 1 && nsegs < 2)
			segs[nsegs++] = ph;
		dynamic |= get32(ph) == 2;
	}
	CHECK_EQ(nsegs, 2);
	CHECK(dynamic);
	CHECK(get32(segs[0] + 28) >= PAGE && get32(segs[1] + 28) >= PAGE);

	unsigned base_offset = TRUNC(get32(segs[0] + 4));
	unsigned base_vaddr = TRUNC(get32(segs[0] + 8));
	unsigned base_vlimit = ROUND(get32(segs[1] + 8) + get32(segs[1] + 20));
	struct obj o = {NULL, base_vlimit - base_vaddr,
			ROUND(get32(segs[0] + 8) + get32(segs[0] + 20)) - base_vaddr};
	CHECK_EQ(o.mapsize, MAPSIZE);
	o.base = raw_mmap(NULL, o.mapsize, protflags(get32(segs[0] + 24)), MAP_PRIVATE, fd,
			  base_offset);
	CHECK(o.base != MAP_FAILED);
	CHECK_EQ((uintptr_t)o.base % PAGE, 0);

	if (probe) {
		/* The file through its last page, zeros after its end in that page (the
		 * bytes written past FILE_SIZE and truncated away must not show). */
		same(o.base, 0, FILE_SIZE, "reservation: file bytes");
		same(o.base + FILE_SIZE, -1, ROUND(FILE_SIZE) - FILE_SIZE, "reservation: past EOF");
		/* Pages wholly past the end of the file: SIGBUS (vnode pager, 4.x). */
		for (unsigned p = ROUND(FILE_SIZE); p < o.mapsize; p += PAGE)
			CHECK_EQ(touch(o.base + p, 0), SIGBUS);
		/* Text protection: a write is a protection fault, SIGBUS. */
		CHECK_EQ(touch(o.base + 0x10, 1), SIGBUS);
	}

	/* The data segment over the reservation, at its file offset. */
	unsigned data_offset = TRUNC(get32(segs[1] + 4));
	unsigned data_vaddr = TRUNC(get32(segs[1] + 8));
	unsigned data_vlimit = ROUND(get32(segs[1] + 8) + get32(segs[1] + 16));
	char *data_addr = o.base + (data_vaddr - base_vaddr);
	CHECK(raw_mmap(data_addr, data_vlimit - data_vaddr, protflags(get32(segs[1] + 24)),
		       MAP_PRIVATE | MAP_FIXED, fd, data_offset) == data_addr);

	/* The bss in the data's last page, then the rest of it anonymous. */
	unsigned clear_vaddr = get32(segs[1] + 8) + get32(segs[1] + 16);
	memset(o.base + (clear_vaddr - base_vaddr), 0, data_vlimit - clear_vaddr);
	unsigned bss_vlimit = ROUND(get32(segs[1] + 8) + get32(segs[1] + 20));
	char *bss_addr = o.base + (data_vlimit - base_vaddr);
	CHECK(bss_vlimit > data_vlimit);
	CHECK(raw_mmap(bss_addr, bss_vlimit - data_vlimit, protflags(get32(segs[1] + 24)),
		       MAP_PRIVATE | MAP_FIXED | MAP_ANON, -1, 0) == bss_addr);
	CHECK_OK(close(fd));
	return o;
}

/* Every byte and protection of a mapped object (after close: mappings outlive fds). */
static void check_object(struct obj o)
{
	same(o.base, 0, TRUNC(DATA_VADDR), "text and gap");
	same(o.base + TRUNC(DATA_VADDR), TRUNC(DATA_OFF),
	     DATA_VADDR + DATA_FILESZ - TRUNC(DATA_VADDR), "data");
	same(o.base + DATA_VADDR + DATA_FILESZ, -1, MAPSIZE - (DATA_VADDR + DATA_FILESZ), "bss");
	CHECK_EQ(touch(o.base + 0x100, 1), SIGBUS);
	CHECK_EQ(touch(o.base + TEXTSIZE, 1), SIGBUS); /* the gap page: the reservation's */
	CHECK_EQ(touch(o.base + DATA_VADDR, 1), 0);
	CHECK_EQ(touch(o.base + ROUND(DATA_VADDR + DATA_FILESZ) - 1, 1), 0);
	CHECK_EQ(touch(o.base + MAPSIZE - 1, 1), 0);
}

static int overlaps(const char *p, unsigned len, struct obj o)
{
	return p < o.base + o.mapsize && o.base < p + len;
}

int main(void)
{
	struct rlimit no_core = {0, 0};
	CHECK_OK(__sys_setrlimit(RLIMIT_CORE, &no_core));
	nt_scratch_dir("fb4_rtld_mappings");
	char dir[256], lib[300], missing[300];
	CHECK(getcwd(dir, sizeof(dir)) != NULL);
	snprintf(lib, sizeof(lib), "%s/libnt.so.1", dir);
	snprintf(missing, sizeof(missing), "%s/nowhere/libnt.so.1", dir);

	/* The object: written past its end, then truncated, so that the page cache's
	 * last page had other bytes after the new end. */
	make_image();
	int junk = 0;
	for (unsigned o = DATA_OFF + DATA_FILESZ; o < FILE_SIZE; o++)
		junk += img[o] != 0;
	CHECK(junk > 0); /* the bss memset has file bytes to replace */
	int fd = CHECK_OK(open(lib, O_WRONLY | O_CREAT | O_TRUNC, 0755));
	CHECK_EQ(write(fd, img, sizeof(img)), sizeof(img));
	CHECK_OK(ftruncate(fd, FILE_SIZE));
	CHECK_OK(close(fd));

	/* Start-up: trust, the hints file, the library search, the lock set-up. */
	CHECK(geteuid() == getuid() && getegid() == getgid());
	CHECK_ERRNO(open("/var/run/ld-elf.so.hints", O_RDONLY), ENOENT);
	CHECK_ERRNO(access(missing, F_OK), ENOENT);
	CHECK_OK(access(lib, F_OK));
	struct stat sb;
	CHECK_OK(stat(lib, &sb));
	CHECK_EQ(sb.st_size, FILE_SIZE);
	struct sigaction act, oact;
	memset(&act, 0, sizeof(act));
	act.sa_handler = SIG_IGN;
	CHECK_OK(sigaction(SIGILL, &act, &oact));
	CHECK(oact.sa_handler == SIG_DFL);
	CHECK_OK(sigaction(SIGILL, &oact, NULL));
	CHECK_EQ(getpagesize(), PAGE);

	/* Its malloc: an anonymous pool, the unused tail given back. */
	char *pool = raw_mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(pool != MAP_FAILED);
	same(pool, -1, 8 * PAGE, "malloc pool");
	pool[0] = 1;
	CHECK_OK(munmap(pool + 2 * PAGE, 6 * PAGE));
	CHECK_EQ(pool[0], 1);
	CHECK_EQ(touch(pool + 2 * PAGE, 0), SIGSEGV);

	/* Its lock: every signal but the traps blocked, then the old mask back. */
	sigset_t full, old, now;
	sigfillset(&full);
	static const int traps[] = {SIGILL, SIGTRAP, SIGABRT, SIGEMT, SIGFPE, SIGBUS, SIGSEGV, SIGSYS};
	for (unsigned i = 0; i < sizeof(traps) / sizeof(traps[0]); i++)
		sigdelset(&full, traps[i]);
	CHECK_OK(sigprocmask(SIG_BLOCK, &full, &old));
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	CHECK(sigismember(&now, SIGINT) && sigismember(&now, SIGUSR2));
	CHECK(!sigismember(&now, SIGBUS) && !sigismember(&now, SIGKILL));
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	CHECK(!sigismember(&now, SIGINT));

	struct obj a = load_object(lib, 1);
	check_object(a);

	/* Text relocations: write-enable the text, store across a page boundary, and
	 * write-protect it again. */
	char *where = a.base + 0x1ffe;
	CHECK_EQ(a.textsize, TEXTSIZE);
	CHECK_OK(mprotect(a.base, a.textsize, PROT_READ | PROT_WRITE | PROT_EXEC));
	memcpy(where, "\xef\xbe\xad\xde", 4);
	CHECK_OK(mprotect(a.base, a.textsize, PROT_READ | PROT_EXEC));
	CHECK(memcmp(where, "\xef\xbe\xad\xde", 4) == 0);
	CHECK_EQ(touch(where, 1), SIGBUS);
	same(a.base, 0, 0x1ffe, "text before the relocation");
	same(where + 4, 0x2002, TEXTSIZE - 0x2002, "text after the relocation");
	/* The stores are the process's own: not in the file. */
	unsigned char disk[4];
	fd = CHECK_OK(open(lib, O_RDONLY));
	CHECK_EQ(pread(fd, disk, 4, 0x1ffe), 4);
	CHECK_OK(close(fd));
	CHECK(memcmp(disk, img + 0x1ffe, 4) == 0);

	/* Later mappings land outside the object. */
	char *later = raw_mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(later != MAP_FAILED);
	CHECK(!overlaps(later, 3 * PAGE, a));

	/* dlopen of a second object (the same file again): its own span, the file's
	 * bytes (not the first one's relocated text). */
	struct obj b = load_object(lib, 0);
	CHECK(!overlaps(b.base, b.mapsize, a));
	CHECK(!overlaps(later, 3 * PAGE, b));
	check_object(b);

	/* dlclose of the first: its whole span goes, the second stays. */
	CHECK_OK(munmap(a.base, a.mapsize));
	CHECK_EQ(touch(a.base, 0), SIGSEGV);
	CHECK_EQ(touch(a.base + a.mapsize - 1, 0), SIGSEGV);
	check_object(b);
	CHECK_OK(munmap(b.base, b.mapsize));
	CHECK_EQ(touch(b.base + TEXTSIZE, 0), SIGSEGV);
	PASS();
}
