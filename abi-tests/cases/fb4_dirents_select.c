// abi: freebsd4-i386
/*
 * Directory records, select, statfs and the compat prefix as a FreeBSD 4.x program
 * sees them (reference §4 "struct dirent and getdirentries", "Other structs";
 * vfs_syscalls.c getdirentries/fstatfs, sys_generic.c select):
 *  - getdirentries (196): records u32 d_fileno, u16 d_reclen, u8 d_type, u8 d_namlen,
 *    the name NUL-terminated; d_reclen = 8 + roundup(namlen + 1, 4), or more for a
 *    block's last record, which runs to the block's end (ufs_readdir reads the
 *    directory's UFS blocks as they are); every record 4-byte aligned, none across a
 *    512-byte block, the lengths adding up to the count returned, a whole number of
 *    blocks; d_fileno the entry's st_ino and d_type IFTODT of its mode ("." and ".."
 *    included); *basep the directory offset before the read, which lseek can go back
 *    to; 0 at the end; a count that ends before the first block's end EINVAL, a
 *    regular file EINVAL, a closed descriptor EBADF;
 *  - select (93) on pipes: an empty pipe's write end is writable and its read end not
 *    (timeout {0,0}: at once), data makes both ready; a timeout runs out with 0 and
 *    empty sets, and the timeval is left as it was (4.x does not write it back); a
 *    closed descriptor in a set is EBADF, a negative count EINVAL; only
 *    howmany(nd, 32) words of each set are read and written (libc and programs size
 *    them by nd), the words past them untouched;
 *  - fstatfs/statfs (158/157): 256 bytes, the same for a descriptor and its path,
 *    f_fsid the files' st_dev, f_fstypename and f_mntonname NUL-terminated, the mount
 *    point "/" or a prefix of the path; a pipe EINVAL;
 *  - the compat prefix: a file made as /compat/freebsd4/tmp/x is /tmp/x to a FreeBSD
 *    process, ahead of a /tmp/x outside the prefix.
 */
#include <nymph_test.h>
#include <sys/mman.h>

#define IFTODT(mode) (((mode) & 0170000) >> 12)

/* ---- getdirentries ---- */

static const char *const names[] = {"a", "bb", "ccc", "dddd", "eeeee", "sub", "ln", "ff"};
#define NNAMES ((int)(sizeof(names) / sizeof(names[0])))
static char longname[MAXNAMLEN + 1];

static void make_entries(void)
{
	for (int i = 0; i < 5; i++)
		nt_write_file(names[i], "x");
	CHECK_OK(mkdir("sub", 0755));
	CHECK_OK(symlink("a", "ln"));
	CHECK_OK(mkfifo("ff", 0644));
	memset(longname, 'L', MAXNAMLEN);
	longname[MAXNAMLEN] = '\0';
	nt_write_file(longname, "long");
}

/* Checks every record of one getdirentries result, read from directory offset
 * `base`; marks the names seen. */
static int check_records(const char *buf, int n, long base, int *seen, int *seen_long,
			 int *dots)
{
	int off = 0, count = 0;
	if ((base + n) % 512 != 0)
		FAIL("a read from %ld gave %d bytes: not to a block's end", base, n);
	while (off < n) {
		if (off % 4 != 0)
			FAIL("record at offset %d: not 4-byte aligned", off);
		if (n - off < 8)
			FAIL("record at offset %d: %d bytes left, not a header", off, n - off);
		const struct dirent *d = (const struct dirent *)(buf + off);
		unsigned namlen = d->d_namlen;
		unsigned want = 8 + ((namlen + 1 + 3) & ~3u);
		int block_end = (base + off + d->d_reclen) % 512 == 0;
		if (d->d_reclen % 4 != 0 || d->d_reclen < want ||
		    (d->d_reclen != want && !block_end))
			FAIL("\"%.*s\": d_reclen %u, wanted 8 + roundup(%u + 1, 4) = %u or to the "
			     "block's end",
			     (int)namlen, (const char *)d->d_name, d->d_reclen, namlen, want);
		if ((base + off) / 512 != (base + off + d->d_reclen - 1) / 512)
			FAIL("record at offset %ld crosses a block", base + off);
		if (off + d->d_reclen > n)
			FAIL("record at offset %d runs past the %d bytes returned", off, n);
		const char *name = (const char *)d->d_name;
		if (name[namlen] != '\0' || strlen(name) != namlen)
			FAIL("record at offset %d: d_namlen %u, name not NUL-terminated there", off,
			     namlen);
		struct stat st;
		CHECK_OK(lstat(name, &st));
		if (d->d_fileno != st.st_ino)
			FAIL("\"%s\": d_fileno %u, st_ino %u", name, d->d_fileno, st.st_ino);
		if (d->d_type != IFTODT(st.st_mode))
			FAIL("\"%s\": d_type %u, wanted %u", name, d->d_type,
			     (unsigned)IFTODT(st.st_mode));
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			CHECK_EQ(d->d_type, DT_DIR);
			(*dots)++;
		} else if (strcmp(name, longname) == 0) {
			CHECK(d->d_reclen >= 264);
			(*seen_long)++;
		} else {
			int i = 0;
			while (i < NNAMES && strcmp(names[i], name) != 0)
				i++;
			if (i == NNAMES)
				FAIL("unexpected entry \"%s\"", name);
			seen[i]++;
		}
		off += d->d_reclen;
		count++;
	}
	return count;
}

