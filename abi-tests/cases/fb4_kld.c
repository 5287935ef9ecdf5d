// abi: freebsd4-i386
/*
 * The kernel linker and module calls (300-309, 337) as 4.x's kern_linker.c and
 * kern_module.c answer them on a kernel that has loaded no file besides itself. The
 * walk kldstat(8) does: kldnext from 0 gives file 1 and then 0; kldstat of it writes
 * version-checked (1044) struct kld_file_stat fields one by one: "kernel" and its NUL
 * (nothing more of name), refs 1, id 1, address 0, size 0; kldfirstmod/modfnext/
 * modstat give its modules elf (1) and shell (2), the 4.x image activators' EXEC_SET
 * modules, in a 48-byte struct module_stat (data 0) or the 44-byte first version
 * (data untouched). modnext walks the same list. modfind finds elf and shell, not
 * sysvshm/sysvsem/sysvmsg (4.x's SysV IPC is no module) or linux: ENOENT; a name of
 * 32 bytes without NUL ENAMETOOLONG. kldfind: only a bare "kernel" is 1 (4.x keeps the
 * slash of a path). Version checks EINVAL, unknown ids ENOENT, bad pointers EFAULT
 * (also part way through the copyout). kldsym: EINVAL for a bad version or command,
 * EFAULT for a bad struct or symname, then ENOENT for a name the kernel has no
 * variable of (the struct untouched; fb4_kvm_top finds top's). kldload: EPERM as
 * non-root (before the name is read); as root EEXIST for "kernel", ENOENT for a name
 * found nowhere (bare: the module path /;/boot/;/modules/, NAME.ko then NAME; or a
 * path), ENOEXEC for a file that is there but no linker class takes (a plain file, a
 * directory, a lookup error other than ENOENT). kldunload: EPERM as non-root, EBUSY for
 * the kernel, ENOENT for another id.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define KFS_SIZE 1044
#define MS_SIZE 48
#define MS_V1_SIZE 44
#define GUARD 16
#define FILL 0xAA

/* A page of readable memory followed by an unmapped one: `page` + 4096 faults. */
static unsigned char *page;

static unsigned char *bad(void) { return page + 4096; }

static void map_pages(void) { page = nt_page_before_hole(); }

static void put32(unsigned char *p, int32_t v) { memcpy(p, &v, 4); }

static void check_bytes(const unsigned char *got, const unsigned char *want, int n,
			const char *what)
{
	for (int i = 0; i < n; i++)
		if (got[i] != want[i])
			FAIL("%s: byte %d is 0x%02x, wanted 0x%02x", what, i, got[i], want[i]);
}

/* kldstat(fileid) into a filled, guarded buffer; the whole buffer checked. */
static void check_kldstat(int fileid)
{
	unsigned char buf[KFS_SIZE + GUARD], want[KFS_SIZE + GUARD];
	memset(buf, FILL, sizeof(buf));
	put32(buf, KFS_SIZE);
	memcpy(want, buf, sizeof(want));
	memcpy(want + 4, "kernel", 7);
	put32(want + 1028, 1);   /* refs */
	put32(want + 1032, 1);   /* id */
	put32(want + 1036, 0);   /* address */
	put32(want + 1040, 0);   /* size */
	CHECK_EQ(CHECK_OK(__sys_kldstat(fileid, buf)), 0);
	check_bytes(buf, want, sizeof(buf), "kldstat");
}

/* modstat(modid) with the given version; the whole buffer checked. */
static void check_modstat(int modid, int version, const char *name)
{
	unsigned char buf[MS_SIZE + GUARD], want[MS_SIZE + GUARD];
	memset(buf, FILL, sizeof(buf));
	put32(buf, version);
	memcpy(want, buf, sizeof(want));
	memcpy(want + 4, name, strlen(name) + 1);
	put32(want + 36, 1);     /* refs */
	put32(want + 40, modid); /* id */
	if (version == MS_SIZE)
		put32(want + 44, 0); /* data: no syscall module */
	CHECK_EQ(CHECK_OK(__sys_modstat(modid, buf)), 0);
	check_bytes(buf, want, sizeof(buf), "modstat");
}

