// abi: freebsd4-i386
/*
 * What 4.x's top reads of the live kernel, the way its libkvm reads it:
 * kvm_open(NULL, NULL, NULL, O_RDONLY) opens /dev/mem (a character device, FD_CLOEXEC)
 * and /dev/kmem; kvm_nlist asks kldsym(0, KLDSYM_LOOKUP) for each of top's nlst names
 * less its underscore (_ccpu, _cp_time, _averunnable, _bufspace, _cnt, _nextpid), which
 * fills symvalue and symsize; kvm_read seeks /dev/kmem to the address and reads.
 *  - ccpu is kern.ccpu (1948); bufspace 0 (no buffer cache); nextpid the last pid
 *    fork gave.
 *  - averunnable is vm.loadavg's struct loadavg (fscale 2048).
 *  - cp_time's five longs count ticks at kern.clockrate's stathz: user time grows while
 *    this process spins, nice time while a child at nice 10 spins (counted after its
 *    exit too), idle time while everything sleeps, interrupt time stays 0, none goes
 *    back, and together they grow by the time that passed.
 *  - cnt, a 204-byte struct vmmeter (4.8's; a 49-word read of an older 4.x's fits
 *    in it): v_page_size 4096, v_page_count hw.availpages,
 *    and the free, wired, active, inactive and cache counts adding up to it (active
 *    at least this process's touched pages); v_swtch grows across a sleep.
 *  - kldsym keeps the name it is given (_ccpu is ENOENT) and finds the same in file 1;
 *    a name the kernel has no variable of (kernbase) is ENOENT. (kvm_getswapinfo's
 *    names, which top asks next, are fb4_vmstat's: they say there is no swap.)
 *  - A read outside a variable (a gap, past its end) and every write fault (EFAULT),
 *    and the offset stays.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int kmem;

/* kvm_nlist's lookup of one nlst name: kldsym with the underscore stripped. */
static uint32_t nlist_one(const char *name, uint32_t want_size)
{
	CHECK(name[0] == '_');
	struct kld_sym_lookup l = {16, name + 1, 0, 0};
	CHECK_OK(__sys_kldsym(0, 1, &l));
	CHECK_EQ(l.version, 16);
	CHECK(l.symvalue >= 0xc0000000u);
	CHECK_EQ(l.symsize, want_size);
	struct kld_sym_lookup again = {16, name + 1, 0, 0};
	CHECK_OK(__sys_kldsym(1, 1, &again));
	CHECK_EQ(again.symvalue, l.symvalue);
	/* The kernel looks the name up as given. */
	struct kld_sym_lookup raw = {16, name, 7, 7};
	CHECK_ERRNO(__sys_kldsym(0, 1, &raw), ENOENT);
	CHECK_EQ(raw.symvalue, 7);
	return l.symvalue;
}

/* kvm_read on a live kernel. */
static int sysctl_int(const char *name)
{
	int value = 0;
	size_t len = sizeof(value);
	CHECK_OK(sysctlbyname(name, &value, &len, NULL, 0));
	CHECK_EQ(len, sizeof(value));
	return value;
}

static uint32_t cp_time_addr;

static void read_cp_time(int32_t t[5])
{
	int32_t before[5];
	memcpy(before, t, sizeof(before));
	nt_kread(kmem, cp_time_addr, t, 20);
	for (int i = 0; i < 5; i++)
		CHECK(t[i] >= before[i]);
	CHECK_EQ(t[3], 0);
}

/* Spins in user mode until getrusage shows `ms` more milliseconds of user time. */
static void spin_user(long ms)
{
	struct rusage ru;
	CHECK_OK(__sys_getrusage(0, &ru));
	long start = ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000;
	for (;;) {
		for (volatile int i = 0; i < 100000; i++)
			;
		CHECK_OK(__sys_getrusage(0, &ru));
		if (ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 - start >= ms)
			return;
	}
}

static long now_ms(void)
{
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	return tv.tv_sec * 1000L + tv.tv_usec / 1000;
}

