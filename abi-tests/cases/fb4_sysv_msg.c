// abi: freebsd4-i386
/*
 * System V message queues as 4.x's sysv_msg.c serves them: msgget by key and
 * private, struct msqid_ds byte for byte, msgsnd/msgrcv by type (0, exact, and 4.x's
 * "first at most -msgtyp"), E2BIG and MSG_NOERROR, IPC_NOWAIT's EAGAIN and ENOMSG,
 * receivers and senders that sleep until another process acts, EINTR (even with
 * SA_RESTART) and EIDRM, IPC_SET's msg_qbytes rules, ipcperm for a non-root user,
 * MSGMNI, and the msgsys multiplexer.
 */
#include <nymph_test.h>
#include <signal.h>

struct msg {
	int32_t mtype;
	char mtext[2100];
};

static int snd(int q, int32_t type, const char *text, int len, int flags)
{
	static struct msg m;
	m.mtype = type;
	memcpy(m.mtext, text, (size_t)len);
	return __sys_msgsnd(q, &m, (uint32_t)len, flags);
}

static struct msg got;

static int rcv(int q, int size, int type, int flags)
{
	memset(&got, 0, sizeof(got));
	return __sys_msgrcv(q, &got, (uint32_t)size, type, flags);
}

static int wait_child(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

static void stat_(int q, struct msqid_ds *ds)
{
	CHECK_OK(__sys_msgctl(q, IPC_STAT, ds));
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Lets a child reach its sleep (there is no waiter count to poll for queues). */
static void settle(void)
{
	usleep(200000);
}

static void basics(void)
{
	time_t t0 = time(NULL);
	int q = CHECK_OK(__sys_msgget(IPC_PRIVATE, 0600));

	unsigned char raw[92];
	memset(raw, 0xa5, sizeof(raw));
	CHECK_OK(__sys_msgctl(q, IPC_STAT, raw));
	uint16_t u16[6];
	int32_t i32[18];
	memcpy(u16, raw, 12);
	memcpy(i32, raw + 12, 72);
	CHECK_EQ(u16[4], 0600);                              /* mode */
	CHECK_EQ(u16[5], (uint32_t)q >> 16);                 /* seq */
	CHECK_EQ(i32[0], IPC_PRIVATE);                       /* key */
	CHECK_EQ(i32[1], 0);                                 /* msg_first */
	CHECK_EQ(i32[2], 0);                                 /* msg_last */
	CHECK_EQ(i32[3], 0);                                 /* msg_cbytes */
	CHECK_EQ(i32[4], 0);                                 /* msg_qnum */
	CHECK_EQ(i32[5], MSGMNB);                            /* msg_qbytes */
	CHECK_EQ(i32[6], 0);                                 /* msg_lspid */
	CHECK_EQ(i32[8], 0);                                 /* msg_stime */
	CHECK(i32[12] >= t0 && i32[12] <= time(NULL));       /* msg_ctime */
	for (int i = 84; i < 92; i++)
		CHECK_EQ(raw[i], 0xa5);

	/* By type: exact, "the first at most N", any. */
	CHECK_OK(snd(q, 5, "hello", 5, 0));
	CHECK_OK(snd(q, 3, "abc", 3, 0));
	CHECK_OK(snd(q, 7, "xyz", 3, 0));
	struct msqid_ds ds;
	stat_(q, &ds);
	CHECK_EQ(ds.msg_qnum, 3);
	CHECK_EQ(ds.msg_cbytes, 11);
	CHECK_EQ(ds.msg_lspid, getpid());
	CHECK(ds.msg_stime >= t0);
	CHECK_EQ(rcv(q, 100, 3, 0), 3);
	CHECK(got.mtype == 3 && memcmp(got.mtext, "abc", 3) == 0);
	CHECK_EQ(rcv(q, 100, -6, 0), 5);
	CHECK(got.mtype == 5 && memcmp(got.mtext, "hello", 5) == 0);
	CHECK_EQ(rcv(q, 100, 0, 0), 3);
	CHECK(got.mtype == 7 && memcmp(got.mtext, "xyz", 3) == 0);
	CHECK_ERRNO(rcv(q, 100, 0, IPC_NOWAIT), ENOMSG);
	stat_(q, &ds);
	CHECK_EQ(ds.msg_qnum, 0);
	CHECK_EQ(ds.msg_lrpid, getpid());

	/* Too long for the receiver: E2BIG and kept, or cut with MSG_NOERROR. */
	CHECK_OK(snd(q, 1, "0123456789", 10, 0));
	CHECK_ERRNO(rcv(q, 4, 0, 0), E2BIG);
	CHECK_EQ(rcv(q, 4, 0, MSG_NOERROR), 4);
	CHECK(memcmp(got.mtext, "0123", 4) == 0 && got.mtext[4] == 0);
	CHECK_ERRNO(rcv(q, 100, 0, IPC_NOWAIT), ENOMSG);

	/* Errors. */
	static char big[MSGMNB + 1];
	CHECK_ERRNO(snd(q, 1, big, MSGMNB + 1, 0), EINVAL);
	CHECK_ERRNO(snd(q, 0, "x", 1, 0), EINVAL);
	CHECK_ERRNO(__sys_msgsnd(q, NULL, 1, 0), EFAULT);
	CHECK_ERRNO(__sys_msgctl(q, IPC_STAT, NULL), EFAULT);
	CHECK_ERRNO(__sys_msgctl(q, 99, &ds), EINVAL);
	CHECK_ERRNO(snd(q + 1, 1, "x", 1, 0), EINVAL);
	CHECK_OK(snd(q, 2, "y", 1, 0));
	CHECK_ERRNO(__sys_msgrcv(q, NULL, 10, 0, 0), EFAULT);

	/* A receiver sleeps until a message of its type comes. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_EQ(rcv(q, 100, 9, 0), 4);
		CHECK(memcmp(got.mtext, "nine", 4) == 0);
		_exit(0);
	}
	settle();
	CHECK_OK(snd(q, 8, "eight", 5, 0));
	CHECK_OK(snd(q, 9, "nine", 4, 0));
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(rcv(q, 100, 8, IPC_NOWAIT), 5);

	/* A sender sleeps while the queue is full. */
	CHECK_OK(snd(q, 1, big, MSGMNB, 0));
	CHECK_ERRNO(snd(q, 1, "z", 1, IPC_NOWAIT), EAGAIN);
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(snd(q, 4, "late", 4, 0));
		_exit(0);
	}
	settle();
	CHECK_EQ(rcv(q, MSGMNB, 1, 0), MSGMNB);
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(rcv(q, 100, 4, IPC_NOWAIT), 4);

	/* A signal ends the sleep: EINTR, even with SA_RESTART. */
	child = CHECK_OK(fork());
	if (child == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_RESTART;
		CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
		CHECK_ERRNO(rcv(q, 100, 77, 0), EINTR);
		_exit(0);
	}
	settle();
	CHECK_OK(kill(child, SIGUSR1));
	CHECK_CHILD_OK(wait_child(child));

	/* IPC_SET: msg_qbytes capped at MSGMNB, 0 refused; a smaller limit applies. */
	stat_(q, &ds);
	ds.msg_qbytes = 100000;
	CHECK_OK(__sys_msgctl(q, IPC_SET, &ds));
	stat_(q, &ds);
	CHECK_EQ(ds.msg_qbytes, MSGMNB);
	ds.msg_qbytes = 0;
	CHECK_ERRNO(__sys_msgctl(q, IPC_SET, &ds), EINVAL);
	ds.msg_qbytes = 100;
	ds.msg_perm.mode = 0640;
	CHECK_OK(__sys_msgctl(q, IPC_SET, &ds));
	stat_(q, &ds);
	CHECK_EQ(ds.msg_qbytes, 100);
	CHECK_EQ(ds.msg_perm.mode, 0640);
	CHECK_ERRNO(snd(q, 1, big, 101, 0), EINVAL);

	/* Removed while a receiver sleeps: EIDRM. */
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_ERRNO(rcv(q, 100, 77, 0), EIDRM);
		_exit(0);
	}
	settle();
	CHECK_OK(__sys_msgctl(q, IPC_RMID, NULL));
	CHECK_CHILD_OK(wait_child(child));
	CHECK_ERRNO(__sys_msgctl(q, IPC_STAT, &ds), EINVAL);
}