static void check_all_seen(const int *seen, int seen_long, int dots)
{
	for (int i = 0; i < NNAMES; i++)
		if (seen[i] != 1)
			FAIL("\"%s\" seen %d times", names[i], seen[i]);
	CHECK_EQ(seen_long, 1);
	CHECK_EQ(dots, 2);
}

static void check_getdirentries(void)
{
	make_entries();
	CHECK_EQ(DT_REG, 8);
	CHECK_EQ(DT_DIR, 4);
	CHECK_EQ(DT_LNK, 10);
	CHECK_EQ(DT_FIFO, 1);
	static char buf[4096] __attribute__((aligned(4)));
	int fd = CHECK_OK(open(".", O_RDONLY));
	long base = 0x5a5a5a5a;
	int seen[NNAMES] = {0}, seen_long = 0, dots = 0;
	int n = CHECK_OK(getdirentries(fd, buf, sizeof(buf), &base));
	CHECK_EQ(base, 0);
	CHECK(n > 0);
	check_records(buf, n, base, seen, &seen_long, &dots);
	long end = (long)CHECK_OK(lseek(fd, 0, SEEK_CUR));
	int more;
	while ((more = CHECK_OK(getdirentries(fd, buf, sizeof(buf), &base))) > 0) {
		CHECK_EQ(base, end);
		check_records(buf, more, base, seen, &seen_long, &dots);
		end = (long)CHECK_OK(lseek(fd, 0, SEEK_CUR));
	}
	CHECK_EQ(base, end); /* the offset the empty read started from */
	check_all_seen(seen, seen_long, dots);

	/* Small reads: each starts where the last ended, and lseek to a base replays. */
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	memset(seen, 0, sizeof(seen));
	seen_long = dots = 0;
	long bases[32];
	int reads = 0;
	for (;;) {
		long before = (long)CHECK_OK(lseek(fd, 0, SEEK_CUR));
		int got = CHECK_OK(getdirentries(fd, buf, 512, &base));
		CHECK_EQ(base, before);
		if (got == 0)
			break;
		CHECK(got <= 512);
		CHECK(reads < 32);
		bases[reads++] = base;
		CHECK_EQ(got, 512);
		check_records(buf, got, base, seen, &seen_long, &dots);
	}
	check_all_seen(seen, seen_long, dots);
	if (reads > 1) {
		static char again[512] __attribute__((aligned(4)));
		static char first[512] __attribute__((aligned(4)));
		CHECK_OK(lseek(fd, bases[1], SEEK_SET));
		int a = CHECK_OK(getdirentries(fd, first, sizeof(first), &base));
		CHECK_EQ(base, bases[1]);
		CHECK_OK(lseek(fd, bases[1], SEEK_SET));
		int b = CHECK_OK(getdirentries(fd, again, sizeof(again), &base));
		CHECK_EQ(a, b);
		CHECK_EQ(memcmp(first, again, (size_t)a), 0);
	}
	/* ufs_readdir reads whole blocks: a count short of the first block's end is
	 * EINVAL, and one past a block's end reads to it. */
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_ERRNO(getdirentries(fd, buf, 511, &base), EINVAL);
	CHECK_EQ(CHECK_OK(getdirentries(fd, buf, 700, &base)), 512);
	CHECK_OK(lseek(fd, 100, SEEK_SET));
	CHECK_ERRNO(getdirentries(fd, buf, 400, &base), EINVAL);
	CHECK_EQ(CHECK_OK(getdirentries(fd, buf, 412, &base)), 412);
	/* They are the bytes read(2) gives. */
	static char raw[4096], got[4096];
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	int whole = CHECK_OK(getdirentries(fd, got, sizeof(got), &base));
	CHECK_EQ(pread(fd, raw, sizeof(raw), 0), whole);
	CHECK_EQ(memcmp(raw, got, (size_t)whole), 0);
	close(fd);

	int file = CHECK_OK(open("a", O_RDONLY));
	CHECK_ERRNO(getdirentries(file, buf, sizeof(buf), &base), EINVAL);
	close(file);
	CHECK_ERRNO(getdirentries(fd, buf, sizeof(buf), &base), EBADF);
}