int main(void)
{
	/* kvm_open's files. */
	int mem = CHECK_OK(open("/dev/mem", O_RDONLY));
	struct stat st;
	CHECK_OK(fstat(mem, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_OK(fcntl(mem, F_SETFD, FD_CLOEXEC));
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	CHECK_OK(fcntl(kmem, F_SETFD, FD_CLOEXEC));

	/* top's nlst, in its order. */
	uint32_t ccpu_addr = nlist_one("_ccpu", 4);
	cp_time_addr = nlist_one("_cp_time", 20);
	uint32_t avenrun_addr = nlist_one("_averunnable", 16);
	uint32_t bufspace_addr = nlist_one("_bufspace", 4);
	uint32_t cnt_addr = nlist_one("_cnt", 204);
	uint32_t lastpid_addr = nlist_one("_nextpid", 4);
	struct kld_sym_lookup none = {16, "kernbase", 0, 0};
	CHECK_ERRNO(__sys_kldsym(0, 1, &none), ENOENT);

	int32_t ccpu;
	nt_kread(kmem, ccpu_addr, &ccpu, 4);
	CHECK_EQ(ccpu, 1948);
	CHECK_EQ(ccpu, sysctl_int("kern.ccpu"));
	int32_t bufspace = -1;
	nt_kread(kmem, bufspace_addr, &bufspace, 4);
	CHECK_EQ(bufspace, 0);

	/* averunnable is vm.loadavg (sampled every 5 s: one of two reads around it). */
	uint32_t k1[4], k2[4], s[4];
	int loadavg_mib[2] = {2, 2};
	size_t len = sizeof(s);
	nt_kread(kmem, avenrun_addr, k1, 16);
	CHECK_OK(sysctl(loadavg_mib, 2, s, &len, NULL, 0));
	nt_kread(kmem, avenrun_addr, k2, 16);
	CHECK(memcmp(k1, s, 16) == 0 || memcmp(k2, s, 16) == 0);
	CHECK_EQ(k1[3], 2048);

	/* nextpid: the pid fork gave last. */
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		_exit(0);
	int32_t lastpid;
	nt_kread(kmem, lastpid_addr, &lastpid, 4);
	CHECK_EQ(lastpid, child);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);

	/* cnt. */
	uint32_t v[49];
	nt_kread(kmem, cnt_addr, v, sizeof(v));
	CHECK_EQ(v[25], 4096); /* v_page_size */
	CHECK_EQ((int)v[26], sysctl_int("hw.availpages")); /* v_page_count */
	uint32_t free_ = v[30], wire = v[31], active = v[32], inactive = v[34], cache = v[35];
	CHECK(free_ > 0 && free_ < v[26]);
	CHECK(active > 0);
	CHECK_EQ(free_ + wire + active + inactive + cache, v[26]);
	uint32_t switches = v[0];

	/* cp_time: stathz ticks. */
	int clockrate[5];
	int clock_mib[2] = {1, 12};
	len = sizeof(clockrate);
	CHECK_OK(sysctl(clock_mib, 2, clockrate, &len, NULL, 0));
	int stathz = clockrate[3];
	CHECK(stathz > 0);
	int32_t t[5] = {0}, t0[5];
	read_cp_time(t);
	memcpy(t0, t, sizeof(t0));
	long start = now_ms();

	/* 200 ms of user time here: user grows by about that many ticks. */
	spin_user(200);
	int32_t t1[5];
	memcpy(t1, t, sizeof(t1));
	read_cp_time(t1);
	CHECK(t1[0] - t0[0] >= stathz / 10);

	/* A child at nice 10 spins 200 ms and exits: nice grows. */
	child = CHECK_OK(fork());
	if (child == 0) {
		if (__sys_setpriority(0, 0, 10) != 0)
			_exit(1);
		spin_user(200);
		_exit(0);
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	int32_t t2[5];
	memcpy(t2, t1, sizeof(t2));
	read_cp_time(t2);
	CHECK(t2[1] - t1[1] >= stathz / 10);

	/* 300 ms asleep with nothing else to run: idle grows, and the switches. */
	usleep(300000);
	int32_t t3[5];
	memcpy(t3, t2, sizeof(t3));
	read_cp_time(t3);
	CHECK(t3[4] - t2[4] >= stathz / 10);
	nt_kread(kmem, cnt_addr, v, sizeof(v));
	CHECK(v[0] > switches);

	/* All five together grew by the time that passed (a tick either way each). */
	long elapsed = now_ms() - start;
	long ticks = 0;
	for (int i = 0; i < 5; i++)
		ticks += t3[i] - t0[i];
	long want = elapsed * stathz / 1000;
	CHECK(ticks >= want - want / 10 - 5 && ticks <= want + want / 10 + 5);

	/* Outside a variable, and writes: EFAULT, the offset where it was. */
	char buf[8];
	CHECK_EQ(lseek(kmem, (off_t)ccpu_addr, SEEK_SET), (off_t)ccpu_addr);
	CHECK_ERRNO(read(kmem, buf, 8), EFAULT);
	CHECK_EQ(lseek(kmem, 0, SEEK_CUR), (off_t)ccpu_addr);
	CHECK_EQ(lseek(kmem, (off_t)ccpu_addr + 4, SEEK_SET), (off_t)ccpu_addr + 4);
	CHECK_ERRNO(read(kmem, buf, 4), EFAULT);
	CHECK_EQ(lseek(kmem, (off_t)cnt_addr + 200, SEEK_SET), (off_t)cnt_addr + 200);
	CHECK_EQ(read(kmem, buf, 4), 4);
	CHECK_ERRNO(read(kmem, buf, 4), EFAULT);
	int rw = CHECK_OK(open("/dev/kmem", O_RDWR));
	CHECK_EQ(lseek(rw, (off_t)ccpu_addr, SEEK_SET), (off_t)ccpu_addr);
	CHECK_ERRNO(write(rw, buf, 4), EFAULT);
	close(rw);
	/* /dev/mem (physical memory) has none of it. */
	CHECK_EQ(lseek(mem, (off_t)ccpu_addr, SEEK_SET), (off_t)ccpu_addr);
	CHECK_ERRNO(read(mem, buf, 4), EFAULT);
	close(kmem);
	close(mem);
	return 0;
}
