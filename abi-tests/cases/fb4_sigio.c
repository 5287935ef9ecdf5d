// abi: freebsd4-i386
/*
 * Signal-driven I/O on sockets, as 4.x's sowakeup sends it: with FIOASYNC (or
 * F_SETFL O_ASYNC) a socket's owner gets SIGIO when data or a connection arrives, when
 * its peer takes data (room to send), and when its peer goes; an accepted connection
 * keeps its listener's owner and asynchrony. Pipes signal as 4.x's pipes do (the read
 * end's owner, for data and for the room its reads make; each end at the other's
 * close), FIFOs as 4.x's socket-based ones (data for the readers, room for the
 * writers), the terminal when input or drained output is there (ttwakeup,
 * ttwwakeup). Files and directories take FIOASYNC with nothing to signal (vn_ioctl);
 * another device refuses it here (EINVAL), and F_SETFL then leaves O_ASYNC set and clears
 * O_NONBLOCK, as 4.x's fcntl does when the object refuses.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

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
	int id;

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

	/* A pipe: the read end's owner hears of data, and (as 4.x's pipe_read calls
	 * pipeselwakeup on its own end) of the room its reads make; each end hears of the
	 * other's close. TIOCSPGRP/TIOCGPGRP set the owner negated. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETOWN), 0);
	CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
	CHECK_OK(ioctl(p[0], FIOASYNC, &on));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ASYNC, O_ASYNC);
	CHECK_EQ(write(p[1], "p", 1), 1);
	CHECK_EQ(ios, 8);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(ios, 9);
	id = getpgrp();
	CHECK_OK(ioctl(p[1], TIOCSPGRP, &id));
	CHECK_EQ(fcntl(p[1], F_GETOWN), -getpgrp());
	CHECK_OK(ioctl(p[1], TIOCGPGRP, &id));
	CHECK_EQ(id, getpgrp());
	CHECK_OK(fcntl(p[1], F_SETFL, O_ASYNC));
	/* The writer hears nothing of its own writes or the reads. */
	CHECK_OK(ioctl(p[0], FIOASYNC, &off));
	CHECK_EQ(write(p[1], "q", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(ios, 9);
	CHECK_OK(close(p[0]));
	CHECK_EQ(ios, 10);
	close(p[1]);
	CHECK_OK(pipe(p));
	CHECK_OK(fcntl(p[0], F_SETOWN, getpid()));
	CHECK_OK(fcntl(p[0], F_SETFL, O_ASYNC));
	CHECK_OK(close(p[1]));
	CHECK_EQ(ios, 11);
	close(p[0]);

	/* A FIFO signals as 4.x's socket-based FIFOs do: data for the readers, room for
	 * the writers; its ioctls are a socket's (SIOCSPGRP, EOPNOTSUPP for others). */
	unlink("/tmp/fb4_sigio.fifo");
	CHECK_OK(mkfifo("/tmp/fb4_sigio.fifo", 0600));
	int r = CHECK_OK(open("/tmp/fb4_sigio.fifo", O_RDONLY | O_NONBLOCK));
	int w = CHECK_OK(open("/tmp/fb4_sigio.fifo", O_WRONLY));
	CHECK_OK(fcntl(r, F_SETOWN, getpid()));
	CHECK_OK(ioctl(r, FIOASYNC, &on));
	CHECK_EQ(write(w, "f", 1), 1);
	CHECK_EQ(ios, 12);
	CHECK_EQ(read(r, &c, 1), 1);
	CHECK_EQ(ios, 12);
	id = -getpid();
	CHECK_ERRNO(ioctl(w, TIOCSPGRP, &id), EOPNOTSUPP);
	id = getpgrp();
	CHECK_OK(ioctl(w, SIOCSPGRP, &id));
	CHECK_EQ(fcntl(w, F_GETOWN), -getpgrp());
	CHECK_OK(fcntl(w, F_SETFL, O_ASYNC));
	CHECK_EQ(write(w, "g", 1), 1);
	CHECK_EQ(ios, 13);
	CHECK_EQ(read(r, &c, 1), 1);
	CHECK_EQ(ios, 14);
	close(w);
	CHECK_EQ(ios, 15);
	/* The writers' side keeps its owner while the FIFO is open: the last reader's
	 * close tells it (fifo_close's socantsendmore). */
	close(r);
	CHECK_EQ(ios, 16);
	unlink("/tmp/fb4_sigio.fifo");

	/* The terminal (this case's controlling one): its owner hears when output has
	 * gone out (ttwwakeup); the owner is the controlling session's to set (a process
	 * that has given the terminal up gets ENOTTY). */
	int t = CHECK_OK(open("/dev/tty", O_RDWR));
	signal(SIGTTOU, SIG_IGN);
	CHECK_EQ(fcntl(t, F_GETOWN), 0);
	CHECK_OK(fcntl(t, F_SETOWN, getpid()));
	CHECK_OK(ioctl(t, FIOGETOWN, &id));
	CHECK_EQ(id, getpid());
	CHECK_EQ(write(t, "", 0), 0);
	CHECK_EQ(ios, 16);
	CHECK_OK(ioctl(t, FIOASYNC, &on));
	CHECK_EQ(write(t, "\n", 1), 1);
	CHECK_EQ(ios, 17);
	CHECK_OK(ioctl(t, FIOASYNC, &off));
	CHECK_EQ(write(t, "\n", 1), 1);
	CHECK_EQ(ios, 17);
	pid_t away = CHECK_OK(fork());
	if (away == 0) {
		if (setsid() < 0)
			_exit(1);
		_exit(fcntl(t, F_GETOWN) == -1 && errno == ENOTTY ? 0 : 2);
	}
	int status;
	CHECK_EQ(waitpid(away, &status, 0), away);
	CHECK_EQ(status, 0);
	id = 0;
	CHECK_OK(ioctl(t, FIOSETOWN, &id));
	close(t);

	/* Files take it with nothing to signal; a device refuses it here. */
	int f = CHECK_OK(open("/tmp/fb4_sigio.file", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_OK(ioctl(f, FIOASYNC, &on));
	CHECK_OK(fcntl(f, F_SETFL, O_ASYNC));
	CHECK_EQ(fcntl(f, F_GETFL) & O_ASYNC, O_ASYNC);
	close(f);
	unlink("/tmp/fb4_sigio.file");
	int d = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_ERRNO(ioctl(d, FIOASYNC, &on), EINVAL);
	CHECK_OK(ioctl(d, FIOASYNC, &off));
	CHECK_ERRNO(fcntl(d, F_SETFL, O_ASYNC | O_NONBLOCK), EINVAL);
	CHECK_EQ(fcntl(d, F_GETFL) & (O_ASYNC | O_NONBLOCK), O_ASYNC);
	CHECK_ERRNO(fcntl(d, F_SETOWN, getpid()), ENOTTY);
	CHECK_EQ(ios, 17);
	PASS();
}