static void keys_and_permissions(void)
{
	int key = 0x4e570000 | (getpid() & 0xffff);
	CHECK_ERRNO(__sys_msgget(key, 0600), ENOENT);
	int q = CHECK_OK(__sys_msgget(key, IPC_CREAT | 0640));
	CHECK_EQ(__sys_msgget(key, 0), q);
	CHECK_ERRNO(__sys_msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	CHECK_OK(snd(q, 1, "m", 1, 0));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		struct msqid_ds ds;
		CHECK_ERRNO(__sys_msgget(key, 0400), EACCES);
		CHECK_ERRNO(snd(q, 1, "x", 1, 0), EACCES);
		CHECK_ERRNO(rcv(q, 10, 0, IPC_NOWAIT), EACCES);
		CHECK_ERRNO(__sys_msgctl(q, IPC_STAT, &ds), EACCES);
		CHECK_ERRNO(__sys_msgctl(q, IPC_RMID, NULL), EPERM);
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	struct msqid_ds ds;
	stat_(q, &ds);
	ds.msg_perm.uid = 1000;
	ds.msg_qbytes = 50;
	CHECK_OK(__sys_msgctl(q, IPC_SET, &ds));
	child = CHECK_OK(fork());
	if (child == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		struct msqid_ds mine;
		CHECK_OK(__sys_msgctl(q, IPC_STAT, &mine));
		mine.msg_qbytes = 60;
		CHECK_ERRNO(__sys_msgctl(q, IPC_SET, &mine), EPERM);
		CHECK_EQ(rcv(q, 10, 0, IPC_NOWAIT), 1);
		CHECK_OK(__sys_msgctl(q, IPC_RMID, NULL));
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK_ERRNO(__sys_msgget(key, 0), ENOENT);
}

static void limits(void)
{
	static int ids[MSGMNI + 1];
	int n = 0;
	for (; n <= MSGMNI; n++) {
		ids[n] = __sys_msgget(IPC_PRIVATE, 0600);
		if (ids[n] == -1)
			break;
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK(n > 0 && n <= MSGMNI);
	for (int i = 0; i < n; i++)
		CHECK_OK(__sys_msgctl(ids[i], IPC_RMID, NULL));
}

/* msgsys(which, ...): msgctl, msgget, msgsnd, msgrcv. */
static void multiplexer(void)
{
	int q = CHECK_OK(__sys_msgsys(1, IPC_PRIVATE, 0600, 0, 0, 0));
	struct msg m = {.mtype = 6};
	memcpy(m.mtext, "sys", 3);
	CHECK_OK(__sys_msgsys(2, q, (int32_t)(uintptr_t)&m, 3, 0, 0));
	memset(&got, 0, sizeof(got));
	CHECK_EQ(__sys_msgsys(3, q, (int32_t)(uintptr_t)&got, 10, 6, 0), 3);
	CHECK(got.mtype == 6 && memcmp(got.mtext, "sys", 3) == 0);
	CHECK_ERRNO(__sys_msgsys(4, 0, 0, 0, 0, 0), EINVAL);
	CHECK_OK(__sys_msgsys(0, q, IPC_RMID, 0, 0, 0));
}

int main(void)
{
	basics();
	keys_and_permissions();
	limits();
	multiplexer();
	PASS();
}
