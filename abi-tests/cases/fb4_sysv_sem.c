// abi: freebsd4-i386
/*
 * System V semaphores as 4.x's sysv_sem.c serves them: semget by key and private,
 * __semctl's commands through 4.x's `union semun *` argument (struct semid_ds byte
 * for byte, mode with SEM_ALLOC), semop all-or-nothing with IPC_NOWAIT, sleeping
 * until another process changes the set (counted in GETNCNT/GETZCNT), EINTR on a
 * signal, EIDRM when the set is removed meanwhile, SEM_UNDO applied at exit, the
 * error order and limits, undo sums that wrap as 4.x's short does, ipcperm for a
 * non-root user, and the semsys multiplexer with semconfig's freeze (every other
 * process's semsys waits, not its direct calls, until a thaw or the freezer's exit).
 */
#include <nymph_test.h>
#include <signal.h>

#define SEM_ALLOC_ 01000

static int ctl(int id, int num, int cmd, union semun arg)
{
	return __sys___semctl(id, num, cmd, &arg);
}

static int val(int id, int num, int cmd)
{
	union semun none = {.val = 0};
	return ctl(id, num, cmd, none);
}

static int op1(int id, int num, int delta, int flags)
{
	struct sembuf b = {(uint16_t)num, (int16_t)delta, (int16_t)flags};
	return __sys_semop(id, &b, 1);
}

