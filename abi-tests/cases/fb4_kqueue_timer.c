// abi: freebsd4-i386
/*
 * kevent's EVFILT_TIMER (-7) as 4.x's kern_event.c has it: `data` is the period in
 * milliseconds, the timer repeats unless EV_ONESHOT, EV_CLEAR is forced on (and
 * reported), and an event's data counts the expiries since the last report, including
 * those of periods nobody asked about. Also: a timer does not wait for a descriptor
 * (kevent with no timeout returns when it expires), EV_DISABLE stops reports, a
 * one-shot timer fires once and is gone, a changed period is taken, and idents are
 * the queue's own (two queues may both have timer 1), and the system holds 4096.
 */
#include <nymph_test.h>
#include <sys/time.h>
#include <time.h>

static int kqueue(void)
{
	return __sys_kqueue();
}

static int kevent(int kq, const struct kevent *ch, int nch, struct kevent *ev, int nev,
		  const struct timespec *ts)
{
	return __sys_kevent(kq, ch, nch, ev, nev, ts);
}

static struct kevent timer(unsigned ident, unsigned flags, int ms, unsigned udata)
{
	struct kevent k;
	memset(&k, 0, sizeof(k));
	k.ident = ident;
	k.filter = EVFILT_TIMER;
	k.flags = (unsigned short)flags;
	k.data = ms;
	k.udata = udata;
	return k;
}

static void change(int kq, struct kevent k)
{
	if (kevent(kq, &k, 1, NULL, 0, NULL) != 0)
		FAIL("kevent change (timer %u flags 0x%x): errno %s", k.ident, k.flags,
		     nt_errname(errno));
}

static const struct timespec zero = {0, 0};

static long now_ms(void)
{
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(void)
{
	CHECK_EQ(EVFILT_TIMER, -7);
	int kq = CHECK_OK(kqueue());
	struct kevent ev[4];

	/* A periodic timer wakes a kevent that waits for ever, no sooner than its period. */
	long start = now_ms();
	change(kq, timer(1, EV_ADD, 50, 0x7e57));
	int n = kevent(kq, NULL, 0, ev, 4, NULL);
	long waited = now_ms() - start;
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].ident, 1);
	CHECK_EQ(ev[0].filter, EVFILT_TIMER);
	CHECK_EQ(ev[0].flags, EV_ADD | EV_CLEAR);
	CHECK_EQ(ev[0].fflags, 0);
	CHECK_EQ(ev[0].udata, 0x7e57);
	CHECK(ev[0].data >= 1);
	if (waited < 50)
		FAIL("the 50 ms timer fired after %ld ms", waited);

	/* Expiries add up while nobody asks; a report clears them. */
	sleep_ms(260);
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, &zero), 1);
	if (ev[0].data < 3 || ev[0].data > 6)
		FAIL("after 260 ms of a 60 ms timer (50 ms + a tick): %d expiries", ev[0].data);
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, &zero), 0);

	/* Disabled, it says nothing; enabled again, it counts what it missed. */
	change(kq, timer(1, EV_DISABLE, 0, 0));
	sleep_ms(130);
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, &zero), 0);
	change(kq, timer(1, EV_ENABLE, 0, 0));
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, &zero), 1);
	CHECK(ev[0].data >= 1);

	/* Deleted, it is gone: a second delete is ENOENT. */
	change(kq, timer(1, EV_DELETE, 0, 0));
	struct kevent k = timer(1, EV_DELETE, 0, 0);
	CHECK_ERRNO(kevent(kq, &k, 1, NULL, 0, NULL), ENOENT);

	/* A one-shot timer fires once, reports EV_ONESHOT, and is gone. */
	change(kq, timer(2, EV_ADD | EV_ONESHOT, 20, 0));
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, NULL), 1);
	CHECK_EQ(ev[0].ident, 2);
	CHECK_EQ(ev[0].data, 1);
	CHECK(ev[0].flags & EV_ONESHOT);
	sleep_ms(60);
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, &zero), 0);
	k = timer(2, EV_DELETE, 0, 0);
	CHECK_ERRNO(kevent(kq, &k, 1, NULL, 0, NULL), ENOENT);

	/* A zero or negative period is one tick, not an error or a busy loop. */
	change(kq, timer(3, EV_ADD | EV_ONESHOT, -1, 0));
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, NULL), 1);
	CHECK_EQ(ev[0].ident, 3);

	/* Timer idents belong to their queue; a kevent timeout still ends a wait. */
	int other = CHECK_OK(kqueue());
	change(kq, timer(1, EV_ADD, 1000, 1));
	change(other, timer(1, EV_ADD, 30, 2));
	CHECK_EQ(kevent(other, NULL, 0, ev, 4, NULL), 1);
	CHECK_EQ(ev[0].udata, 2);
	struct timespec short_wait = {0, 40 * 1000000};
	CHECK_EQ(kevent(kq, NULL, 0, ev, 4, &short_wait), 0);

	/* A re-added timer takes its new period from its next expiry. */
	change(other, timer(1, EV_ADD, 1000, 3));
	kevent(other, NULL, 0, ev, 4, &zero);
	sleep_ms(200);
	n = kevent(other, NULL, 0, ev, 4, &zero);
	CHECK(n <= 1);
	if (n == 1 && ev[0].data > 1)
		FAIL("a 1 s timer expired %d times in 200 ms", ev[0].data);

	close(other);
	close(kq);

	/* The system holds 4096 timers (kq_calloutmax); the next is ENOMEM, and closing
	 * a queue gives its timers back. 512 notes fit one queue. */
	int queues[9], made = 0, q = 0;
	for (; q < 9; q++) {
		queues[q] = CHECK_OK(kqueue());
		for (int i = 0; i < 512; i++) {
			k = timer(i, EV_ADD, 100000, 0);
			if (kevent(queues[q], &k, 1, NULL, 0, NULL) != 0) {
				CHECK_EQ(errno, ENOMEM);
				goto full;
			}
			made++;
		}
	}
	FAIL("%d timers made, no ENOMEM", made);
full:
	CHECK_EQ(made, 4096);
	for (int i = 0; i <= q; i++)
		close(queues[i]);
	kq = CHECK_OK(kqueue());
	change(kq, timer(1, EV_ADD, 100000, 0));
	close(kq);
	PASS();
}
