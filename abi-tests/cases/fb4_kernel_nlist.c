// abi: freebsd4-i386
/*
 * /kernel, as getbootfile(3) names it (kern.bootfile) and nlist(3) reads it: 4.8's
 * lib/libc/gen/nlist.c opens the file, tries a.out (which fails on the magic), then
 * __elf_fdnlist: reads the ELF header (ELFCLASS32, little-endian, EV_CURRENT, EM_386),
 * mmaps the section headers with flags 0 at e_shoff, finds SHT_SYMTAB and mmaps its
 * sh_link string table, reads the symbols after an lseek, and matches "_name" against
 * the symbol "name". The values must be what kldsym gives (kvm_nlist's answer on a
 * running kernel), so that a program reading /dev/kmem there finds the variable:
 * hz reads back as kern.clockrate's hz. Before, /kernel did not exist and nlist
 * returned -1.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>

struct sym {
	uint32_t name, value, size;
	uint8_t info, other;
	uint16_t shndx;
};

struct found {
	const char *name;
	uint32_t value;
	int type;
};

/* nlist's __elf_fdnlist on `fd`, for names[] (each with its underscore). */
static void elf_nlist(int fd, struct found *list, int n)
{
	unsigned char eh[52];
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, eh, sizeof(eh)), 52);
	CHECK(memcmp(eh, "\177ELF\1\1\1", 7) == 0);
	CHECK_EQ(eh[18] | eh[19] << 8, 3);   /* EM_386 */
	CHECK_EQ(nt_word(eh, 20), 1);        /* e_version */
	uint32_t shoff = nt_word(eh, 32);
	unsigned shentsize = eh[46] | eh[47] << 8, shnum = eh[48] | eh[49] << 8;
	CHECK_EQ(shentsize, 40);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	unsigned char *sh = (unsigned char *)__sys_mmap(NULL, shentsize * shnum, PROT_READ, 0, fd,
							   0, shoff);
	CHECK(sh != (unsigned char *)-1);
	uint32_t symoff = 0, symsize = 0, stroff = 0, strsize = 0;
	for (unsigned i = 0; i < shnum; i++) {
		if (nt_word(sh, i * 40 + 4) == 2) {
			symoff = nt_word(sh, i * 40 + 16);
			symsize = nt_word(sh, i * 40 + 20);
			uint32_t link = nt_word(sh, i * 40 + 24);
			stroff = nt_word(sh, link * 40 + 16);
			strsize = nt_word(sh, link * 40 + 20);
			break;
		}
	}
	CHECK(symoff != 0 && symsize % 16 == 0);
	char *strtab = (char *)__sys_mmap(NULL, strsize, PROT_READ, 0, fd, 0, stroff);
	CHECK(strtab != (char *)-1);
	CHECK_EQ(lseek(fd, symoff, SEEK_SET), (off_t)symoff);
	static struct sym syms[512];
	CHECK(symsize <= sizeof(syms));
	CHECK_EQ(read(fd, syms, symsize), (ssize_t)symsize);
	for (int i = 0; i < n; i++) {
		list[i].value = 0;
		list[i].type = 0;
	}
	for (unsigned s = 0; s < symsize / 16; s++) {
		const char *name = strtab + syms[s].name;
		if (!name[0])
			continue;
		for (int i = 0; i < n; i++) {
			if (strcmp(name, list[i].name + 1) != 0)
				continue;
			list[i].value = syms[s].value;
			/* elf_sym_to_nlist: PROGBITS -> N_TEXT/N_DATA, NOBITS -> N_BSS, | N_EXT. */
			unsigned char *h = sh + syms[s].shndx * 40;
			uint32_t type = nt_word(h, 4), flags = nt_word(h, 8);
			list[i].type = type == 1 ? ((flags & 1) ? 6 : 4) : type == 8 ? 8 : 0;
			if ((syms[s].info >> 4) == 1 || (syms[s].info >> 4) == 2)
				list[i].type |= 1;
		}
	}
	CHECK_OK(munmap(strtab, strsize));
	CHECK_OK(munmap(sh, shentsize * shnum));
}

int main(void)
{
	/* getbootfile(3). */
	int mib[2] = {1, 26};
	char boot[1024];
	size_t len = sizeof(boot);
	CHECK_OK(sysctl(mib, 2, boot, &len, NULL, 0));
	CHECK(strcmp(boot, "/kernel") == 0);

	struct stat st;
	CHECK_OK(stat(boot, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0555);
	CHECK_EQ(st.st_uid, 0);
	int fd = CHECK_OK(open(boot, O_RDONLY, 0));

	struct found list[] = {{"_hz", 0, 0}, {"_boottime", 0, 0}, {"_nfiles", 0, 0},
			       {"_no_such_symbol", 0, 0}};
	elf_nlist(fd, list, 4);
	close(fd);
	for (int i = 0; i < 3; i++) {
		struct kld_sym_lookup l = {16, list[i].name + 1, 0, 0};
		CHECK_OK(__sys_kldsym(0, 1, &l));
		if (list[i].value != l.symvalue)
			FAIL("%s: nlist %#x, kldsym %#x", list[i].name, list[i].value, l.symvalue);
		CHECK_EQ(list[i].type, 8 | 1); /* N_BSS | N_EXT */
	}
	CHECK_EQ(list[3].value, 0);
	CHECK_EQ(list[3].type, 0);

	/* What nlist found is the variable /dev/kmem serves. */
	int kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	int hz = 0;
	nt_kread(kmem, list[0].value, &hz, 4);
	CHECK_EQ(hz, nt_hz());
	close(kmem);
	PASS();
}
