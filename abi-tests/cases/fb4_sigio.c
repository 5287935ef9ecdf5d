// abi: freebsd4-i386
/*
 * Signal-driven I/O on sockets, as 4.x's sowakeup sends it: with FIOASYNC (or
 * F_SETFL O_ASYNC) a socket's owner gets SIGIO when data or a connection arrives, when
 * its peer takes data (room to send), and when its peer goes; an accepted connection
 * keeps its listener's owner and asynchrony. Files and directories take FIOASYNC with
 * nothing to signal (vn_ioctl); a pipe refuses it here (EINVAL), and F_SETFL then
 * leaves O_ASYNC set and clears O_NONBLOCK, as 4.x's fcntl does when the object
 * refuses.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>

static volatile int ios;

static void on_io(int sig)
{
	(void)sig;
	ios++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_io;
	CHECK_OK(sigaction(SIGIO, &sa, NULL));
	char c;

	int sv[2];
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* Asynchronous without an owner: nobody to tell. */
	int on = 1, off = 0;
	CHECK_OK(ioctl(sv[1], FIOASYNC, &on));
	CHECK_EQ(write(sv[0], "a", 1), 1);
	CHECK_EQ(ios, 0);
	CHECK_EQ(read(sv[1], &c, 1), 1);
	CHECK_OK(fcntl(sv[1], F_SETOWN, getpid()));
	/* Data for sv[1]. */
	CHECK_EQ(write(sv[0], "a", 1), 1);
	CHECK_EQ(ios, 1);
	/* Room for sv[0], which did not ask. */
	CHECK_EQ(read(sv[1], &c, 1), 1);
	CHECK_EQ(ios, 1);
	CHECK_OK(fcntl(sv[0], F_SETOWN, getpid()));
	CHECK_OK(fcntl(sv[0], F_SETFL, O_ASYNC));
	CHECK_EQ(fcntl(sv[0], F_GETFL) & (O_ASYNC | O_NONBLOCK), O_ASYNC);
	/* Data for sv[0]; then room for sv[1]. */
	CHECK_EQ(write(sv[1], "b", 1), 1);
	CHECK_EQ(ios, 2);
	CHECK_EQ(read(sv[0], &c, 1), 1);
	CHECK_EQ(ios, 3);
	/* Off again. */
	CHECK_OK(ioctl(sv[1], FIOASYNC, &off));
	CHECK_EQ(write(sv[0], "c", 1), 1);
	CHECK_EQ(ios, 3);
	/* The peer going. */
	CHECK_OK(ioctl(sv[1], FIOASYNC, &on));
	CHECK_OK(close(sv[0]));
	CHECK_EQ(ios, 4);
	CHECK_EQ(read(sv[1], &c, 1), 1);
	CHECK_EQ(read(sv[1], &c, 1), 0);
	close(sv[1]);

	/* A datagram. */
	CHECK_OK(__sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_OK(fcntl(sv[1], F_SETOWN, getpid()));
	CHECK_OK(ioctl(sv[1], FIOASYNC, &on));
	CHECK_EQ(write(sv[0], "dg", 2), 2);
	CHECK_EQ(ios, 5);
	close(sv[0]);
	close(sv[1]);

	/* A connection to accept; the accepted one keeps owner and asynchrony. */
	struct sockaddr_in sin;
	int lst = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_bind(lst, &sin, nt_sockaddr_in(&sin, INADDR_LOOPBACK, 7203)));
	CHECK_OK(__sys_listen(lst, 4));
	CHECK_OK(fcntl(lst, F_SETOWN, getpid()));
	CHECK_OK(ioctl(lst, FIOASYNC, &on));
	int cl = CHECK_OK(__sys_socket(AF_INET, SOCK_STREAM, 0));
	CHECK_OK(__sys_connect(cl, &sin, sizeof(sin)));
	CHECK_EQ(ios, 6);
	int a = CHECK_OK(__sys_accept(lst, NULL, NULL));
	CHECK_EQ(fcntl(a, F_GETOWN), getpid());
	CHECK_EQ(write(cl, "t", 1), 1);
	CHECK_EQ(ios, 7);
	CHECK_EQ(read(a, &c, 1), 1);
	CHECK_EQ(ios, 7);

	/* Files take it with nothing to signal; a pipe refuses it here. */
	int f = CHECK_OK(open("/tmp/fb4_sigio.file", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_OK(ioctl(f, FIOASYNC, &on));
	CHECK_OK(fcntl(f, F_SETFL, O_ASYNC));
	CHECK_EQ(fcntl(f, F_GETFL) & O_ASYNC, O_ASYNC);
	close(f);
	unlink("/tmp/fb4_sigio.file");
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERRNO(ioctl(p[0], FIOASYNC, &on), EINVAL);
	CHECK_OK(ioctl(p[0], FIOASYNC, &off));
	CHECK_ERRNO(fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK), EINVAL);
	CHECK_EQ(fcntl(p[0], F_GETFL) & (O_ASYNC | O_NONBLOCK), O_ASYNC);
	CHECK_EQ(ios, 7);
	PASS();
}