static int wait_child(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

/* Waits until `cmd` (GETNCNT or GETZCNT) of semaphore `num` reads `want`. */
static void wait_count(int id, int num, int cmd, int want)
{
	for (int i = 0; i < 2000 && val(id, num, cmd) != want; i++)
		usleep(1000);
	CHECK_EQ(val(id, num, cmd), want);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void basics(void)
{
	time_t t0 = time(NULL);
	int id = CHECK_OK(__sys_semget(IPC_PRIVATE, 3, 0600));

	unsigned char raw[64];
	memset(raw, 0xa5, sizeof(raw));
	union semun arg = {.buf = (uint32_t)(uintptr_t)raw};
	CHECK_OK(ctl(id, 0, IPC_STAT, arg));
	uint16_t u16[6];
	int32_t i32[11];
	memcpy(u16, raw, 12);
	memcpy(i32, raw + 12, 44);
	CHECK_EQ(u16[0], 0);                                /* cuid */
	CHECK_EQ(u16[2], 0);                                /* uid */
	CHECK_EQ(u16[4], SEM_ALLOC_ | 0600);                /* mode */
	CHECK_EQ(u16[5], (uint32_t)id >> 16);               /* seq */
	CHECK_EQ(i32[0], IPC_PRIVATE);                      /* key */
	CHECK_EQ(i32[1], 0);                                /* sem_base */
	CHECK_EQ(raw[20] | raw[21] << 8, 3);                /* sem_nsems */
	CHECK_EQ(i32[3], 0);                                /* sem_otime */
	CHECK(i32[5] >= t0 && i32[5] <= time(NULL));        /* sem_ctime */
	for (int i = 56; i < 64; i++)
		CHECK_EQ(raw[i], 0xa5);

	/* SETALL, GETALL, SETVAL, GETVAL; GETPID of a semaphore never operated on. */
	uint16_t set[3] = {1, 2, 3}, got[3] = {9, 9, 9};
	CHECK_OK(ctl(id, 0, SETALL, (union semun){.array = (uint32_t)(uintptr_t)set}));
	CHECK_OK(ctl(id, 0, GETALL, (union semun){.array = (uint32_t)(uintptr_t)got}));
	CHECK(got[0] == 1 && got[1] == 2 && got[2] == 3);
	CHECK_OK(ctl(id, 0, SETVAL, (union semun){.val = 5}));
	CHECK_EQ(val(id, 0, GETVAL), 5);
	CHECK_EQ(val(id, 1, GETVAL), 2);
	CHECK_EQ(val(id, 0, GETPID), 0);

	/* semop: all or nothing. */
	CHECK_OK(op1(id, 0, -5, 0));
	CHECK_EQ(val(id, 0, GETVAL), 0);
	CHECK_EQ(val(id, 0, GETPID), getpid());
	struct semid_ds ds;
	CHECK_OK(ctl(id, 0, IPC_STAT, (union semun){.buf = (uint32_t)(uintptr_t)&ds}));
	CHECK(ds.sem_otime >= t0);
	struct sembuf two[2] = {{1, 1, 0}, {0, -1, IPC_NOWAIT}};
	CHECK_ERRNO(__sys_semop(id, two, 2), EAGAIN);
	CHECK_EQ(val(id, 1, GETVAL), 2);
	CHECK_ERRNO(op1(id, 2, 0, IPC_NOWAIT), EAGAIN);

	/* Errors, in 4.x's order. */
	CHECK_ERRNO(op1(id, 3, 1, 0), EFBIG);
	struct sembuf six[6] = {{0, 1, 0}};
	CHECK_ERRNO(__sys_semop(id, six, 6), E2BIG);
	CHECK_ERRNO(__sys_semop(id, NULL, 1), EFAULT);
	CHECK_ERRNO(op1(id + 1, 0, 1, 0), EINVAL);
	CHECK_ERRNO(val(id, 3, GETVAL), EINVAL);
	CHECK_ERRNO(val(id, -1, GETNCNT), EINVAL);
	CHECK_ERRNO(val(id, 0, 99), EINVAL);
	CHECK_ERRNO(__sys___semctl(id, 0, GETALL, NULL), EFAULT);
	CHECK_ERRNO(ctl(id, 0, GETALL, (union semun){.array = 0}), EFAULT);

	/* A sleeper for more, woken by a post. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(op1(id, 0, -1, 0));
		_exit(0);
	}
	wait_count(id, 0, GETNCNT, 1);
	CHECK_OK(op1(id, 0, 1, 0));
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(val(id, 0, GETVAL), 0);
	CHECK_EQ(val(id, 0, GETNCNT), 0);
	CHECK_EQ(val(id, 0, GETPID), child);

	/* A sleeper for zero, woken by SETVAL. */
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(op1(id, 2, 0, 0));
		_exit(0);
	}
	wait_count(id, 2, GETZCNT, 1);
	CHECK_OK(ctl(id, 2, SETVAL, (union semun){.val = 0}));
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(val(id, 2, GETZCNT), 0);

	/* A signal ends the sleep: EINTR (even with SA_RESTART), and no waiter left. */
	child = CHECK_OK(fork());
	if (child == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_RESTART;
		CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
		CHECK_ERRNO(op1(id, 0, -1, 0), EINTR);
		CHECK_EQ(val(id, 0, GETNCNT), 0);
		_exit(0);
	}
	wait_count(id, 0, GETNCNT, 1);
	CHECK_OK(kill(child, SIGUSR1));
	CHECK_CHILD_OK(wait_child(child));

	/* SEM_UNDO: what an exiting process did with it is undone. */
	CHECK_OK(ctl(id, 1, SETVAL, (union semun){.val = 2}));
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(op1(id, 1, 4, SEM_UNDO));
		CHECK_OK(op1(id, 1, -1, SEM_UNDO));
		CHECK_OK(op1(id, 1, 10, 0));
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(val(id, 1, GETVAL), 12);

	/* Removed while a process sleeps on it: EIDRM for the sleeper. */
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_ERRNO(op1(id, 0, -1, 0), EIDRM);
		_exit(0);
	}
	wait_count(id, 0, GETNCNT, 1);
	CHECK_OK(val(id, 0, IPC_RMID));
	CHECK_CHILD_OK(wait_child(child));
	CHECK_ERRNO(val(id, 0, GETVAL), EINVAL);
	CHECK_ERRNO(val(id, 0, IPC_RMID), EINVAL);
}

