// abi: freebsd4-i386
/*
 * ntp_adjtime (176) as 4.x's kern_ntptime.c (GENERIC: no PPS_SYNC) has it, the
 * 68-byte struct timex checked byte for byte after each call:
 *  - copied in first (EFAULT); any mode bit needs root (EPERM), modes 0 only reads;
 *  - the modes in 4.x's order: errors, status (the read-only bits kept; clearing
 *    STA_PLL resets state and status), time constant clamped to 0..10, nano/micro,
 *    clock A/B, the offset through hardupdate (clamped to 0.5 s; with STA_PLL only),
 *    the frequency (scaled PPM, clamped to 500 PPM);
 *  - the structure comes back with offset (us, or ns with STA_NANO), frequency,
 *    errors, status, constant, precision (1 ns: 0 us), tolerance (MAXFREQ *
 *    SCALE_PPM), and everything else (modes, the PPS members) as it went in;
 *  - the value is the clock state, or TIME_ERROR (5) when STA_UNSYNC, or a PPS
 *    discipline is asked for without a PPS signal;
 *  - with STA_PLL and no STA_FREQHOLD, an offset also moves the frequency by
 *    hardupdate's phase-lock step, in proportion to the seconds since the last;
 *  - each second adds 500 us to the maximum error; STA_INS moves the state to
 *    TIME_INS at the next second, and clearing it back to TIME_OK;
 *  - a copyout fault is EFAULT, with the modes applied;
 *  - a frequency sum that wraps to INT64_MIN is clamped as 4.x's wrapping L_GINT
 *    reads it.
 */
#include <nymph_test.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	MODES, OFFSET, FREQ, MAXERROR, ESTERROR, STATUS, CONSTANT, PRECISION, TOLERANCE,
	PPSFREQ, JITTER, SHIFT, STABIL, JITCNT, CALCNT, ERRCNT, STBCNT, WORDS
};

#define MOD_OFFSET 0x0001
#define MOD_FREQUENCY 0x0002
#define MOD_MAXERROR 0x0004
#define MOD_ESTERROR 0x0008
#define MOD_STATUS 0x0010
#define MOD_TIMECONST 0x0020
#define MOD_PPSMAX 0x0040
#define MOD_MICRO 0x1000
#define MOD_NANO 0x2000
#define MOD_CLKB 0x4000
#define MOD_CLKA 0x8000

#define STA_PLL 0x0001
#define STA_PPSFREQ 0x0002
#define STA_INS 0x0010
#define STA_UNSYNC 0x0040
#define STA_FREQHOLD 0x0080
#define STA_PPSSIGNAL 0x0100
#define STA_CLOCKERR 0x1000
#define STA_NANO 0x2000
#define STA_CLK 0x8000

#define TIME_OK 0
#define TIME_INS 1
#define TIME_ERROR 5
#define MAXFREQ_SCALED (500000 * 65)

static int ntp_adjtime_(void *tx) { return syscall(176, tx); }

/* A request: modes and the words given, the rest a pattern the kernel must leave. */
static void request(int32_t *tx, uint32_t modes)
{
	for (int i = 0; i < WORDS; i++)
		tx[i] = (int32_t)(0x5a000000u + (unsigned)i);
	tx[MODES] = (int32_t)modes;
}

/* What comes back: the request with the read words replaced. */
static void expect(const int32_t *got, const int32_t *sent, int32_t offset, int32_t freq,
		   int32_t maxerror, int32_t esterror, int32_t status, int32_t constant,
		   int32_t precision, int line)
{
	int32_t want[WORDS];
	memcpy(want, sent, sizeof want);
	want[OFFSET] = offset;
	want[FREQ] = freq;
	want[MAXERROR] = maxerror;
	want[ESTERROR] = esterror;
	want[STATUS] = status;
	want[CONSTANT] = constant;
	want[PRECISION] = precision;
	want[TOLERANCE] = MAXFREQ_SCALED;
	for (int i = 0; i < WORDS; i++)
		if (got[i] != want[i])
			FAIL("line %d: word %d is %d (0x%x), wanted %d (0x%x)", line, i, got[i],
			     got[i], want[i], want[i]);
}

/* Sets and reads back in one call; `sent` keeps the request. */
static int call(int32_t *tx, int32_t *sent)
{
	memcpy(sent, tx, WORDS * 4);
	return ntp_adjtime_(tx);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	CHECK_OK(nanosleep(&ts, NULL));
}

static const int32_t readonly_tx[WORDS] = {MOD_MAXERROR, 0, 0, 777};

