// abi: freebsd4-i386
/*
 * vm.loadavg ({CTL_VM 2, VM_LOADAVG 2}), what getloadavg(3), uptime and w read:
 * 4.x's struct loadavg { fixpt_t ldavg[3]; long fscale; }, 16 bytes, fscale
 * FSCALE = 1 << 11 (vm_meter.c's averunnable, sampled every 5 seconds). name2oid of
 * "vm.loadavg" is {2,2}. With a child spinning through more than one 5-second sample,
 * the 1-minute average is at least one sample's weight of one runnable process:
 * 2048 * (2048 - 1884) >> 11 = 164 (0.08), and no average exceeds the runnable
 * processes there could have been.
 */
#include <nymph_test.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

struct loadavg_4x {
	uint32_t ldavg[3];
	int32_t fscale;
};

static struct loadavg_4x read_loadavg(void)
{
	int mib[2] = {2, 2};
	struct loadavg_4x avg;
	memset(&avg, 0xa5, sizeof(avg));
	size_t len = sizeof(avg);
	CHECK_OK(sysctl(mib, 2, &avg, &len, NULL, 0));
	CHECK_EQ(len, 16);
	CHECK_EQ(avg.fscale, 2048);
	for (int i = 0; i < 3; i++)
		CHECK(avg.ldavg[i] <= 64 * 2048);
	return avg;
}

int main(void)
{
	/* The size alone, as sysctl(3) callers ask first. */
	int mib[2] = {2, 2};
	size_t len = 0;
	CHECK_OK(sysctl(mib, 2, NULL, &len, NULL, 0));
	CHECK_EQ(len, 16);

	int meta[2] = {0, 3};
	int oid[12];
	len = sizeof(oid);
	const char *name = "vm.loadavg";
	CHECK_OK(sysctl(meta, 2, oid, &len, name, strlen(name)));
	CHECK_EQ(len, 8);
	CHECK_EQ(oid[0], 2);
	CHECK_EQ(oid[1], 2);

	read_loadavg();

	pid_t spinner = fork();
	CHECK(spinner >= 0);
	if (spinner == 0) {
		for (;;)
			;
	}
	/* Past at least one sample (every 5 s), with the spinner runnable throughout. */
	sleep(6);
	struct loadavg_4x busy = read_loadavg();
	CHECK_OK(kill(spinner, SIGKILL));
	int status;
	CHECK_EQ(waitpid(spinner, &status, 0), spinner);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (busy.ldavg[0] < 164)
		FAIL("1-minute load %u/2048 after 6 s beside a spinning child; wanted >= 164",
		     busy.ldavg[0]);
	CHECK(busy.ldavg[1] > 0 && busy.ldavg[2] > 0);
	PASS();
}