static void keys_and_permissions(void)
{
	int key = 0x4e560000 | (getpid() & 0xffff);
	CHECK_ERRNO(__sys_semget(key, 1, 0600), ENOENT);
	CHECK_ERRNO(__sys_semget(key, 0, IPC_CREAT | 0600), EINVAL);
	CHECK_ERRNO(__sys_semget(key, SEMMSL + 1, IPC_CREAT | 0600), EINVAL);
	int id = CHECK_OK(__sys_semget(key, 2, IPC_CREAT | 0640));
	CHECK_EQ(__sys_semget(key, 0, 0), id);
	CHECK_EQ(__sys_semget(key, 2, IPC_CREAT | 0600), id);
	CHECK_ERRNO(__sys_semget(key, 3, 0), EINVAL);
	CHECK_ERRNO(__sys_semget(key, 1, IPC_CREAT | IPC_EXCL | 0600), EEXIST);

	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		struct semid_ds ds;
		CHECK_ERRNO(__sys_semget(key, 0, 0400), EACCES);
		CHECK_EQ(__sys_semget(key, 0, 0), id);
		CHECK_ERRNO(op1(id, 0, 1, 0), EACCES);
		CHECK_ERRNO(val(id, 0, GETVAL), EACCES);
		CHECK_ERRNO(ctl(id, 0, SETVAL, (union semun){.val = 1}), EACCES);
		CHECK_ERRNO(ctl(id, 0, IPC_STAT, (union semun){.buf = (uint32_t)(uintptr_t)&ds}),
			    EACCES);
		CHECK_ERRNO(val(id, 0, IPC_RMID), EPERM);
		CHECK_ERRNO(__sys___semctl(id, 0, IPC_SET, NULL), EPERM);
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));

	/* IPC_SET gives it to user 1000, who may then alter and remove it. */
	struct semid_ds ds;
	union semun arg = {.buf = (uint32_t)(uintptr_t)&ds};
	CHECK_OK(ctl(id, 0, IPC_STAT, arg));
	ds.sem_perm.uid = 1000;
	ds.sem_perm.mode = 0600;
	CHECK_OK(ctl(id, 0, IPC_SET, arg));
	CHECK_OK(ctl(id, 0, IPC_STAT, arg));
	CHECK_EQ(ds.sem_perm.uid, 1000);
	CHECK_EQ(ds.sem_perm.cuid, 0);
	CHECK_EQ(ds.sem_perm.mode, SEM_ALLOC_ | 0600);
	child = CHECK_OK(fork());
	if (child == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		CHECK_OK(op1(id, 1, 3, 0));
		CHECK_EQ(val(id, 1, GETVAL), 3);
		CHECK_OK(val(id, 0, IPC_RMID));
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK_ERRNO(__sys_semget(key, 0, 0), ENOENT);
}

