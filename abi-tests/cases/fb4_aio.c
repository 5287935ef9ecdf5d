// abi: freebsd4-i386
/*
 * The AIO calls as a 4.x GENERIC kernel answers them (vfs_aio.c without options
 * VFS_AIO, which GENERIC lacks): aio_return (314), aio_suspend (315), aio_cancel
 * (316), aio_error (317), aio_read (318), aio_write (319), lio_listio (320) and
 * aio_waitcomplete (359) each fail with ENOSYS before reading any argument (a bad
 * pointer or descriptor changes nothing), and without SIGSYS: the slots exist, unlike
 * a missing one (which posts SIGSYS, checked last).
 */
#include <nymph_test.h>
#include <signal.h>
#include <unistd.h>

static volatile int sigsys;
static void on_sys(int sig) { (void)sig; sigsys++; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sys;
	CHECK_OK(sigaction(SIGSYS, &sa, NULL));

	char cb[64];
	memset(cb, 0, sizeof cb);
	void *list[1] = {cb};
	struct timespec ts = {0, 0};
	void *bad = (void *)16;

	CHECK_ERRNO(syscall(318, cb), ENOSYS);      /* aio_read */
	CHECK_ERRNO(syscall(319, cb), ENOSYS);      /* aio_write */
	CHECK_ERRNO(syscall(317, cb), ENOSYS);      /* aio_error */
	CHECK_ERRNO(syscall(314, cb), ENOSYS);      /* aio_return */
	CHECK_ERRNO(syscall(315, list, 1, &ts), ENOSYS); /* aio_suspend */
	CHECK_ERRNO(syscall(316, 0, cb), ENOSYS);   /* aio_cancel */
	CHECK_ERRNO(syscall(320, 0, list, 1, NULL), ENOSYS); /* lio_listio */
	CHECK_ERRNO(syscall(359, list, &ts), ENOSYS); /* aio_waitcomplete */
	/* Nothing is read: bad pointers and descriptors give the same answer. */
	CHECK_ERRNO(syscall(318, bad), ENOSYS);
	CHECK_ERRNO(syscall(316, 999, bad), ENOSYS);
	CHECK_ERRNO(syscall(320, 77, bad, -1, bad), ENOSYS);
	CHECK_ERRNO(syscall(359, bad, bad), ENOSYS);
	CHECK_EQ(sigsys, 0);

	/* A slot 4.x has no call in: SIGSYS (and EINVAL once it is caught). */
	CHECK_ERRNO(syscall(210), EINVAL);
	CHECK_EQ(sigsys, 1);
	PASS();
}
