// abi: freebsd4-i386
/*
 * Host facts and the clock as 4.x sets them (kern_xxx.c, kern_time.c, kern_sysctl.c):
 *  - gethostid/sethostid (142, 143) and kern.hostid: root sets, everyone reads;
 *  - getdomainname/setdomainname (162, 163) and kern.domainname: at most 255 bytes,
 *    root only; getdomainname writes the name, its NUL and one more zero;
 *  - clock_settime (233): EPERM before anything else without root, then EINVAL for
 *    another clock or nanoseconds past a second; the clock moves to the time set,
 *    nanoseconds included;
 *  - lutimes (276): the times of the link itself.
 */
#include <nymph_test.h>
#include <nymph_fb4.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int mib_int(int a, int b)
{
	int mib[2] = {a, b}, v = -1;
	size_t len = sizeof(v);
	CHECK_OK(sysctl(mib, 2, &v, &len, NULL, 0));
	CHECK_EQ(len, sizeof(v));
	return v;
}

int main(void)
{
	nt_scratch_dir("fb4_host_clock");
	/* The host id. */
	CHECK_EQ(__sys_ogethostid(), 0);
	CHECK_OK(syscall(143, 0x12345678));
	CHECK_EQ(__sys_ogethostid(), 0x12345678);
	CHECK_EQ(mib_int(1, 11), 0x12345678);
	int mib[2] = {1, 11}, v = 77;
	CHECK_OK(sysctl(mib, 2, NULL, NULL, &v, sizeof(v)));
	CHECK_EQ(__sys_ogethostid(), 77);
	CHECK_ERRNO(sysctl(mib, 2, NULL, NULL, &v, 2), EINVAL);

	/* The domain name. */
	char buf[300];
	memset(buf, 'x', sizeof(buf));
	CHECK_OK(__sys_getdomainname(buf, sizeof(buf)));
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[1], 0);
	CHECK_EQ(buf[2], 'x');
	CHECK_OK(__sys_setdomainname("example.org", 11));
	memset(buf, 'x', sizeof(buf));
	CHECK_OK(__sys_getdomainname(buf, sizeof(buf)));
	CHECK(memcmp(buf, "example.org\0\0x", 14) == 0);
	memset(buf, 'x', sizeof(buf));
	CHECK_OK(__sys_getdomainname(buf, 4));
	CHECK(memcmp(buf, "examx", 5) == 0);
	int dm[2] = {1, 22};
	size_t len = sizeof(buf);
	CHECK_OK(sysctl(dm, 2, buf, &len, NULL, 0));
	CHECK_EQ(len, 12);
	CHECK(strcmp(buf, "example.org") == 0);
	memset(buf, 'a', sizeof(buf));
	CHECK_ERRNO(__sys_setdomainname(buf, 256), EINVAL);
	CHECK_ERRNO(__sys_setdomainname(buf, -1), EINVAL);
	CHECK_OK(sysctl(dm, 2, NULL, NULL, "", 1));
	CHECK_OK(__sys_getdomainname(buf, sizeof(buf)));
	CHECK_EQ(buf[0], 0);

	/* Without root. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		CHECK_ERRNO(syscall(143, 1), EPERM);
		CHECK_ERRNO(__sys_setdomainname("x", 1), EPERM);
		CHECK_ERRNO(sysctl(mib, 2, NULL, NULL, &v, sizeof(v)), EPERM);
		struct timespec ts = {0, 0};
		CHECK_ERRNO(__sys_clock_settime(7, &ts), EPERM);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* The clock. */
	struct timespec now, set, got;
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &now));
	set.tv_sec = 1000000000;
	set.tv_nsec = 900000000;
	CHECK_ERRNO(__sys_clock_settime(1, &set), EINVAL);
	set.tv_nsec = 1000000000;
	CHECK_ERRNO(__sys_clock_settime(CLOCK_REALTIME, &set), EINVAL);
	CHECK_ERRNO(__sys_clock_settime(CLOCK_REALTIME, (void *)8), EFAULT);
	set.tv_nsec = 900000000;
	CHECK_OK(__sys_clock_settime(CLOCK_REALTIME, &set));
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &got));
	/* Set to x.9 s: read back within a second after it, so the seconds moved on
	 * from x only if the nanoseconds were kept. */
	long long ns = (long long)(got.tv_sec - set.tv_sec) * 1000000000 + got.tv_nsec - set.tv_nsec;
	CHECK(ns >= 0 && ns < 1000000000);
	now.tv_sec += 1;
	CHECK_OK(__sys_clock_settime(CLOCK_REALTIME, &now));

	/* lutimes: the link's own times. */
	CHECK_OK(close(CHECK_OK(open("target", O_CREAT | O_WRONLY, 0644))));
	CHECK_OK(symlink("target", "link"));
	struct timeval tv[2] = {{1111, 0}, {2222, 0}};
	CHECK_OK(__sys_lutimes("link", tv));
	struct stat st;
	CHECK_OK(lstat("link", &st));
	CHECK_EQ(st.st_mtime, 2222);
	CHECK_EQ(st.st_atime, 1111);
	CHECK_OK(stat("target", &st));
	CHECK(st.st_mtime != 2222);
	CHECK_ERRNO(__sys_lutimes("missing", tv), ENOENT);
	PASS();
}