int main(void)
{
	int32_t tx[WORDS], sent[WORDS];
	_Static_assert(sizeof tx == 68, "struct timex is 68 bytes");

	/* A known state: PLL on, micro, clock A, no offset or frequency. */
	request(tx, MOD_STATUS | MOD_OFFSET | MOD_FREQUENCY | MOD_MAXERROR | MOD_ESTERROR |
			    MOD_TIMECONST | MOD_MICRO | MOD_CLKA);
	tx[STATUS] = STA_PLL;
	tx[OFFSET] = 0;
	tx[FREQ] = 0;
	tx[MAXERROR] = 1000;
	tx[ESTERROR] = 20;
	tx[CONSTANT] = 3;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 1000, 20, STA_PLL, 3, 0, __LINE__);

	/* Reading (modes 0) changes nothing and needs no root; anything else does. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setuid(1000));
		request(tx, 0);
		int r = call(tx, sent);
		CHECK_EQ(r, TIME_OK);
		CHECK(tx[MAXERROR] >= 1000 && tx[MAXERROR] % 500 == 0);
		expect(tx, sent, 0, 0, tx[MAXERROR], 20, STA_PLL, 3, 0, __LINE__);
		request(tx, MOD_MAXERROR);
		memcpy(sent, tx, sizeof tx);
		CHECK_ERRNO(ntp_adjtime_(tx), EPERM);
		CHECK(memcmp(tx, sent, sizeof tx) == 0);
		request(tx, MOD_PPSMAX);
		CHECK_ERRNO(ntp_adjtime_(tx), EPERM);
		CHECK_ERRNO(ntp_adjtime_((void *)16), EFAULT);
		CHECK_ERRNO(ntp_adjtime_(NULL), EFAULT);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);

	/* An offset in microseconds; with the frequency held, the frequency stays. */
	request(tx, MOD_STATUS | MOD_OFFSET | MOD_MAXERROR);
	tx[STATUS] = STA_PLL | STA_FREQHOLD;
	tx[OFFSET] = -1234;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, -1234, 0, 2000, 20, STA_PLL | STA_FREQHOLD, 3, 0, __LINE__);
	/* Clamped to MAXPHASE (0.5 s). */
	request(tx, MOD_OFFSET | MOD_MAXERROR);
	tx[OFFSET] = 600000;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 500000, 0, 2000, 20, STA_PLL | STA_FREQHOLD, 3, 0, __LINE__);

	/* Nanoseconds: the offset and precision in ns; STA_NANO is read-only in status. */
	request(tx, MOD_NANO | MOD_OFFSET | MOD_MAXERROR);
	tx[OFFSET] = -7;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, -7, 0, 2000, 20, STA_PLL | STA_FREQHOLD | STA_NANO, 3, 1, __LINE__);
	request(tx, MOD_STATUS | MOD_MAXERROR);
	tx[STATUS] = STA_PLL | STA_FREQHOLD | STA_CLOCKERR | STA_PPSSIGNAL;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, -7, 0, 2000, 20, STA_PLL | STA_FREQHOLD | STA_NANO, 3, 1, __LINE__);
	/* Clock B sets STA_CLK, clock A clears it. */
	request(tx, MOD_CLKB | MOD_MAXERROR);
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, -7, 0, 2000, 20, STA_PLL | STA_FREQHOLD | STA_NANO | STA_CLK, 3, 1,
	       __LINE__);
	request(tx, MOD_CLKA | MOD_MICRO | MOD_MAXERROR);
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_PLL | STA_FREQHOLD, 3, 0, __LINE__);

	/* Frequency: scaled PPM in, ns/s kept, scaled PPM out; clamped to 500 PPM. */
	static const int32_t freqs[][2] = {
		{100, 65}, /* 1 ns/s, which reads back as 65 */
		{65536 * 10, 65536 * 10},
		{-65536 * 3, -65536 * 3},
		{65536 * 600, 65536 * 500},
		{-65536 * 600, -65536 * 500},
		{65536, 65536},
		{0, 0},
	};
	for (unsigned i = 0; i < sizeof freqs / sizeof freqs[0]; i++) {
		request(tx, MOD_FREQUENCY | MOD_MAXERROR);
		tx[FREQ] = freqs[i][0];
		tx[MAXERROR] = 2000;
		CHECK_EQ(call(tx, sent), TIME_OK);
		expect(tx, sent, 0, freqs[i][1], 2000, 20, STA_PLL | STA_FREQHOLD, 3, 0, __LINE__);
	}

	/* The time constant, clamped to 0..MAXTC. */
	request(tx, MOD_TIMECONST | MOD_MAXERROR);
	tx[CONSTANT] = 20;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_PLL | STA_FREQHOLD, 10, 0, __LINE__);
	request(tx, MOD_TIMECONST | MOD_MAXERROR);
	tx[CONSTANT] = -5;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_PLL | STA_FREQHOLD, 0, 0, __LINE__);

	/* hardupdate's phase-lock: an offset of x ns after mtemp seconds adds
	 * (x << 32 >> ((SHIFT_PLL + 2 + constant) * 2)) * mtemp to the frequency: 1000 us
	 * at constant 0 after one or two seconds reads back as 16000 or 32000. */
	request(tx, MOD_STATUS | MOD_OFFSET | MOD_MAXERROR);
	tx[STATUS] = STA_PLL;
	tx[OFFSET] = 0;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_PLL, 0, 0, __LINE__);
	sleep_ms(1100);
	request(tx, MOD_OFFSET | MOD_MAXERROR);
	tx[OFFSET] = 1000;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	CHECK(tx[FREQ] == 16000 || tx[FREQ] == 32000);
	expect(tx, sent, 1000, tx[FREQ], 2000, 20, STA_PLL, 0, 0, __LINE__);
	request(tx, MOD_STATUS | MOD_OFFSET | MOD_FREQUENCY | MOD_MAXERROR);
	tx[STATUS] = STA_PLL | STA_FREQHOLD;
	tx[OFFSET] = 0;
	tx[FREQ] = 0;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_PLL | STA_FREQHOLD, 0, 0, __LINE__);

	/* Without STA_PLL an offset is ignored. */
	request(tx, MOD_STATUS | MOD_MAXERROR);
	tx[STATUS] = STA_FREQHOLD;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_FREQHOLD, 0, 0, __LINE__);
	request(tx, MOD_OFFSET | MOD_MAXERROR);
	tx[OFFSET] = 4321;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_FREQHOLD, 0, 0, __LINE__);

	/* TIME_ERROR: unsynchronized, or PPS frequency asked for with no PPS signal. */
	request(tx, MOD_STATUS | MOD_MAXERROR);
	tx[STATUS] = STA_UNSYNC;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_ERROR);
	expect(tx, sent, 0, 0, 2000, 20, STA_UNSYNC, 0, 0, __LINE__);
	request(tx, MOD_STATUS | MOD_MAXERROR);
	tx[STATUS] = STA_PPSFREQ;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_ERROR);
	expect(tx, sent, 0, 0, 2000, 20, STA_PPSFREQ, 0, 0, __LINE__);

	/* Clearing STA_PLL resets the state and status (the read-only ones too). */
	request(tx, MOD_STATUS | MOD_NANO | MOD_CLKB | MOD_MAXERROR);
	tx[STATUS] = STA_PLL;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_PLL | STA_NANO | STA_CLK, 0, 1, __LINE__);
	request(tx, MOD_STATUS | MOD_MAXERROR);
	tx[STATUS] = STA_INS;
	tx[MAXERROR] = 2000;
	CHECK_EQ(call(tx, sent), TIME_OK);
	expect(tx, sent, 0, 0, 2000, 20, STA_INS, 0, 0, __LINE__);

	/* A second later: TIME_INS, and the maximum error grew 500 us a second. */
	sleep_ms(1100);
	request(tx, 0);
	CHECK_EQ(call(tx, sent), TIME_INS);
	CHECK(tx[MAXERROR] >= 2500 && tx[MAXERROR] <= 3500 && tx[MAXERROR] % 500 == 0);
	expect(tx, sent, 0, 0, tx[MAXERROR], 20, STA_INS, 0, 0, __LINE__);
	/* STA_INS cleared: back to TIME_OK at the next second. */
	request(tx, MOD_STATUS);
	tx[STATUS] = 0;
	CHECK_EQ(call(tx, sent), TIME_INS);
	sleep_ms(1100);
	request(tx, 0);
	CHECK_EQ(call(tx, sent), TIME_OK);

	/* A fault on the way out: EFAULT, the change made. */
	CHECK_ERRNO(ntp_adjtime_((void *)readonly_tx), EFAULT);
	request(tx, 0);
	CHECK_EQ(call(tx, sent), TIME_OK);
	CHECK(tx[MAXERROR] >= 777 && tx[MAXERROR] <= 1777);
	CHECK_ERRNO(ntp_adjtime_((void *)16), EFAULT);

	/*
	 * hardupdate's sum wrapping to exactly INT64_MIN: a 2^23 ns offset at constant 0
	 * is 2^43 a second, times -2^20 seconds since the last (the clock set back).
	 * 4.x's L_GINT negates it and wraps, so it reads as past MAXFREQ: the frequency
	 * is clamped to 500 PPM.
	 */
	struct timeval now;
	CHECK_OK(gettimeofday(&now, NULL));
	request(tx, MOD_STATUS | MOD_FREQUENCY | MOD_TIMECONST | MOD_NANO);
	tx[STATUS] = STA_PLL;
	tx[FREQ] = 0;
	tx[CONSTANT] = 0;
	CHECK_EQ(call(tx, sent), TIME_OK);
	struct timeval at = {now.tv_sec, 0}, back = {now.tv_sec - (1 << 20), 0};
	CHECK_OK(__sys_settimeofday(&at, NULL));
	request(tx, MOD_OFFSET);
	tx[OFFSET] = 0;
	CHECK_EQ(call(tx, sent), TIME_OK);
	CHECK_OK(__sys_settimeofday(&back, NULL));
	request(tx, MOD_OFFSET);
	tx[OFFSET] = 1 << 23;
	CHECK_EQ(call(tx, sent), TIME_OK);
	CHECK_OK(__sys_settimeofday(&at, NULL));
	CHECK_EQ(tx[OFFSET], 1 << 23);
	CHECK_EQ(tx[FREQ], 500 << 16);
	/* PLL off again: the boot state. */
	request(tx, MOD_STATUS | MOD_FREQUENCY | MOD_MICRO);
	tx[STATUS] = 0;
	tx[FREQ] = 0;
	call(tx, sent);
	PASS();
}
