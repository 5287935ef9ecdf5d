// abi: freebsd4-i386
/*
 * System V shared memory as 4.x's sysv_shm.c serves it: shmget by key and private,
 * shmat anywhere / fixed / SHM_RND / SHM_RDONLY, shmdt of exact addresses only,
 * shmctl IPC_STAT (struct shmid_ds byte for byte, mode with SHMSEG_ALLOCATED),
 * IPC_SET, IPC_RMID (the segment lives on while attached, its key is gone at once),
 * ipcperm's rules for a non-root user, attachments shared with forked children and
 * dropped by exec and exit, the default limits, and the old shmsys multiplexer with
 * oshmctl's 44-byte record.
 */
#include <nymph_test.h>
#include <signal.h>

#define PAGE 4096
#define SHMSEG_ALLOCATED_ 0x800

static int shmget_(int key, int size, int flags)
{
	return __sys_shmget(key, size, flags);
}

static char *shmat_(int id, void *addr, int flags)
{
	return (char *)(uintptr_t)(uint32_t)__sys_shmat(id, addr, flags);
}

#define AT_FAILED ((char *)(uintptr_t)0xffffffffu)

static char *self_path;

static void stat_(int id, struct shmid_ds *ds)
{
	CHECK_OK(__sys_shmctl(id, IPC_STAT, ds));
}

static int nattch(int id)
{
	struct shmid_ds ds;
	stat_(id, &ds);
	return ds.shm_nattch;
}