/* ---- select ---- */

static void check_select(void)
{
	int p[2];
	CHECK_OK(pipe(p));
	int nd = (p[0] > p[1] ? p[0] : p[1]) + 1;
	CHECK(nd <= 32);
	fd_set r, w, e;
	struct timeval tv = {0, 0};

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	CHECK_EQ(select(nd, &r, &w, &e, &tv), 1);
	CHECK(!FD_ISSET(p[0], &r));
	CHECK(FD_ISSET(p[1], &w));
	CHECK(!FD_ISSET(p[0], &e));

	CHECK_EQ(write(p[1], "s", 1), 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_EQ(select(nd, &r, &w, NULL, &tv), 2);
	CHECK(FD_ISSET(p[0], &r));
	CHECK(FD_ISSET(p[1], &w));
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);

	/* A timeout that runs out: 0, empty sets, the timeval as it was. */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 150000;
	long t0 = nt_now_ms();
	CHECK_EQ(select(nd, &r, NULL, NULL, &tv), 0);
	long waited = nt_now_ms() - t0;
	if (waited < 120)
		FAIL("select with a 150 ms timeout returned after %ld ms", waited);
	CHECK(!FD_ISSET(p[0], &r));
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 150000);

	/* Only the words covering nd are read and written. */
	fd_set big;
	memset(&big, 0xee, sizeof(big));
	big.fds_bits[0] = 1u << p[1];
	tv.tv_usec = 0;
	CHECK_EQ(select(nd, NULL, &big, NULL, &tv), 1);
	CHECK_EQ(big.fds_bits[0], 1u << p[1]);
	for (int i = 1; i < 32; i++)
		if (big.fds_bits[i] != 0xeeeeeeeeu)
			FAIL("select(%d, ...) changed word %d of the set (fds %d-%d): 0x%x", nd, i,
			     32 * i, 32 * i + 31, big.fds_bits[i]);
	/* One 32-bit word at the very end of a mapping is a whole set for nd <= 32. */
	char *pg = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	CHECK(pg != MAP_FAILED);
	CHECK_OK(munmap(pg + PAGE_SIZE, PAGE_SIZE));
	fd_set *tail = (fd_set *)(pg + PAGE_SIZE - 4);
	tail->fds_bits[0] = 1u << p[1];
	int got = select(nd, NULL, tail, NULL, &tv);
	if (got != 1)
		FAIL("select(%d) with a one-word set at the end of a mapping: %d, errno %s", nd, got,
		     nt_errname(errno));
	CHECK_EQ(tail->fds_bits[0], 1u << p[1]);
	CHECK_OK(munmap(pg, PAGE_SIZE));

	/* A closed descriptor in a set, a negative count. */
	int gone = CHECK_OK(dup(p[0]));
	CHECK_OK(close(gone));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(gone, &r);
	CHECK_ERRNO(select(gone + 1 > nd ? gone + 1 : nd, &r, NULL, NULL, &tv), EBADF);
	CHECK_ERRNO(select(-1, NULL, NULL, NULL, &tv), EINVAL);
	close(p[0]);
	close(p[1]);
}

/* ---- statfs ---- */

