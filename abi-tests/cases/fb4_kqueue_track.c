// abi: freebsd4-i386
/*
 * kevent's NOTE_TRACK (4.x kern_event.c filt_proc): a process note that follows
 * forks makes, for each child, a note like itself (the same NOTE_* bits and udata,
 * its flags with EV_ADD and EV_ENABLE) whose first event is NOTE_CHILD with the
 * parent's pid as data; the parent's note reports NOTE_FORK; the child's note
 * follows the child's own forks and reports its exit. The child's note is made in
 * the fork, before the child runs: a child that execs and ends before the queue is
 * read has all of it reported (NOTE_CHILD, NOTE_EXEC, NOTE_EXIT at once). A child
 * whose note finds no room is NOTE_TRACKERR on the parent's note.
 */
#include <nymph_test.h>
#include <sys/wait.h>

static const struct timespec zero = {0, 0};

static int events(int kq, struct kevent *ev, int max)
{
	memset(ev, 0xa5, sizeof(*ev) * max);
	return __sys_kevent(kq, NULL, 0, ev, max, &zero);
}

/* The event of `ident` among the first `n`, or NULL. */
static struct kevent *find(struct kevent *ev, int n, unsigned ident)
{
	for (int i = 0; i < n; i++)
		if (ev[i].ident == ident)
			return &ev[i];
	return NULL;
}

static void wait_ms(long ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-exit") == 0)
		_exit(7);
	int kq = CHECK_OK(__sys_kqueue());
	pid_t me = getpid();
	struct kevent k;
	memset(&k, 0, sizeof(k));
	k.ident = (unsigned)me;
	k.filter = EVFILT_PROC;
	k.flags = EV_ADD;
	k.fflags = NOTE_FORK | NOTE_EXIT | NOTE_TRACK;
	k.udata = 77;
	CHECK_OK(__sys_kevent(kq, &k, 1, NULL, 0, NULL));

	int go[2], back[2];
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(back));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		int hold[2];
		if (pipe(hold) != 0)
			_exit(2);
		pid_t grandchild = fork();
		if (grandchild == 0) {
			close(hold[1]);
			(void)!read(hold[0], &c, 1);
			_exit(3);
		}
		(void)!write(back[1], &grandchild, sizeof(grandchild));
		/* The parent says when the grandchild may end. */
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		close(hold[1]);
		int status;
		waitpid(grandchild, &status, 0);
		if (read(go[0], &c, 1) != 1)
			_exit(5);
		_exit(0);
	}

	/* The fork: the parent's NOTE_FORK and the child's new note. */
	struct kevent ev[8];
	int n = CHECK_OK(events(kq, ev, 8));
	CHECK_EQ(n, 2);
	struct kevent *p = find(ev, n, (unsigned)me);
	struct kevent *c = find(ev, n, (unsigned)child);
	CHECK(p && c);
	CHECK_EQ(p->fflags, NOTE_FORK);
	CHECK_EQ(p->udata, 77);
	CHECK_EQ(c->filter, EVFILT_PROC);
	CHECK_EQ(c->fflags, NOTE_CHILD);
	CHECK_EQ(c->data, me);
	CHECK_EQ(c->udata, 77);
	CHECK_EQ(c->flags, EV_ADD | EV_ENABLE | EV_CLEAR);
	CHECK_EQ(events(kq, ev, 8), 0);

	/* The child forks: its note reports NOTE_FORK, the grandchild's NOTE_CHILD. */
	CHECK_EQ(write(go[1], "g", 1), 1);
	pid_t grandchild;
	CHECK_EQ(read(back[0], &grandchild, sizeof(grandchild)), (int)sizeof(grandchild));
	n = CHECK_OK(events(kq, ev, 8));
	CHECK_EQ(n, 2);
	c = find(ev, n, (unsigned)child);
	struct kevent *g = find(ev, n, (unsigned)grandchild);
	CHECK(c && g);
	CHECK_EQ(c->fflags, NOTE_FORK);
	CHECK_EQ(g->fflags, NOTE_CHILD);
	CHECK_EQ(g->data, child);

	/* The grandchild ends: its note reports NOTE_EXIT with EV_EOF, and goes. */
	CHECK_EQ(write(go[1], "e", 1), 1);
	for (int tries = 0; tries < 200; tries++) {
		n = CHECK_OK(events(kq, ev, 8));
		if (n > 0)
			break;
		wait_ms(10);
	}
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].ident, (unsigned)grandchild);
	CHECK_EQ(ev[0].fflags, NOTE_EXIT);
	CHECK(ev[0].flags & EV_EOF);
	CHECK_EQ(ev[0].data, 3 << 8);

	/* The child ends. */
	CHECK_EQ(write(go[1], "x", 1), 1);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	n = CHECK_OK(events(kq, ev, 8));
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].ident, (unsigned)child);
	CHECK_EQ(ev[0].fflags, NOTE_EXIT);

	/* A child that execs and ends, reaped before the queue is read: followed from
	 * the fork, its note holds all of it. Closing the first queue drops its notes. */
	close(kq);
	kq = CHECK_OK(__sys_kqueue());
	k.fflags = NOTE_FORK | NOTE_EXEC | NOTE_EXIT | NOTE_TRACK;
	CHECK_OK(__sys_kevent(kq, &k, 1, NULL, 0, NULL));
	pid_t quick = CHECK_OK(fork());
	if (quick == 0) {
		char *args[] = {argv[0], "exec-exit", NULL};
		execve(argv[0], args, NULL);
		_exit(1);
	}
	CHECK_EQ(waitpid(quick, &status, 0), quick);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	n = CHECK_OK(events(kq, ev, 8));
	CHECK_EQ(n, 2);
	p = find(ev, n, (unsigned)me);
	c = find(ev, n, (unsigned)quick);
	CHECK(p && c);
	CHECK_EQ(p->fflags, NOTE_FORK);
	CHECK_EQ(c->fflags, NOTE_CHILD | NOTE_EXEC | NOTE_EXIT);
	CHECK_EQ(c->flags, EV_ADD | EV_ENABLE | EV_CLEAR | EV_EOF | EV_ONESHOT);
	CHECK_EQ(c->data, 7 << 8);
	CHECK_EQ(events(kq, ev, 8), 0);

	/* A queue with no room for the child's note (this kernel holds 512 notes a
	 * queue; 4.x fails the same way when it cannot allocate one): the fork is
	 * NOTE_TRACKERR on the parent's note, and the child is not followed. */
	struct kevent fill;
	int added = 1;
	for (unsigned ident = 1000; ident < 2000; ident++) {
		memset(&fill, 0, sizeof(fill));
		fill.ident = ident;
		fill.filter = EVFILT_SIGNAL;
		fill.flags = EV_ADD;
		if (__sys_kevent(kq, &fill, 1, NULL, 0, NULL) != 0)
			break;
		added++;
	}
	CHECK_EQ(added, 512);
	quick = CHECK_OK(fork());
	if (quick == 0)
		_exit(0);
	CHECK_EQ(waitpid(quick, &status, 0), quick);
	n = CHECK_OK(events(kq, ev, 8));
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].ident, (unsigned)me);
	CHECK_EQ(ev[0].fflags, NOTE_FORK | NOTE_TRACKERR);
	PASS();
}
