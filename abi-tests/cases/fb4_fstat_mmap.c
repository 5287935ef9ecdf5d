// abi: freebsd4-i386
/*
 * What 4.x's fstat -m walks (dommap): kinfo_proc's p_vmspace (struct proc + 100)
 * leads through /dev/kmem to the 192-byte struct vmspace, whose map header (at its
 * start) links the 48-byte vm_map_entries in a circular list (header.next at 4, the
 * last entry's next the vmspace itself; vm_map.nentries at 80). An entry (start 8,
 * end 12, object 20, offset 24, eflags 32, protection 36, inheritance 38) of a file
 * mapping leads to the file's 92-byte vm_object (type 48 OBJT_VNODE, handle 80 its
 * vnode, one object per file whoever maps it), and the vnode's inode names the file.
 *
 * Listed: the program's own segments (4.x maps them from its vnode: p_textvp is their
 * handle) and every file mmap maps, private ones copy-on-write (MAP_ENTRY_COW |
 * NEEDS_COPY, inherited by copy), shared ones not (inherited shared), with the file
 * offset each maps from; anonymous memory is not (fstat has nothing to print for it).
 * munmap takes an entry out, or splits it (each part keeping its own offset), and
 * mprotect and minherit split it at their bounds (each part with its own protection
 * or inheritance, joined again when set back alike); a
 * forked child's map names the same objects; a shared mapping minherit made
 * INHERIT_COPY is copy-on-write after the next fork, in the parent too. procfs's map calls the same ranges
 * "vnode".
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

enum { KINFO = 1064, PAGE = 4096 };

static int kmem;

struct entry {
	uint32_t addr, start, end, object, eflags;
	uint64_t offset;
	unsigned char prot, inherit;
};

static struct entry entries[64];

/* `pid`'s map as fstat walks it; how many entries. */
static int walk(pid_t pid)
{
	unsigned char k[KINFO];
	int mib[4] = {1, 14, 1, pid};
	size_t len = KINFO;
	CHECK_OK(sysctl(mib, 4, k, &len, NULL, 0));
	uint32_t vmspace = nt_word(k, 100);
	CHECK(vmspace >= 0xc0000000u);
	unsigned char vm[192];
	nt_kread(kmem, vmspace, vm, sizeof vm);
	/* e_vm (eproc + 160) is a copy: the same sizes. */
	CHECK_EQ(nt_word(vm, 84), nt_word(k, 412 + 160 + 84));
	int n = 0;
	uint32_t prev = vmspace;
	for (uint32_t at = nt_word(vm, 4); at != vmspace; n++) {
		CHECK(n < 64);
		unsigned char e[48];
		nt_kread(kmem, at, e, sizeof e);
		CHECK_EQ(nt_word(e, 0), prev);
		struct entry *x = &entries[n];
		x->addr = at;
		x->start = nt_word(e, 8);
		x->end = nt_word(e, 12);
		x->object = nt_word(e, 20);
		memcpy(&x->offset, e + 24, 8);
		x->eflags = nt_word(e, 32);
		x->prot = e[36];
		x->inherit = e[38];
		CHECK(x->start < x->end);
		CHECK(n == 0 || entries[n - 1].end <= x->start);
		prev = at;
		at = nt_word(e, 4);
	}
	CHECK_EQ(nt_word(vm, 0), prev);
	CHECK_EQ(nt_word(vm, 80), (uint32_t)n);
	return n;
}

/* The inode number of the file an entry's object names (its vnode's inode). */
static uint32_t entry_inode(const struct entry *x, uint32_t *vnode)
{
	unsigned char o[92], v[168], ino[256];
	nt_kread(kmem, x->object, o, sizeof o);
	CHECK_EQ(o[48], 2); /* OBJT_VNODE */
	CHECK_EQ(nt_word(o, 60), 0); /* no backing object */
	*vnode = nt_word(o, 80);
	nt_kread(kmem, *vnode, v, sizeof v);
	CHECK_EQ(nt_word(v, 72), 1); /* VREG */
	nt_kread(kmem, nt_word(v, 120), ino, sizeof ino);
	return nt_word(ino, 56);
}

/* The entry starting at `start`, or NULL. */
static const struct entry *at_start(int n, uint32_t start)
{
	for (int i = 0; i < n; i++)
		if (entries[i].start == start)
			return &entries[i];
	return NULL;
}

static int make_file(const char *path, int pages, struct stat *st)
{
	int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
	static char page[PAGE];
	for (int i = 0; i < pages; i++) {
		memset(page, 'a' + i, sizeof page);
		CHECK_EQ(write(fd, page, sizeof page), PAGE);
	}
	CHECK_OK(fstat(fd, st));
	return fd;
}