static void limits(void)
{
	/* SEMMNI sets, then ENOSPC. */
	static int ids[SEMMNI + 1];
	int n = 0;
	for (; n <= SEMMNI; n++) {
		ids[n] = __sys_semget(IPC_PRIVATE, 1, 0600);
		if (ids[n] == -1)
			break;
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK(n > 0 && n <= SEMMNI);
	for (int i = 0; i < n; i++)
		CHECK_OK(val(ids[i], 0, IPC_RMID));

	/* SEMMNS semaphores in all, then ENOSPC. */
	int a = CHECK_OK(__sys_semget(IPC_PRIVATE, SEMMSL, 0600));
	CHECK_ERRNO(__sys_semget(IPC_PRIVATE, 1, 0600), ENOSPC);
	CHECK_OK(val(a, 0, IPC_RMID));

	/* SEMUME adjustments per process, then EINVAL (nothing done). */
	int u = CHECK_OK(__sys_semget(IPC_PRIVATE, SEMUME + 1, 0600));
	for (int i = 0; i < SEMUME; i++)
		CHECK_OK(op1(u, i, 1, SEM_UNDO));
	CHECK_ERRNO(op1(u, SEMUME, 1, SEM_UNDO), EINVAL);
	CHECK_EQ(val(u, SEMUME, GETVAL), 0);
	CHECK_OK(val(u, 0, IPC_RMID));
}

/*
 * An undo sum past 16 bits: positive deltas never fail, so a process can pile up
 * adjustments without bound. 4.x keeps them in a short that wraps; whatever the sum
 * came to, what the exit undoes brings the value back to where the process found it.
 */
static void undo_wraps(void)
{
	int id = CHECK_OK(__sys_semget(IPC_PRIVATE, 1, 0600));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		struct sembuf five[5];
		for (int i = 0; i < 5; i++)
			five[i] = (struct sembuf){0, 32767, SEM_UNDO};
		/* 14000 * 5 * 32767 is past INT32_MAX. */
		for (int n = 0; n < 14000; n++)
			CHECK_OK(__sys_semop(id, five, 5));
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(val(id, 0, GETVAL), 0);
	CHECK_OK(val(id, 0, IPC_RMID));
}

/* semsys(which, ...): __semctl, semget, semop, semconfig. */
static void multiplexer(void)
{
	int id = CHECK_OK(__sys_semsys(1, IPC_PRIVATE, 2, 0600, 0));
	struct sembuf b = {1, 7, 0};
	CHECK_OK(__sys_semsys(2, id, (int32_t)(uintptr_t)&b, 1, 0));
	union semun none = {.val = 0};
	CHECK_EQ(__sys_semsys(0, id, 1, GETVAL, (int32_t)(uintptr_t)&none), 7);
	CHECK_ERRNO(__sys_semsys(4, 0, 0, 0, 0), EINVAL);
	CHECK_OK(__sys_semsys(0, id, 0, IPC_RMID, 0));
}

/* semsys 3, semconfig (SEM_CONFIG_FREEZE 0, SEM_CONFIG_THAW 1). */
static void freeze(void)
{
	CHECK_ERRNO(__sys_semsys(3, 2, 0, 0, 0), EINVAL);
	CHECK_OK(__sys_semsys(3, 0, 0, 0, 0));
	/* The freezer's own calls go on. */
	int id = CHECK_OK(__sys_semsys(1, IPC_PRIVATE, 1, 0600, 0));
	union semun none = {.val = 0};
	int p[2];
	CHECK_OK(pipe(p));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		/* The direct calls are not held back; semsys waits for the thaw. */
		if (val(id, 0, GETVAL) != 0)
			_exit(2);
		if (write(p[1], "x", 1) != 1)
			_exit(3);
		int v = __sys_semsys(0, id, 0, GETVAL, (int32_t)(uintptr_t)&none);
		_exit(v == 5 ? 0 : 4);
	}
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	usleep(100000);
	int status;
	CHECK_EQ(waitpid(child, &status, WNOHANG), 0);
	union semun five = {.val = 5};
	CHECK_OK(ctl(id, 0, SETVAL, five));
	CHECK_OK(__sys_semsys(3, 1, 0, 0, 0));
	CHECK_CHILD_OK(wait_child(child));
	/* A freezer that exits without thawing lets the others go on. */
	child = CHECK_OK(fork());
	if (child == 0)
		_exit(__sys_semsys(3, 0, 0, 0, 0) == 0 ? 0 : 5);
	CHECK_CHILD_OK(wait_child(child));
	CHECK_EQ(__sys_semsys(0, id, 0, GETVAL, (int32_t)(uintptr_t)&none), 5);
	CHECK_OK(val(id, 0, IPC_RMID));
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	basics();
	keys_and_permissions();
	limits();
	undo_wraps();
	multiplexer();
	freeze();
	PASS();
}
