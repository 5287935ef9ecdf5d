// abi: all
/*
 * The kernel's copy to user memory resolves a fault on every page it crosses: a read
 * into a buffer that spans two or three pages, each untouched (zero pages promised,
 * made on first use) or shared copy-on-write since a fork, fills all of it. The
 * kernel stopped retrying after one page fewer than such a range can need and
 * answered EFAULT.
 */
#include <nymph_test.h>

#define PAGE 4096
static char area[5 * PAGE];
static char pattern[3 * PAGE];

/* `len` bytes read from a pipe land at page offset `offset` of the area's page
 * `page` (a fresh part of the area each time). */
static void read_across(int page, int offset, int len, const char *what)
{
	uintptr_t base = ((uintptr_t)area + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	char *at = (char *)base + page * PAGE + offset;
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], pattern, len), len);
	int n = read(p[0], at, len);
	if (n != len)
		FAIL("%s: read %d bytes across pages: %d (errno %s)", what, len, n,
		     nt_errname(errno));
	CHECK(memcmp(at, pattern, len) == 0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	for (int i = 0; i < (int)sizeof(pattern); i++)
		pattern[i] = (char)(i * 7 + 1);
	/* Two untouched pages, then three. */
	read_across(0, 0x660, 3075, "untouched, two pages");
	read_across(1, 0xf00, 5000, "untouched, three pages");

	/* After a fork every page the parent has is shared copy-on-write. */
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		_exit(0);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	read_across(0, 0x660, 3075, "copy-on-write, two pages");
	read_across(1, 0xf00, 5000, "copy-on-write, three pages");
	PASS();
}