int main(int argc, char **argv)
{
	(void)argc;
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	CHECK_OK(chdir("/tmp"));
	pid_t me = getpid();

	/* The program's segments: the text first, its handle p_textvp. */
	struct stat prog;
	CHECK_OK(stat(argv[0], &prog));
	int n = walk(me);
	CHECK(n >= 2);
	CHECK_EQ(entries[0].start, 0x08048000u);
	CHECK_EQ(entries[0].prot & 3, 1); /* r-x: read, no write */
	CHECK_EQ(entries[0].offset, 0);
	CHECK_EQ(entries[0].eflags, 0xc);
	uint32_t text_vnode;
	CHECK_EQ(entry_inode(&entries[0], &text_vnode), prog.st_ino);
	unsigned char k[KINFO];
	int mib[4] = {1, 14, 1, me};
	size_t len = KINFO;
	CHECK_OK(sysctl(mib, 4, k, &len, NULL, 0));
	CHECK_EQ(nt_word(k, 228), text_vnode);
	int program_entries = n;

	/* A private read-only mapping from the second page, a shared read-write one. */
	struct stat a, b;
	int fa = make_file("fb4_fstat_mmap.a", 4, &a);
	int fb = make_file("fb4_fstat_mmap.b", 4, &b);
	char *pa = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fa, PAGE);
	char *pb = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
	char *anon = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(pa != MAP_FAILED && pb != MAP_FAILED && anon != MAP_FAILED);
	CHECK_EQ(pa[0], 'b');
	anon[0] = 1;
	n = walk(me);
	CHECK_EQ(n, program_entries + 2);
	const struct entry *ea = at_start(n, (uint32_t)pa), *eb = at_start(n, (uint32_t)pb);
	CHECK(ea != NULL && eb != NULL);
	CHECK(at_start(n, (uint32_t)anon) == NULL);
	CHECK_EQ(ea->end, (uint32_t)pa + 2 * PAGE);
	CHECK_EQ(ea->offset, PAGE);
	CHECK_EQ(ea->prot & 3, 1);
	CHECK_EQ(ea->eflags, 0xc);
	CHECK_EQ(ea->inherit, 1);
	CHECK_EQ(eb->end, (uint32_t)pb + 4 * PAGE);
	CHECK_EQ(eb->offset, 0);
	CHECK_EQ(eb->prot & 3, 3);
	CHECK_EQ(eb->eflags, 0);
	CHECK_EQ(eb->inherit, 0);
	uint32_t va, vb;
	CHECK_EQ(entry_inode(ea, &va), a.st_ino);
	CHECK_EQ(entry_inode(eb, &vb), b.st_ino);
	CHECK(va != vb && va != text_vnode);
	uint32_t object_b = eb->object;
	/* An entry is 48 bytes, an object 92: past them nothing reads. */
	char past[4];
	CHECK_ERRNO(pread(kmem, past, 4, (off_t)ea->addr + 48), EFAULT);
	CHECK_ERRNO(pread(kmem, past, 4, (off_t)ea->object + 92), EFAULT);

	/* procfs's map: the same ranges are vnode, the anonymous one default. */
	int mapfd = CHECK_OK(open("/proc/curproc/map", O_RDONLY));
	static char map[16384];
	ssize_t got = read(mapfd, map, sizeof map - 1);
	CHECK(got > 0);
	map[got] = 0;
	close(mapfd);
	char want[80];
	snprintf(want, sizeof want, "0x%x 0x%x ", (unsigned)(uintptr_t)pa,
		 (unsigned)(uintptr_t)pa + 2 * PAGE);
	char *line = strstr(map, want);
	CHECK(line != NULL);
	char *eol = strchr(line, '\n');
	CHECK(eol != NULL && eol - line > 16);
	CHECK(strncmp(eol - 15, " COW NNC vnode", 14) == 0 || strncmp(eol - 14, " COW NNC vnode", 14) == 0);
	snprintf(want, sizeof want, "0x%x 0x%x ", (unsigned)(uintptr_t)anon,
		 (unsigned)(uintptr_t)anon + 3 * PAGE);
	line = strstr(map, want);
	CHECK(line != NULL);
	eol = strchr(line, '\n');
	CHECK(strncmp(eol - 7, "default", 7) == 0);
	snprintf(want, sizeof want, "0x8048000 ");
	line = strstr(map, want);
	CHECK(line != NULL);
	eol = strchr(line, '\n');
	CHECK(strncmp(eol - 5, "vnode", 5) == 0);

	/* A forked child's map names the same objects. */
	int ready[2], go[2];
	CHECK_OK(pipe(ready));
	CHECK_OK(pipe(go));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		write(ready[1], "r", 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	CHECK_EQ(read(ready[0], &c, 1), 1);
	int cn = walk(child);
	CHECK_EQ(cn, n);
	const struct entry *cb = at_start(cn, (uint32_t)pb);
	CHECK(cb != NULL);
	CHECK_EQ(cb->object, object_b);
	CHECK_EQ(write(go[1], "g", 1), 1);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);

	/* INHERIT_COPY over the shared one: at the next fork it turns copy-on-write, in
	 * the parent too, and its entry says so. */
	char *pc = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
	CHECK(pc != MAP_FAILED);
	CHECK_OK(__sys_minherit(pc, PAGE, INHERIT_COPY));
	n = walk(me);
	CHECK_EQ(at_start(n, (uint32_t)pc)->eflags, 0);
	child = CHECK_OK(fork());
	if (child == 0)
		_exit(0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	n = walk(me);
	CHECK_EQ(at_start(n, (uint32_t)pc)->eflags, 0xc);
	CHECK_EQ(at_start(n, (uint32_t)pc)->inherit, 1);
	CHECK_OK(munmap(pc, PAGE));

	/* mprotect splits an entry at its bounds, each part with its protection and
	 * offset (vm_map_protect's clips); set back, the parts are one again
	 * (vm_map_simplify_entry). */
	CHECK_OK(mprotect(pb + PAGE, PAGE, PROT_READ));
	n = walk(me);
	CHECK_EQ(n, program_entries + 4);
	const struct entry *p0 = at_start(n, (uint32_t)pb), *p1 = at_start(n, (uint32_t)pb + PAGE);
	const struct entry *p2 = at_start(n, (uint32_t)pb + 2 * PAGE);
	CHECK(p0 != NULL && p1 != NULL && p2 != NULL);
	CHECK_EQ(p0->end, (uint32_t)pb + PAGE);
	CHECK_EQ(p0->prot & 3, 3);
	CHECK_EQ(p1->end, (uint32_t)pb + 2 * PAGE);
	CHECK_EQ(p1->prot & 3, 1);
	CHECK_EQ(p1->offset, PAGE);
	CHECK_EQ(p1->object, object_b);
	CHECK_EQ(p2->end, (uint32_t)pb + 4 * PAGE);
	CHECK_EQ(p2->prot & 3, 3);
	CHECK_EQ(p2->offset, 2 * PAGE);
	CHECK_OK(mprotect(pb + PAGE, PAGE, PROT_READ | PROT_WRITE));
	n = walk(me);
	CHECK_EQ(n, program_entries + 2);
	CHECK_EQ(at_start(n, (uint32_t)pb)->end, (uint32_t)pb + 4 * PAGE);
	/* So does minherit, each part with its vm_inherit_t (SHARE 0, NONE 2). */
	CHECK_OK(__sys_minherit(pb + 2 * PAGE, PAGE, INHERIT_NONE));
	n = walk(me);
	CHECK_EQ(n, program_entries + 4);
	CHECK_EQ(at_start(n, (uint32_t)pb)->end, (uint32_t)pb + 2 * PAGE);
	CHECK_EQ(at_start(n, (uint32_t)pb)->inherit, 0);
	CHECK_EQ(at_start(n, (uint32_t)pb + 2 * PAGE)->inherit, 2);
	CHECK_EQ(at_start(n, (uint32_t)pb + 2 * PAGE)->offset, 2 * PAGE);
	CHECK_EQ(at_start(n, (uint32_t)pb + 3 * PAGE)->inherit, 0);
	CHECK_OK(__sys_minherit(pb + 2 * PAGE, PAGE, INHERIT_SHARE));
	n = walk(me);
	CHECK_EQ(n, program_entries + 2);
	CHECK_EQ(at_start(n, (uint32_t)pb)->end, (uint32_t)pb + 4 * PAGE);

	/* munmap takes the private one out and splits the shared one. */
	CHECK_OK(munmap(pa, 2 * PAGE));
	CHECK_OK(munmap(pb + PAGE, PAGE));
	n = walk(me);
	CHECK_EQ(n, program_entries + 2);
	CHECK(at_start(n, (uint32_t)pa) == NULL);
	eb = at_start(n, (uint32_t)pb);
	const struct entry *tail = at_start(n, (uint32_t)pb + 2 * PAGE);
	CHECK(eb != NULL && tail != NULL);
	CHECK_EQ(eb->end, (uint32_t)pb + PAGE);
	CHECK_EQ(tail->end, (uint32_t)pb + 4 * PAGE);
	CHECK_EQ(tail->offset, 2 * PAGE);
	CHECK_EQ(tail->object, object_b);
	/* (4.x's munmap refuses a range with a hole: the parts one by one.) */
	CHECK_OK(munmap(pb, PAGE));
	CHECK_OK(munmap(pb + 2 * PAGE, 2 * PAGE));
	CHECK_EQ(walk(me), program_entries);

	close(fa);
	close(fb);
	unlink("fb4_fstat_mmap.a");
	unlink("fb4_fstat_mmap.b");
	close(kmem);
	return 0;
}
