// abi: freebsd4-i386
/*
 * Event queues watching event queues (EVFILT_READ on a kqueue's descriptor, 4.x's
 * filt_kqueue): a queue is readable while one of its notes would fire, so a chain of
 * queues ending on a pipe with a byte in it is readable from its head, through
 * fstat's st_size (kqueue_stat's kq_count), poll and kevent. A chain of any length,
 * built either way round, is answered without taking the kernel down: this kernel
 * asks a queue's notes when asked about it, and follows at most 16 queues deep (the
 * head of a longer chain reads as quiet, where 4.x's pushed events would reach it).
 */
#include <nymph_fb4.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>

enum { SHORT = 8, LONG = 120 };

static int kq[LONG];
static int p[2];

/* kq[i] watches kq[i + 1] for i < n - 1, and kq[n - 1] the pipe; built from the head
 * or from the tail. */
static void chain(int n, int from_tail)
{
	for (int k = 0; k < n; k++) {
		int i = from_tail ? n - 1 - k : k;
		uint32_t watched = i + 1 < n ? (uint32_t)kq[i + 1] : (uint32_t)p[0];
		struct kevent ev = {watched, EVFILT_READ, EV_ADD, 0, 0, 0};
		CHECK_OK(__sys_kevent(kq[i], &ev, 1, NULL, 0, NULL));
	}
}

/* The head's answers: st_size, poll's count and kevent's events (each 0 or 1). */
static void head(int *size, int *polled, int *events, struct kevent *got)
{
	struct stat s;
	CHECK_OK(fstat(kq[0], &s));
	*size = (int)s.st_size;
	struct pollfd pf = {kq[0], POLLIN, 0};
	*polled = CHECK_OK(poll(&pf, 1, 0));
	struct timespec zero = {0, 0};
	*events = CHECK_OK(__sys_kevent(kq[0], NULL, 0, got, 1, &zero));
}

int main(void)
{
	int size, polled, events;
	struct kevent got;
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "x", 1), 1);

	/* A short chain: the byte is seen from the head. */
	for (int i = 0; i < SHORT; i++)
		kq[i] = CHECK_OK(__sys_kqueue());
	chain(SHORT, 0);
	head(&size, &polled, &events, &got);
	CHECK_EQ(size, 1);
	CHECK_EQ(polled, 1);
	CHECK_EQ(events, 1);
	CHECK_EQ(got.ident, (uint32_t)kq[1]);
	CHECK_EQ(got.filter, EVFILT_READ);
	/* Drained, nothing fires anywhere along it. */
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	head(&size, &polled, &events, &got);
	CHECK_EQ(size + polled + events, 0);
	CHECK_EQ(write(p[1], "y", 1), 1);
	for (int i = 0; i < SHORT; i++)
		close(kq[i]);

	/* Long chains, built both ways: every question is answered. */
	for (int from_tail = 0; from_tail < 2; from_tail++) {
		for (int i = 0; i < LONG; i++)
			kq[i] = CHECK_OK(__sys_kqueue());
		chain(LONG, from_tail);
		head(&size, &polled, &events, &got);
		CHECK(size <= 1 && polled <= 1 && events <= 1);
		/* Its tail end still sees the byte. */
		struct pollfd pf = {kq[LONG - 2], POLLIN, 0};
		CHECK_EQ(poll(&pf, 1, 0), 1);
		for (int i = 0; i < LONG; i++)
			close(kq[i]);
	}
	PASS();
}