/* What kldstat(8) -v does: every file, and every module of each. */
static void walk(void)
{
	static const char *const mods[] = { "elf", "shell" };
	int files = 0, nmods = 0;
	for (int id = CHECK_OK(__sys_kldnext(0)); id > 0; id = CHECK_OK(__sys_kldnext(id))) {
		CHECK_EQ(id, 1);
		check_kldstat(id);
		files++;
		for (int m = CHECK_OK(__sys_kldfirstmod(id)); m > 0;
		     m = CHECK_OK(__sys_modfnext(m))) {
			CHECK(nmods < 2);
			CHECK_EQ(m, nmods + 1);
			check_modstat(m, MS_SIZE, mods[nmods]);
			check_modstat(m, MS_V1_SIZE, mods[nmods]);
			nmods++;
		}
	}
	CHECK_EQ(files, 1);
	CHECK_EQ(nmods, 2);
	/* modnext walks all modules: the same two. */
	CHECK_EQ(__sys_modnext(0), 1);
	CHECK_EQ(__sys_modnext(1), 2);
	CHECK_EQ(__sys_modnext(2), 0);
}

static void ids_and_versions(void)
{
	unsigned char buf[KFS_SIZE + GUARD], want[KFS_SIZE + GUARD];

	CHECK_ERRNO(__sys_kldnext(2), ENOENT);
	CHECK_ERRNO(__sys_kldnext(-1), ENOENT);
	CHECK_ERRNO(__sys_kldfirstmod(0), ENOENT);
	CHECK_ERRNO(__sys_kldfirstmod(2), ENOENT);
	CHECK_ERRNO(__sys_modnext(3), ENOENT);
	CHECK_ERRNO(__sys_modnext(-1), ENOENT);
	CHECK_ERRNO(__sys_modfnext(0), ENOENT);
	CHECK_ERRNO(__sys_modfnext(3), ENOENT);

	/* kldstat: the id first (a bad pointer is not read), then the version. */
	CHECK_ERRNO(__sys_kldstat(0, bad()), ENOENT);
	CHECK_ERRNO(__sys_kldstat(2, bad()), ENOENT);
	CHECK_ERRNO(__sys_kldstat(1, bad()), EFAULT);
	CHECK_ERRNO(__sys_kldstat(1, NULL), EFAULT);
	int versions[] = { 0, KFS_SIZE - 1, KFS_SIZE + 1, 2068, -1 };
	for (unsigned i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		memset(buf, FILL, sizeof(buf));
		put32(buf, versions[i]);
		memcpy(want, buf, sizeof(want));
		CHECK_ERRNO(__sys_kldstat(1, buf), EINVAL);
		check_bytes(buf, want, sizeof(buf), "kldstat EINVAL");
	}
	/* The version readable, the name not writable: EFAULT part way. */
	put32(bad() - 4, KFS_SIZE);
	CHECK_ERRNO(__sys_kldstat(1, bad() - 4), EFAULT);
	/* Name, refs and id written, address not: the copyouts go in order. */
	unsigned char *s = bad() - 1036;
	memset(s, FILL, 1036);
	put32(s, KFS_SIZE);
	CHECK_ERRNO(__sys_kldstat(1, s), EFAULT);
	CHECK(memcmp(s + 4, "kernel", 7) == 0);
	CHECK_EQ(s[11], FILL);
	int32_t v;
	memcpy(&v, s + 1028, 4);
	CHECK_EQ(v, 1);
	memcpy(&v, s + 1032, 4);
	CHECK_EQ(v, 1);

	/* modstat: the id, then the version (44 or 48). */
	CHECK_ERRNO(__sys_modstat(0, bad()), ENOENT);
	CHECK_ERRNO(__sys_modstat(3, bad()), ENOENT);
	CHECK_ERRNO(__sys_modstat(1, bad()), EFAULT);
	int mversions[] = { 0, 40, 43, 45, 47, 49, 52 };
	for (unsigned i = 0; i < sizeof(mversions) / sizeof(mversions[0]); i++) {
		memset(buf, FILL, MS_SIZE + GUARD);
		put32(buf, mversions[i]);
		memcpy(want, buf, MS_SIZE + GUARD);
		CHECK_ERRNO(__sys_modstat(1, buf), EINVAL);
		check_bytes(buf, want, MS_SIZE + GUARD, "modstat EINVAL");
	}
	/* Version 44 at the end of the page: data is not written, so no fault. */
	s = bad() - MS_V1_SIZE;
	memset(s, FILL, MS_V1_SIZE);
	put32(s, MS_V1_SIZE);
	CHECK_EQ(CHECK_OK(__sys_modstat(2, s)), 0);
	CHECK(memcmp(s + 4, "shell", 6) == 0);
	/* Version 48 there: data faults after the rest is written. */
	put32(s, MS_SIZE);
	CHECK_ERRNO(__sys_modstat(2, s), EFAULT);
}

