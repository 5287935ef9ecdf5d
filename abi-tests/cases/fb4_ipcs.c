// abi: freebsd4-i386
/*
 * What 4.x's ipcs reads of a running kernel through libkvm: kldsym finds msginfo,
 * msqids, shminfo, shmsegs, seminfo and sema (ipcs's nlist less the underscores),
 * and /dev/kmem reads the limits (struct msginfo, shminfo, seminfo, at 4.x's
 * defaults) and, through each pointer, the whole table of records, one per id slot
 * (msgmni 84-byte struct msqid_ds, shmmni 48-byte struct shmid_ds, semmni 56-byte
 * struct semid_ds). The record of an object sits at its id's slot (id & 0xffff) with
 * its sequence number (id >> 16), key, mode and counts as IPC_STAT gives them; a
 * free queue has msg_qbytes 0, a free segment mode SHMSEG_FREE (0x200), a free set
 * no SEM_ALLOC (0x200) - which is what ipcs skips on. A removed segment still
 * attached keeps SHMSEG_ALLOCATED with SHMSEG_REMOVED and key IPC_PRIVATE, and its
 * slot is free once detached.
 */
#include <nymph_fb4.h>
#include <fcntl.h>

#define SHMSEG_FREE 0x200
#define SHMSEG_REMOVED 0x400
#define SHMSEG_ALLOCATED 0x800
#define SEM_ALLOC 0x200

static int kmem;

static uint32_t symbol(const char *name, uint32_t size)
{
	struct kld_sym_lookup l = {16, name, 0, 0};
	CHECK_OK(__sys_kldsym(0, 1, &l));
	CHECK_EQ(l.symsize, size);
	return l.symvalue;
}

/* The table a pointer variable leads to, `n` records of `size` bytes. */
static void *table(const char *pointer, size_t n, size_t size)
{
	uint32_t at;
	nt_kread(kmem, symbol(pointer, 4), &at, 4);
	CHECK(at >= 0xc0000000u);
	void *t = malloc(n * size);
	CHECK(t != NULL);
	nt_kread(kmem, at, t, n * size);
	return t;
}

int main(void)
{
	CHECK_EQ(sizeof(struct msqid_ds), 84);
	CHECK_EQ(sizeof(struct shmid_ds), 48);
	CHECK_EQ(sizeof(struct semid_ds), 56);
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));

	/* The limits, 4.x's defaults. */
	int32_t mi[6], si[5], se[10];
	nt_kread(kmem, symbol("msginfo", 24), mi, 24);
	CHECK(mi[0] == 16384 && mi[1] == 40 && mi[2] == 2048 && mi[3] == 40 && mi[4] == 8 &&
	      mi[5] == 2048);
	nt_kread(kmem, symbol("shminfo", 20), si, 20);
	CHECK(si[0] == 8192 * 4096 && si[1] == 1 && si[2] == 192 && si[3] == 128 && si[4] == 8192);
	nt_kread(kmem, symbol("seminfo", 40), se, 40);
	CHECK(se[1] == 10 && se[2] == 60 && se[3] == 30 && se[4] == 60 && se[5] == 5 && se[6] == 10);
	CHECK(se[8] == 32767 && se[9] == 16384);

	/* One of each. */
	int q = CHECK_OK(__sys_msgget(0x4242, IPC_CREAT | 0640));
	struct {
		long type;
		char text[6];
	} m = {1, "hello"};
	CHECK_OK(__sys_msgsnd(q, &m, 6, 0));
	CHECK_OK(__sys_msgsnd(q, &m, 4, 0));
	int shm = CHECK_OK(__sys_shmget(0x4343, 8192, IPC_CREAT | 0600));
	void *at = (void *)(uintptr_t)(uint32_t)__sys_shmat(shm, NULL, 0);
	CHECK(at != (void *)(uintptr_t)0xffffffffu);
	int sem = CHECK_OK(__sys_semget(0x4444, 3, IPC_CREAT | 0604));

	struct msqid_ds *msqids = table("msqids", 40, sizeof *msqids);
	struct msqid_ds *mq = &msqids[q & 0xffff];
	CHECK_EQ(mq->msg_perm.seq, q >> 16);
	CHECK_EQ(mq->msg_perm.key, 0x4242);
	CHECK_EQ(mq->msg_perm.mode & 0777, 0640);
	CHECK(mq->msg_qbytes == 2048 && mq->msg_cbytes == 10 && mq->msg_qnum == 2);
	CHECK_EQ(mq->msg_lspid, getpid());
	struct msqid_ds ds;
	CHECK_OK(__sys_msgctl(q, IPC_STAT, &ds));
	CHECK(memcmp(&ds, mq, sizeof ds) == 0);

	struct shmid_ds *shmsegs = table("shmsegs", 192, sizeof *shmsegs);
	struct shmid_ds *sg = &shmsegs[shm & 0xffff];
	CHECK(sg->shm_perm.mode & SHMSEG_ALLOCATED);
	CHECK_EQ(sg->shm_perm.seq, shm >> 16);
	CHECK(sg->shm_perm.key == 0x4343 && sg->shm_segsz == 8192 && sg->shm_nattch == 1);
	CHECK_EQ(sg->shm_cpid, getpid());
	int free_slots = 0;
	for (int i = 0; i < 192; i++)
		free_slots += shmsegs[i].shm_perm.mode == SHMSEG_FREE;
	CHECK(free_slots > 0);

	struct semid_ds *sema = table("sema", 10, sizeof *sema);
	struct semid_ds *st = &sema[sem & 0xffff];
	CHECK(st->sem_perm.mode & SEM_ALLOC);
	CHECK(st->sem_perm.key == 0x4444 && st->sem_nsems == 3);
	CHECK_EQ(st->sem_perm.mode & 0777, 0604);

	/* Removed: the queue's and set's slots are free; the attached segment stays,
	 * removed and private, until it is detached. */
	CHECK_OK(__sys_msgctl(q, IPC_RMID, NULL));
	CHECK_OK(__sys___semctl(sem, 0, IPC_RMID, NULL));
	CHECK_OK(__sys_shmctl(shm, IPC_RMID, NULL));
	free(msqids);
	free(shmsegs);
	free(sema);
	msqids = table("msqids", 40, sizeof *msqids);
	CHECK_EQ(msqids[q & 0xffff].msg_qbytes, 0);
	sema = table("sema", 10, sizeof *sema);
	CHECK(!(sema[sem & 0xffff].sem_perm.mode & SEM_ALLOC));
	shmsegs = table("shmsegs", 192, sizeof *shmsegs);
	sg = &shmsegs[shm & 0xffff];
	CHECK_EQ(sg->shm_perm.mode & (SHMSEG_ALLOCATED | SHMSEG_REMOVED),
		 SHMSEG_ALLOCATED | SHMSEG_REMOVED);
	CHECK_EQ(sg->shm_perm.key, 0);
	CHECK_OK(__sys_shmdt(at));
	free(shmsegs);
	shmsegs = table("shmsegs", 192, sizeof *shmsegs);
	CHECK_EQ(shmsegs[shm & 0xffff].shm_perm.mode, SHMSEG_FREE);

	/* ipcs's _semu is looked up and never read: not there. */
	struct kld_sym_lookup l = {16, "semu", 0, 0};
	CHECK_ERRNO(__sys_kldsym(0, 1, &l), ENOENT);
	close(kmem);
	return 0;
}