static int wait_child(pid_t pid)
{
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

/* The exec'd image: the attachment its parent process had is gone. */
static int after_exec(const char *arg)
{
	int id = atoi(arg);
	struct shmid_ds ds;
	if (__sys_shmctl(id, IPC_STAT, &ds) != 0)
		return 10;
	/* Only the original process's attachment is left. */
	return ds.shm_nattch == 1 ? 0 : 11;
}

static void layout_and_stat(void)
{
	time_t t0 = time(NULL);
	int id = CHECK_OK(shmget_(IPC_PRIVATE, 10000, 0600));
	CHECK(id > 0);

	/* The record, byte for byte: 48 bytes written, nothing past them. */
	unsigned char raw[56];
	memset(raw, 0xa5, sizeof(raw));
	CHECK_OK(__sys_shmctl(id, IPC_STAT, raw));
	uint16_t u16[6];
	int32_t i32[9];
	memcpy(u16, raw, 12);
	memcpy(i32, raw + 12, 36);
	CHECK_EQ(u16[0], 0);                                /* cuid */
	CHECK_EQ(u16[1], 0);                                /* cgid */
	CHECK_EQ(u16[2], 0);                                /* uid */
	CHECK_EQ(u16[3], 0);                                /* gid */
	CHECK_EQ(u16[4], SHMSEG_ALLOCATED_ | 0600);         /* mode */
	CHECK_EQ(u16[5], (uint32_t)id >> 16);               /* seq */
	CHECK_EQ(i32[0], IPC_PRIVATE);                      /* key */
	CHECK_EQ(i32[1], 10000);                            /* shm_segsz, not rounded */
	CHECK_EQ(i32[2], 0);                                /* shm_lpid */
	CHECK_EQ(i32[3], getpid());                         /* shm_cpid */
	CHECK_EQ(raw[28] | raw[29] << 8, 0);                /* shm_nattch */
	CHECK_EQ(i32[5], 0);                                /* shm_atime */
	CHECK_EQ(i32[6], 0);                                /* shm_dtime */
	CHECK(i32[7] >= t0 && i32[7] <= time(NULL));        /* shm_ctime */
	CHECK_EQ(i32[8], 0);                                /* shm_internal */
	for (int i = 48; i < 56; i++)
		CHECK_EQ(raw[i], 0xa5);

	/* Attach anywhere: page-aligned, above the data segment's limit, zeroed. */
	char *p = shmat_(id, NULL, 0);
	CHECK(p != AT_FAILED);
	CHECK_EQ((uintptr_t)p % PAGE, 0);
	CHECK((uintptr_t)p >= 0x20000000u);
	for (int i = 0; i < 3 * PAGE; i += 512)
		CHECK_EQ(p[i], 0);
	strcpy(p, "parent");
	struct shmid_ds ds;
	stat_(id, &ds);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(ds.shm_lpid, getpid());
	CHECK(ds.shm_atime >= t0);

	/* fork shares it both ways, and counts the child's attachment until it exits. */
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK(strcmp(p, "parent") == 0);
		CHECK_EQ(nattch(id), 2);
		strcpy(p + 9000, "child");
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK(strcmp(p + 9000, "child") == 0);
	stat_(id, &ds);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK(ds.shm_dtime >= t0);
	CHECK_EQ(ds.shm_lpid, getpid());

	/* A second, read-only attachment: the same memory; a write is SIGBUS. */
	char *q = shmat_(id, NULL, SHM_RDONLY);
	CHECK(q != AT_FAILED && q != p);
	CHECK(strcmp(q, "parent") == 0);
	CHECK_EQ(nattch(id), 2);
	child = CHECK_OK(fork());
	if (child == 0) {
		q[1] = 'X';
		_exit(0);
	}
	int status = wait_child(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	CHECK_EQ(p[1], 'a');

	/* shmdt: only where an attachment starts. */
	CHECK_ERRNO(__sys_shmdt(p + PAGE), EINVAL);
	CHECK_ERRNO(__sys_shmdt(p + 1), EINVAL);
	CHECK_OK(__sys_shmdt(q));
	CHECK_ERRNO(__sys_shmdt(q), EINVAL);
	CHECK_EQ(nattch(id), 1);

	/* Fixed addresses: occupied is ENOMEM, unaligned EINVAL, SHM_RND rounds down. */
	CHECK(shmat_(id, p, 0) == AT_FAILED && errno == ENOMEM);
	char *want = (char *)0x50000000;
	CHECK(shmat_(id, want + 123, 0) == AT_FAILED && errno == EINVAL);
	char *r = shmat_(id, want + 123, SHM_RND);
	CHECK(r == want);
	CHECK(strcmp(r, "parent") == 0);
	CHECK_OK(__sys_shmdt(r));

	/* exec drops the exec'ing process's attachment. */
	child = CHECK_OK(fork());
	if (child == 0) {
		char idbuf[16];
		snprintf(idbuf, sizeof(idbuf), "%d", id);
		char *args[] = {"fb4_sysv_shm", "after-exec", idbuf, NULL};
		if (nattch(id) != 2)
			_exit(20);
		execv(self_path, args);
		_exit(21);
	}
	CHECK_CHILD_OK(wait_child(child));

	/* Unknown commands, bad buffers. */
	CHECK_ERRNO(__sys_shmctl(id, 99, &ds), EINVAL);
	CHECK_ERRNO(__sys_shmctl(id, IPC_STAT, NULL), EFAULT);
	CHECK_ERRNO(__sys_shmctl(id, IPC_SET, NULL), EFAULT);

	/* IPC_SET: owner, group and the permission bits only; ctime moves. */
	stat_(id, &ds);
	ds.shm_perm.uid = 1000;
	ds.shm_perm.gid = 1001;
	ds.shm_perm.mode = 07640;
	ds.shm_perm.cuid = 55;
	ds.shm_segsz = 1;
	CHECK_OK(__sys_shmctl(id, IPC_SET, &ds));
	stat_(id, &ds);
	CHECK_EQ(ds.shm_perm.uid, 1000);
	CHECK_EQ(ds.shm_perm.gid, 1001);
	CHECK_EQ(ds.shm_perm.mode, SHMSEG_ALLOCATED_ | 0640);
	CHECK_EQ(ds.shm_perm.cuid, 0);
	CHECK_EQ(ds.shm_segsz, 10000);

	/* IPC_RMID while attached: the id is gone, the memory stays until the last
	 * detach (a forked child still shares it). */
	CHECK_OK(__sys_shmctl(id, IPC_RMID, NULL));
	CHECK_ERRNO(__sys_shmctl(id, IPC_STAT, &ds), EINVAL);
	CHECK(shmat_(id, NULL, 0) == AT_FAILED && errno == EINVAL);
	child = CHECK_OK(fork());
	if (child == 0) {
		CHECK(strcmp(p + 9000, "child") == 0);
		strcpy(p + 100, "after rmid");
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK(strcmp(p + 100, "after rmid") == 0);
	CHECK_OK(__sys_shmdt(p));
	CHECK_ERRNO(__sys_shmdt(p), EINVAL);
}

static void keys(void)
{
	int key = 0x4e540000 | (getpid() & 0xffff);
	CHECK_ERRNO(shmget_(key, PAGE, 0600), ENOENT);
	int id = CHECK_OK(shmget_(key, PAGE, IPC_CREAT | 0640));
	CHECK_EQ(shmget_(key, 0, 0), id);
	CHECK_EQ(shmget_(key, 100, IPC_CREAT | 0600), id);
	CHECK_ERRNO(shmget_(key, PAGE, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	CHECK_ERRNO(shmget_(key, PAGE + 1, 0), EINVAL);
	struct shmid_ds ds;
	stat_(id, &ds);
	CHECK_EQ(ds.shm_perm.key, key);

	/* Removed (unattached): gone for its key and its id; a new one gets a new id. */
	CHECK_OK(__sys_shmctl(id, IPC_RMID, NULL));
	CHECK_ERRNO(shmget_(key, 0, 0), ENOENT);
	CHECK_ERRNO(__sys_shmctl(id, IPC_RMID, NULL), EINVAL);
	int again = CHECK_OK(shmget_(key, PAGE, IPC_CREAT | 0600));
	CHECK(again != id);

	/* Removed while attached: the key is free at once for a new segment. */
	char *a = shmat_(again, NULL, 0);
	CHECK(a != AT_FAILED);
	CHECK_OK(__sys_shmctl(again, IPC_RMID, NULL));
	CHECK_ERRNO(shmget_(key, 0, 0), ENOENT);
	int third = CHECK_OK(shmget_(key, PAGE, IPC_CREAT | IPC_EXCL | 0600));
	CHECK(third != again);
	CHECK_OK(__sys_shmdt(a));
	CHECK_OK(__sys_shmctl(third, IPC_RMID, NULL));
}

static void permissions(void)
{
	/* Root's segment, group-readable only. */
	int key = 0x4e550000 | (getpid() & 0xffff);
	int id = CHECK_OK(shmget_(key, PAGE, IPC_CREAT | 0640));
	int other = CHECK_OK(shmget_(IPC_PRIVATE, PAGE, 0604));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		struct shmid_ds ds;
		CHECK_ERRNO(shmget_(key, 0, 0400), EACCES);
		CHECK_EQ(shmget_(key, 0, 0), id);
		CHECK(shmat_(id, NULL, SHM_RDONLY) == AT_FAILED && errno == EACCES);
		CHECK_ERRNO(__sys_shmctl(id, IPC_STAT, &ds), EACCES);
		CHECK_ERRNO(__sys_shmctl(id, IPC_RMID, NULL), EPERM);
		CHECK_ERRNO(__sys_shmctl(id, IPC_SET, NULL), EPERM);
		/* Other's read bit: read-only attach and stat, no write. */
		char *r = shmat_(other, NULL, SHM_RDONLY);
		CHECK(r != AT_FAILED);
		CHECK(shmat_(other, NULL, 0) == AT_FAILED && errno == EACCES);
		CHECK_OK(__sys_shmctl(other, IPC_STAT, &ds));
		CHECK_OK(__sys_shmdt(r));
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));

	/* Given to user 1000, who may now use and remove it. */
	struct shmid_ds ds;
	stat_(id, &ds);
	ds.shm_perm.uid = 1000;
	ds.shm_perm.mode = 0600;
	CHECK_OK(__sys_shmctl(id, IPC_SET, &ds));
	child = CHECK_OK(fork());
	if (child == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		char *w = shmat_(id, NULL, 0);
		CHECK(w != AT_FAILED);
		w[0] = 'u';
		CHECK_OK(__sys_shmdt(w));
		CHECK_OK(__sys_shmctl(id, IPC_RMID, NULL));
		_exit(0);
	}
	CHECK_CHILD_OK(wait_child(child));
	CHECK_ERRNO(__sys_shmctl(id, IPC_STAT, &ds), EINVAL);
	CHECK_OK(__sys_shmctl(other, IPC_RMID, NULL));
}

static void limits(void)
{
	CHECK_ERRNO(shmget_(IPC_PRIVATE, 0, 0600), EINVAL);
	CHECK_ERRNO(shmget_(IPC_PRIVATE, -1, 0600), EINVAL);
	CHECK_ERRNO(shmget_(IPC_PRIVATE, SHMMAX + 1, 0600), EINVAL);

	/* SHMSEG attachments per process, then EMFILE. */
	static char *at[SHMSEG];
	int id = CHECK_OK(shmget_(IPC_PRIVATE, PAGE, 0600));
	for (int i = 0; i < SHMSEG; i++) {
		at[i] = shmat_(id, NULL, 0);
		CHECK(at[i] != AT_FAILED);
	}
	CHECK(shmat_(id, NULL, 0) == AT_FAILED && errno == EMFILE);
	CHECK_EQ(nattch(id), SHMSEG);
	for (int i = 0; i < SHMSEG; i++)
		CHECK_OK(__sys_shmdt(at[i]));
	CHECK_OK(__sys_shmctl(id, IPC_RMID, NULL));

	/* SHMMNI segments in the system, then ENOSPC. */
	static int ids[SHMMNI + 1];
	int n = 0;
	for (; n <= SHMMNI; n++) {
		ids[n] = shmget_(IPC_PRIVATE, 1, 0600);
		if (ids[n] == -1)
			break;
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK(n > 0 && n <= SHMMNI);
	for (int i = 0; i < n; i++)
		CHECK_OK(__sys_shmctl(ids[i], IPC_RMID, NULL));

	/* SHMALL pages in all, then ENOMEM. */
	int big = CHECK_OK(shmget_(IPC_PRIVATE, SHMMAX, 0600));
	CHECK_ERRNO(shmget_(IPC_PRIVATE, PAGE, 0600), ENOMEM);
	CHECK_OK(__sys_shmctl(big, IPC_RMID, NULL));
	int small = CHECK_OK(shmget_(IPC_PRIVATE, PAGE, 0600));
	CHECK_OK(__sys_shmctl(small, IPC_RMID, NULL));
}

/* shmsys(which, ...): shmat, oshmctl, shmdt, shmget, shmctl. */
static void multiplexer(void)
{
	int id = CHECK_OK(__sys_shmsys(3, IPC_PRIVATE, 6000, 0600));
	char *p = (char *)(uintptr_t)(uint32_t)__sys_shmsys(0, id, 0, 0);
	CHECK(p != AT_FAILED);
	p[0] = 's';
	unsigned char raw[48];
	memset(raw, 0xa5, sizeof(raw));
	CHECK_OK(__sys_shmsys(1, id, IPC_STAT, (int32_t)(uintptr_t)raw));
	int32_t segsz, times[3];
	uint16_t cpid, lpid, nat;
	memcpy(&segsz, raw + 16, 4);
	memcpy(&cpid, raw + 20, 2);
	memcpy(&lpid, raw + 22, 2);
	memcpy(&nat, raw + 24, 2);
	memcpy(times, raw + 28, 12);
	CHECK_EQ(segsz, 6000);
	CHECK_EQ(cpid, (uint16_t)getpid());
	CHECK_EQ(lpid, (uint16_t)getpid());
	CHECK_EQ(nat, 1);
	CHECK(times[0] > 0 && times[1] == 0 && times[2] > 0);
	for (int i = 44; i < 48; i++)
		CHECK_EQ(raw[i], 0xa5);
	struct shmid_ds ds;
	CHECK_OK(__sys_shmsys(4, id, IPC_STAT, (int32_t)(uintptr_t)&ds));
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_OK(__sys_shmsys(2, (int32_t)(uintptr_t)p, 0, 0));
	CHECK_OK(__sys_shmsys(4, id, IPC_RMID, 0));
	CHECK_ERRNO(__sys_shmsys(5, 0, 0, 0), EINVAL);
	CHECK_ERRNO(__sys_shmsys(-1, 0, 0, 0), EINVAL);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "after-exec") == 0)
		return after_exec(argv[2]);
	self_path = argv[0];
	layout_and_stat();
	keys();
	permissions();
	limits();
	multiplexer();
	PASS();
}