static void names(void)
{
	CHECK_EQ(__sys_modfind("elf"), 1);
	CHECK_EQ(__sys_modfind("shell"), 2);
	CHECK_ERRNO(__sys_modfind("sysvshm"), ENOENT);
	CHECK_ERRNO(__sys_modfind("sysvsem"), ENOENT);
	CHECK_ERRNO(__sys_modfind("sysvmsg"), ENOENT);
	CHECK_ERRNO(__sys_modfind("linux"), ENOENT);
	CHECK_ERRNO(__sys_modfind("kernel"), ENOENT);
	CHECK_ERRNO(__sys_modfind(""), ENOENT);
	CHECK_ERRNO(__sys_modfind("ELF"), ENOENT);
	char name[40];
	memset(name, 'a', sizeof(name));
	name[31] = 0; /* 31 characters and the NUL: fits MAXMODNAME */
	CHECK_ERRNO(__sys_modfind(name), ENOENT);
	name[31] = 'a';
	name[32] = 0; /* 32 characters: no room for the NUL */
	CHECK_ERRNO(__sys_modfind(name), ENAMETOOLONG);
	CHECK_ERRNO(__sys_modfind((char *)bad()), EFAULT);
	CHECK_ERRNO(__sys_modfind(NULL), EFAULT);
	/* A name running into the unmapped page. */
	memcpy(bad() - 3, "elf", 3);
	CHECK_ERRNO(__sys_modfind((char *)bad() - 3), EFAULT);

	CHECK_EQ(__sys_kldfind("kernel"), 1);
	CHECK_ERRNO(__sys_kldfind("kernel.ko"), ENOENT);
	CHECK_ERRNO(__sys_kldfind("/boot/kernel"), ENOENT);
	CHECK_ERRNO(__sys_kldfind("/kernel"), ENOENT);
	CHECK_ERRNO(__sys_kldfind("elf"), ENOENT);
	CHECK_ERRNO(__sys_kldfind(""), ENOENT);
	CHECK_ERRNO(__sys_kldfind((char *)bad()), EFAULT);
	static char longname[1100];
	memset(longname, 'k', sizeof(longname) - 1);
	CHECK_ERRNO(__sys_kldfind(longname), ENAMETOOLONG);
}

static void symbols(void)
{
	struct {
		int32_t version;
		const char *symname;
		uint32_t symvalue;
		uint32_t symsize;
	} l, want;
	_Static_assert(sizeof(l) == 16, "struct kld_sym_lookup");
	l.version = 16;
	l.symname = "kernbase";
	l.symvalue = 0x11111111;
	l.symsize = 0x22222222;
	want = l;
	CHECK_ERRNO(__sys_kldsym(0, 1, &l), ENOENT);
	CHECK_ERRNO(__sys_kldsym(1, 1, &l), ENOENT);
	CHECK_ERRNO(__sys_kldsym(2, 1, &l), ENOENT);
	CHECK(memcmp(&l, &want, sizeof(l)) == 0);
	CHECK_ERRNO(__sys_kldsym(1, 0, &l), EINVAL);
	CHECK_ERRNO(__sys_kldsym(1, 2, &l), EINVAL);
	l.version = 12;
	CHECK_ERRNO(__sys_kldsym(1, 1, &l), EINVAL);
	/* The checks come before the file is looked up. */
	CHECK_ERRNO(__sys_kldsym(2, 1, &l), EINVAL);
	l.version = 16;
	CHECK_ERRNO(__sys_kldsym(1, 1, bad()), EFAULT);
	CHECK_ERRNO(__sys_kldsym(1, 1, bad() - 8), EFAULT);
	l.symname = (const char *)bad();
	CHECK_ERRNO(__sys_kldsym(1, 1, &l), EFAULT);
	/* symname is read before the file is looked up. */
	CHECK_ERRNO(__sys_kldsym(2, 1, &l), EFAULT);
	l.symname = NULL;
	CHECK_ERRNO(__sys_kldsym(0, 1, &l), EFAULT);
	static char longsym[1100];
	memset(longsym, 's', sizeof(longsym) - 1);
	l.symname = longsym;
	CHECK_ERRNO(__sys_kldsym(1, 1, &l), ENAMETOOLONG);
}

