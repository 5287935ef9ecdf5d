// abi: all
/*
 * The order readdir lists a directory in is UFS's (4.x's ufs_lookup slot search and
 * ufs_direnter, ufs_dirremove, ufs_rename), which `ls -f`, find and every program
 * walking a directory show:
 *  - names made one after another are listed in that order;
 *  - a removed name's room goes to the record before it, and the next name that fits
 *    there takes it: it is listed where the removed one was, not last;
 *  - when no one record has room but several in a block do together, the block's
 *    records are packed together and the new name goes after them;
 *  - rename enters the new name while the old one still holds its place, then
 *    removes the old one; over an existing name, the entry stays where it was;
 *  - st_size is 512 per block: 40 three-letter names fill a new directory's block.
 */
#include <nymph_test.h>
#include <dirent.h>

#define MAXLIST 64
static char listing[MAXLIST][16];

/* The names of `dir` in readdir's order, "." and ".." left out; how many. */
static int list(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		FAIL("opendir %s: errno %s", dir, nt_errname(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *name = (const char *)e->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		CHECK(n < MAXLIST);
		CHECK(strlen(name) < sizeof(listing[0]));
		strcpy(listing[n++], name);
	}
	CHECK_OK(closedir(d));
	return n;
}

/* Where `name` is in the last listing, or -1. */
static int position(int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(listing[i], name) == 0)
			return i;
	return -1;
}

/* Fails unless `name` comes right after `before` in the last listing. */
static void check_after(int n, const char *before, const char *name)
{
	int at = position(n, name), prev = position(n, before);
	if (at < 0 || prev < 0 || at != prev + 1)
		FAIL("\"%s\" at %d, wanted right after \"%s\" (at %d)", name, at, before, prev);
}

static void make(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "d/%s", name);
	nt_write_file(path, "");
}

static void drop(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "d/%s", name);
	CHECK_OK(unlink(path));
}

int main(void)
{
	nt_scratch_dir("dir_order");
	CHECK_OK(mkdir("d", 0755));
	char name[8];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "%03d", i);
		make(name);
	}
	struct stat st;
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 512);
	int n = list("d");
	CHECK_EQ(n, 40);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "%03d", i);
		CHECK_EQ(position(n, name), i);
	}

	/* 010 and 020 go; an 8-letter name needs 20 bytes, which neither hole has: the
	 * records from 009 to 019 are packed and it goes after 019. */
	drop("010");
	drop("020");
	make("abcdefgh");
	n = list("d");
	check_after(n, "009", "011");
	check_after(n, "019", "abcdefgh");
	check_after(n, "abcdefgh", "021");

	/* A hole a short name fits in: it takes 005's place. */
	drop("005");
	make("x");
	n = list("d");
	check_after(n, "004", "x");
	check_after(n, "x", "006");

	/* 000 is still there when its new name is entered: the only room (the 4 bytes
	 * after abcdefgh and the 8 after 039) is packed at the block's end. */
	CHECK_OK(rename("d/000", "d/new"));
	n = list("d");
	CHECK_EQ(position(n, "000"), -1);
	check_after(n, "039", "new");
	CHECK_EQ(position(n, "new"), n - 1);
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 512);

	/* 000's room (after "..") takes the next name: it is listed first. */
	make("y");
	n = list("d");
	CHECK_EQ(position(n, "y"), 0);
	check_after(n, "y", "001");

	/* Over an existing name the entry keeps its place. */
	CHECK_OK(rename("d/new", "d/015"));
	n = list("d");
	CHECK_EQ(position(n, "new"), -1);
	check_after(n, "014", "015");
	check_after(n, "015", "016");

	/* new's room went to 039: z1 takes it; then the block is full and z2 starts a
	 * second one. */
	make("z1");
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 512);
	make("z2");
	n = list("d");
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_size, 1024);
	check_after(n, "039", "z1");
	check_after(n, "z1", "z2");
	PASS();
}
