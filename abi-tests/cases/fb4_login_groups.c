// abi: freebsd4-i386
/*
 * What getlogin (49), getgroups (79) and kern.boottime write, byte for byte:
 *  - getlogin copies namelen bytes (at most MAXLOGNAME, 17) of the session's login
 *    name, NUL-padded in its 17 bytes: a short buffer gets the name cut (no ERANGE,
 *    no NUL), a long one 17 bytes and nothing past them; a new session (setsid)
 *    starts with its creator's name, and one set later is its own;
 *  - getgroups gives 4.x's cr_groups: the effective gid, then the groups after the
 *    first that setgroups gave, a repeated one too, and writes nothing past them;
 *    setgroups(0) leaves the effective gid alone;
 *  - kern.boottime is the same from read to read (microseconds included), and the
 *    time of day less boottime is this machine's uptime.
 */
#include <nymph_fb4.h>
#include <sys/time.h>
#include <sys/wait.h>

#define POISON 0x5a

static void check_login(const char *want, unsigned namelen)
{
	unsigned char buf[64];
	memset(buf, POISON, sizeof(buf));
	CHECK_OK(__sys_getlogin(buf, namelen));
	unsigned copied = namelen < 17 ? namelen : 17;
	for (unsigned i = 0; i < sizeof(buf); i++) {
		int expect = POISON;
		if (i < copied)
			expect = i < strlen(want) ? (unsigned char)want[i] : 0;
		if (buf[i] != expect)
			FAIL("getlogin(%u) byte %u: %#x, wanted %#x", namelen, i, buf[i], expect);
	}
}

static void logins(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		CHECK_OK(setsid());
		CHECK_OK(__sys_setlogin("operator"));
		check_login("operator", 17);
		check_login("operator", 40);
		check_login("operator", 3);
		check_login("operator", 0);
		CHECK_ERRNO(__sys_setlogin("abcdefghijklmnopq"), EINVAL);
		CHECK_OK(__sys_setlogin("abcdefghijklmnop"));
		check_login("abcdefghijklmnop", 17);
		check_login("abcdefghijklmnop", 16);
		CHECK_ERRNO(__sys_getlogin((void *)16, 17), EFAULT);
		/* A new session starts with this one's name, then keeps its own. */
		pid_t inner = CHECK_OK(fork());
		if (inner == 0) {
			CHECK_OK(setsid());
			check_login("abcdefghijklmnop", 17);
			CHECK_OK(__sys_setlogin("daemon"));
			check_login("daemon", 17);
			_exit(0);
		}
		int status;
		CHECK_EQ(waitpid(inner, &status, 0), inner);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		check_login("abcdefghijklmnop", 17);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void groups(void)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		gid_t set[3] = {10, 20, 10};
		CHECK_OK(__sys_setgroups(3, set));
		CHECK_EQ(getegid(), 10);
		CHECK_EQ(__sys_getgroups(0, NULL), 3);
		gid_t got[8];
		memset(got, POISON, sizeof(got));
		CHECK_EQ(__sys_getgroups(8, got), 3);
		CHECK_EQ(got[0], 10);
		CHECK_EQ(got[1], 20);
		CHECK_EQ(got[2], 10);
		for (int i = 3; i < 8; i++)
			CHECK_EQ(got[i], 0x5a5a5a5a);
		CHECK_ERRNO(__sys_getgroups(2, got), EINVAL);
		/* setgroups(0): only the effective gid is left. */
		CHECK_OK(__sys_setgroups(0, NULL));
		CHECK_EQ(getegid(), 10);
		memset(got, POISON, sizeof(got));
		CHECK_EQ(__sys_getgroups(8, got), 1);
		CHECK_EQ(got[0], 10);
		CHECK_EQ(got[1], 0x5a5a5a5a);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void boottime(void)
{
	int mib[2] = {1, 21};
	unsigned char first[12], second[12];
	memset(first, POISON, sizeof(first));
	memset(second, 0xa5, sizeof(second));
	size_t len = sizeof(first);
	CHECK_OK(sysctl(mib, 2, first, &len, NULL, 0));
	CHECK_EQ(len, 8);
	struct timespec spin = {0, 30 * 1000 * 1000};
	nanosleep(&spin, NULL);
	len = sizeof(second);
	CHECK_OK(sysctl(mib, 2, second, &len, NULL, 0));
	CHECK_EQ(len, 8);
	CHECK(memcmp(first, second, 8) == 0);
	CHECK_EQ(first[8], POISON);
	struct timeval boot;
	memcpy(&boot, first, 8);
	CHECK(boot.tv_usec >= 0 && boot.tv_usec < 1000000);
	/* 4.x has no monotonic clock to add: uptime(1) takes the time of day less
	 * boottime, which must be the time since this machine started. */
	struct timeval now;
	CHECK_OK(gettimeofday(&now, NULL));
	long long up_us = ((long long)now.tv_sec - boot.tv_sec) * 1000000 + now.tv_usec -
			  boot.tv_usec;
	if (up_us <= 0 || up_us > 600LL * 1000000)
		FAIL("time of day less boottime is %lld us", up_us);
}

int main(void)
{
	logins();
	groups();
	boottime();
	PASS();
}