static void load_as_root(void)
{
	char path[256];
	CHECK_ERRNO(__sys_kldload("kernel"), EEXIST);
	CHECK_ERRNO(__sys_kldload("/boot/kernel"), EEXIST);
	CHECK_ERRNO(__sys_kldload("/no/such/dir/kernel"), EEXIST);
	CHECK_ERRNO(__sys_kldload((char *)bad()), EFAULT);
	static char longname[1100];
	memset(longname, 'l', sizeof(longname) - 1);
	CHECK_ERRNO(__sys_kldload(longname), ENAMETOOLONG);

	/* Found nowhere: a bare name in the module path, a path, a missing directory. */
	CHECK_ERRNO(__sys_kldload("fb4_kld_no_such_module"), ENOENT);
	CHECK_ERRNO(__sys_kldload("linux"), ENOENT);
	CHECK_ERRNO(__sys_kldload("/fb4_kld/no/such/file.ko"), ENOENT);
	CHECK_ERRNO(__sys_kldload("./fb4_kld_missing"), ENOENT);
	CHECK_ERRNO(__sys_kldload(""), ENOENT);

	/* Found, but no linker class takes it. */
	int fd = CHECK_OK(open("plain", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, "not a kernel module\n", 20), 20);
	CHECK_OK(close(fd));
	CHECK(getcwd(path, sizeof(path) - 16) != NULL);
	strcat(path, "/plain");
	CHECK_ERRNO(__sys_kldload(path), ENOEXEC);
	CHECK_ERRNO(__sys_kldload("./plain"), ENOEXEC);
	/* "./plain2" is missing but "./plain2.ko" is there: NAME.ko comes first. */
	fd = CHECK_OK(open("plain2.ko", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK_OK(close(fd));
	CHECK_ERRNO(__sys_kldload("./plain2"), ENOEXEC);
	/* A directory opens for reading too. */
	CHECK_ERRNO(__sys_kldload("/tmp"), ENOEXEC);
	CHECK_ERRNO(__sys_kldload("."), ENOENT); /* no slash: searched in the path, not a regular file there */
	/* ENOTDIR is not ENOENT: the file "exists" as far as the linker can tell. */
	CHECK_ERRNO(__sys_kldload("./plain/x"), ENOEXEC);
	/* A bare name is not looked up in the working directory. */
	CHECK_ERRNO(__sys_kldload("plain"), ENOENT);
	/* A bare name found in the module path ("/" is its first directory). */
	fd = open("/fb4_kld_probe.ko", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		CHECK_OK(close(fd));
		CHECK_ERRNO(__sys_kldload("fb4_kld_probe"), ENOEXEC);
		CHECK_ERRNO(__sys_kldload("fb4_kld_probe.ko"), ENOEXEC);
		CHECK_OK(unlink("/fb4_kld_probe.ko"));
		CHECK_ERRNO(__sys_kldload("fb4_kld_probe"), ENOENT);
	}

	CHECK_ERRNO(__sys_kldunload(1), EBUSY);
	CHECK_ERRNO(__sys_kldunload(0), ENOENT);
	CHECK_ERRNO(__sys_kldunload(2), ENOENT);
	CHECK_ERRNO(__sys_kldunload(-1), ENOENT);
	/* Nothing changed. */
	CHECK_EQ(__sys_kldnext(0), 1);
	CHECK_EQ(__sys_kldnext(1), 0);
}

static void as_user(void)
{
	int status;
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(4242));
		/* suser comes first: even an unreadable name is EPERM. */
		CHECK_ERRNO(__sys_kldload("linux"), EPERM);
		CHECK_ERRNO(__sys_kldload("kernel"), EPERM);
		CHECK_ERRNO(__sys_kldload((char *)bad()), EPERM);
		CHECK_ERRNO(__sys_kldunload(1), EPERM);
		CHECK_ERRNO(__sys_kldunload(99), EPERM);
		/* Looking needs no privilege. */
		CHECK_EQ(__sys_kldnext(0), 1);
		check_kldstat(1);
		check_modstat(1, MS_SIZE, "elf");
		CHECK_EQ(__sys_modfind("shell"), 2);
		CHECK_EQ(__sys_kldfind("kernel"), 1);
		_exit(0);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
}

int main(void)
{
	map_pages();
	nt_scratch_dir("fb4_kld");
	walk();
	ids_and_versions();
	names();
	symbols();
	load_as_root();
	as_user();
	PASS();
}