static void check_statfs(const char *scratch)
{
	struct {
		struct statfs s;
		unsigned char after[16];
	} byfd, bypath, root;
	CHECK_EQ(sizeof(struct statfs), 256);
	memset(&byfd, 0xa5, sizeof(byfd));
	memset(&bypath, 0xa5, sizeof(bypath));
	memset(&root, 0xa5, sizeof(root));
	char path[256];
	snprintf(path, sizeof(path), "%s/a", scratch);
	int fd = CHECK_OK(open("a", O_RDONLY));
	CHECK_OK(__sys_fstatfs(fd, &byfd.s));
	CHECK_OK(__sys_statfs(path, &bypath.s));
	CHECK_OK(__sys_statfs("/", &root.s));
	for (int i = 0; i < 16; i++)
		CHECK_EQ(byfd.after[i], 0xa5);
	/* Counters may move between the calls; what names the file system may not. */
	const struct statfs *f = &byfd.s, *p = &bypath.s;
	CHECK_EQ(memcmp(f->f_fstypename, p->f_fstypename, sizeof(f->f_fstypename)), 0);
	CHECK_EQ(memcmp(f->f_mntonname, p->f_mntonname, sizeof(f->f_mntonname)), 0);
	CHECK_EQ(memcmp(f->f_mntfromname, p->f_mntfromname, sizeof(f->f_mntfromname)), 0);
	CHECK_EQ(f->f_fsid.val[0], p->f_fsid.val[0]);
	CHECK_EQ(f->f_fsid.val[1], p->f_fsid.val[1]);
	CHECK(memchr(f->f_fstypename, 0, sizeof(f->f_fstypename)) != NULL);
	CHECK(f->f_fstypename[0] != 0);
	CHECK(memchr(f->f_mntonname, 0, sizeof(f->f_mntonname)) != NULL);
	CHECK(memchr(f->f_mntfromname, 0, sizeof(f->f_mntfromname)) != NULL);
	const char *on = (const char *)f->f_mntonname;
	if (strcmp(on, "/") != 0 && (strncmp(path, on, strlen(on)) != 0 || path[strlen(on)] != '/'))
		FAIL("f_mntonname \"%s\" is not where %s is mounted", on, path);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ((uint32_t)f->f_fsid.val[0], st.st_dev);
	CHECK(f->f_bsize > 0 && f->f_iosize > 0);
	CHECK(f->f_blocks >= f->f_bfree && f->f_bfree >= f->f_bavail);
	CHECK_EQ(strcmp((const char *)root.s.f_mntonname, "/"), 0);
	close(fd);

	int pp[2];
	CHECK_OK(pipe(pp));
	CHECK_ERRNO(__sys_fstatfs(pp[0], &byfd.s), EINVAL);
	close(pp[0]);
	close(pp[1]);
	CHECK_ERRNO(__sys_fstatfs(pp[0], &byfd.s), EBADF);
}

/* ---- the compat prefix ---- */

static void check_compat_prefix(void)
{
	static const char *const dirs[] = {"/compat", "/compat/freebsd4", "/compat/freebsd4/tmp"};
	int made[3] = {0};
	for (int i = 0; i < 3; i++) {
		if (mkdir(dirs[i], 0755) == 0)
			made[i] = 1;
		else if (errno != EEXIST) {
			char why[128];
			snprintf(why, sizeof(why), "cannot create %s: errno %s", dirs[i],
				 nt_errname(errno));
			SKIP(why);
		}
	}
	int pid = (int)getpid();
	char real[64], real_both[64], pref[96], pref_both[96];
	snprintf(real, sizeof(real), "/tmp/fb4_prefix.%d", pid);
	snprintf(real_both, sizeof(real_both), "/tmp/fb4_both.%d", pid);
	snprintf(pref, sizeof(pref), "/compat/freebsd4%s", real);
	snprintf(pref_both, sizeof(pref_both), "/compat/freebsd4%s", real_both);

	/* Outside the prefix first (nothing under it yet), then under it. A new name
	 * whose directory the compat tree has is made there, so the one outside is
	 * spelled through "/compat/..", which no compat tree has. */
	char outside[96];
	snprintf(outside, sizeof(outside), "/compat/..%s", real_both);
	nt_write_file(outside, "outside");
	nt_write_file(pref, "inside");
	nt_write_file(pref_both, "inside both");

	char buf[32];
	int fd = CHECK_OK(open(real, O_RDONLY));
	ssize_t n = CHECK_OK(read(fd, buf, sizeof(buf) - 1));
	buf[n] = '\0';
	CHECK_EQ(strcmp(buf, "inside"), 0);
	close(fd);
	struct stat a, b;
	CHECK_OK(stat(real, &a));
	CHECK_OK(stat(pref, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
	fd = CHECK_OK(open(real_both, O_RDONLY));
	n = CHECK_OK(read(fd, buf, sizeof(buf) - 1));
	buf[n] = '\0';
	CHECK_EQ(strcmp(buf, "inside both"), 0);
	close(fd);

	/* Cleaning up: the prefixed ones first, then the one outside shows again. */
	CHECK_OK(unlink(pref_both));
	CHECK_OK(unlink(pref));
	CHECK_ERRNO(open(real, O_RDONLY), ENOENT);
	fd = CHECK_OK(open(real_both, O_RDONLY));
	n = CHECK_OK(read(fd, buf, sizeof(buf) - 1));
	buf[n] = '\0';
	CHECK_EQ(strcmp(buf, "outside"), 0);
	close(fd);
	CHECK_OK(unlink(real_both));
	for (int i = 2; i >= 0; i--)
		if (made[i])
			CHECK_OK(rmdir(dirs[i]));
}

int main(void)
{
	nt_scratch_dir("fb4_dirents");
	char scratch[256];
	CHECK(getcwd(scratch, sizeof(scratch)) != NULL);
	check_getdirentries();
	check_select();
	check_statfs(scratch);
	check_compat_prefix();
	PASS();
}
