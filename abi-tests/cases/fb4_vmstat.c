// abi: freebsd4-i386
/*
 * What 4.x's vmstat, iostat, pstat -s and swapinfo read of the running kernel.
 *  - Every name of vmstat's namelist resolves through kldsym (vmstat quits on any
 *    undefined one, _zlist too), and iostat's (_tk_nin, _tk_nout, _hz, _stathz) and
 *    pstat's mandatory four (_mountlist, _numvnodes, _nfiles, _maxfiles) and
 *    kvm_getswapinfo's (_swapblist, _swdevt, _nswdev, _dmmax).
 *  - cnt (204 bytes) counts: system calls grow with calls made, forks with a fork,
 *    vfork with a vfork, traps and VM faults with a page touched, interrupts with time.
 *  - vm.vmmeter ({2,1}) is a 48-byte struct vmtotal: the caller runnable, its pages
 *    mapped and touched, the free pages as cnt's.
 *  - kern.devstat.{version,numdevs,generation,all} by name: version 4, one device,
 *    md0 (DIRECT|IF_OTHER, priority OTHER, 512-byte blocks), whose byte and transfer
 *    counts grow with a file written and read; a short buffer is ENOMEM.
 *  - intrcnt/intrnames: 49 slots (eintrcnt - intrcnt 196, eintrnames - intrnames 784),
 *    names packed NUL-separated: "???", "stray irq0".."stray irq15", "clk irq0",
 *    "sio0 irq4"; the clock's count grows across a sleep.
 *  - kmemstatistics: one struct malloc_type (44 bytes, M_MAGIC), whose ks_shortdesc
 *    can be read 1024 bytes long as vmstat -m reads it; bucket is 20 zeroed
 *    struct kmembuckets; zlist NULL, and vm.zone is its header alone.
 *  - nchstats: lookups count as misses (no name cache), and grow with a stat.
 *  - Swap: swapblist NULL, nswdev 4 unused swdevt entries, dmmax 16: no swap.
 *  - nfiles grows with a file opened, and stays within maxfiles; mountlist resolves
 *    but reads as EFAULT.
 *  - systat's: numvnodes grows with a file made and comes back when it goes,
 *    desiredvnodes above it, fscale 2048, freevnodes and numdirtybuffers 0 (its
 *    netstat display's tcb and udb are fb4_fstat's).
 *  - boottime is kern.boottime; hz and stathz are kern.clockrate's.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int kmem;
/* bss never touched before the case touches one of its pages. */
static volatile char untouched[3 * 4096];

/* kvm_nlist's lookup of one namelist name. */
static uint32_t nlist_one(const char *name, uint32_t want_size)
{
	CHECK(name[0] == '_');
	return nt_kldsym(name + 1, want_size);
}

static uint32_t kword(uint32_t addr)
{
	uint32_t w;
	nt_kread(kmem, addr, &w, 4);
	return w;
}

/* struct devstat's fields this case reads (sys/devicestat.h, version 4). */
struct devstat_view {
	uint64_t bytes_read, bytes_written, num_reads, num_writes;
};

static struct devstat_view md0(void)
{
	unsigned char all[4 + 160];
	nt_sysctl_by_name("kern.devstat.all", all, sizeof(all));
	int32_t generation;
	memcpy(&generation, all, 4);
	CHECK_EQ(generation, 1);
	unsigned char *ds = all + 4;
	CHECK(memcmp(ds + 8, "md\0", 3) == 0);
	int32_t unit, block, flags, type, priority;
	memcpy(&unit, ds + 24, 4);
	memcpy(&block, ds + 88, 4);
	memcpy(&flags, ds + 148, 4);
	memcpy(&type, ds + 152, 4);
	memcpy(&priority, ds + 156, 4);
	CHECK_EQ(unit, 0);
	CHECK_EQ(block, 512);
	CHECK_EQ(flags, 2);
	CHECK_EQ(type, 0x30);
	CHECK_EQ(priority, 0x20);
	struct devstat_view v;
	memcpy(&v.bytes_read, ds + 28, 8);
	memcpy(&v.bytes_written, ds + 36, 8);
	memcpy(&v.num_reads, ds + 52, 8);
	memcpy(&v.num_writes, ds + 60, 8);
	return v;
}

int main(void)
{
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));

	/* vmstat's namelist, in its order. */
	uint32_t cp_time = nlist_one("_cp_time", 20);
	uint32_t cnt = nlist_one("_cnt", 204);
	uint32_t boottime = nlist_one("_boottime", 8);
	uint32_t hz = nlist_one("_hz", 4);
	uint32_t stathz = nlist_one("_stathz", 4);
	uint32_t nchstats = nlist_one("_nchstats", 32);
	uint32_t intrnames = nlist_one("_intrnames", 784);
	uint32_t eintrnames = nlist_one("_eintrnames", 0);
	uint32_t intrcnt = nlist_one("_intrcnt", 196);
	uint32_t eintrcnt = nlist_one("_eintrcnt", 0);
	uint32_t kmemstatistics = nlist_one("_kmemstatistics", 4);
	uint32_t bucket = nlist_one("_bucket", 720);
	uint32_t zlist = nlist_one("_zlist", 4);
	/* iostat's, pstat's and kvm_getswapinfo's. */
	uint32_t tk_nin = nlist_one("_tk_nin", 4);
	uint32_t tk_nout = nlist_one("_tk_nout", 4);
	uint32_t mountlist = nlist_one("_mountlist", 8);
	uint32_t numvnodes = nlist_one("_numvnodes", 4);
	uint32_t nfiles = nlist_one("_nfiles", 4);
	uint32_t maxfiles = nlist_one("_maxfiles", 4);
	uint32_t swapblist = nlist_one("_swapblist", 4);
	uint32_t swdevt = nlist_one("_swdevt", 4);
	uint32_t nswdev = nlist_one("_nswdev", 4);
	uint32_t dmmax = nlist_one("_dmmax", 4);
	CHECK_EQ(eintrcnt - intrcnt, 196);
	CHECK_EQ(eintrnames - intrnames, 784);
	uint32_t cp[5];
	nt_kread(kmem, cp_time, cp, sizeof(cp));

	/* boottime, hz, stathz. */
	int32_t boot[2], sys_boot[2];
	nt_kread(kmem, boottime, boot, 8);
	nt_sysctl_by_name("kern.boottime", sys_boot, 8);
	CHECK_EQ(boot[0], sys_boot[0]);
	CHECK_EQ(boot[1], sys_boot[1]);
	CHECK(boot[0] <= time(NULL));
	int clockrate[5];
	nt_sysctl_by_name("kern.clockrate", clockrate, sizeof(clockrate));
	CHECK_EQ((int)kword(hz), clockrate[0]);
	CHECK_EQ((int)kword(stathz), clockrate[3]);

	/* cnt's counters. */
	uint32_t v0[51], v1[51];
	nt_kread(kmem, cnt, v0, sizeof(v0));
	for (int i = 0; i < 50; i++)
		(void)getpid();
	pid_t child = CHECK_OK(fork());
	if (child == 0)
		_exit(0);
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	child = CHECK_OK(vfork());
	if (child == 0)
		_exit(0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	untouched[4096] = 1;
	nt_kread(kmem, cnt, v1, sizeof(v1));
	CHECK(v1[2] - v0[2] >= 50);  /* v_syscall */
	CHECK(v1[41] - v0[41] >= 1); /* v_forks */
	CHECK(v1[42] - v0[42] >= 1); /* v_vforks */
	CHECK(v1[1] > v0[1]);        /* v_trap */
	CHECK(v1[5] > v0[5]);        /* v_vm_faults */
	CHECK(v1[5] >= v1[6] && v1[5] >= v1[8]);
	CHECK_EQ(v1[25], 4096);
	CHECK_EQ(v1[49], 0);
	CHECK_EQ(v1[50], 0);

	/* vm.vmmeter: struct vmtotal. */
	int vmmeter_mib[2] = {2, 1};
	int16_t total[24];
	size_t len = sizeof(total);
	CHECK_OK(sysctl(vmmeter_mib, 2, total, &len, NULL, 0));
	CHECK_EQ(len, 48);
	int32_t t32[9];
	memcpy(t32, (char *)total + 12, sizeof(t32));
	CHECK(total[0] >= 1); /* t_rq: this process */
	CHECK(t32[0] >= t32[2] && t32[2] > 0); /* t_vm >= t_rm */
	CHECK_EQ(t32[0], t32[1]);
	uint32_t free_now = kword(cnt + 120);
	CHECK(t32[8] > 0 && (uint32_t)t32[8] + 64 >= free_now && t32[8] <= (int32_t)free_now + 64);

	/* devstat. */
	int version, numdevs;
	long generation;
	nt_sysctl_by_name("kern.devstat.version", &version, 4);
	nt_sysctl_by_name("kern.devstat.numdevs", &numdevs, 4);
	nt_sysctl_by_name("kern.devstat.generation", &generation, 4);
	CHECK_EQ(version, 4);
	CHECK_EQ(numdevs, 1);
	CHECK_EQ(generation, 1);
	struct devstat_view d0 = md0();
	int fd = CHECK_OK(open("/tmp/fb4_vmstat.data", O_RDWR | O_CREAT | O_TRUNC, 0644));
	char block[1000];
	memset(block, 'x', sizeof(block));
	CHECK_EQ(write(fd, block, sizeof(block)), 1000);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, block, sizeof(block)), 1000);
	/* nfiles counts this one open file. */
	uint32_t open_files = kword(nfiles);
	CHECK(open_files >= 1 && open_files <= kword(maxfiles));
	close(fd);
	CHECK_EQ(kword(nfiles), open_files - 1);
	unlink("/tmp/fb4_vmstat.data");
	struct devstat_view d1 = md0();
	CHECK(d1.bytes_written - d0.bytes_written >= 1000);
	CHECK(d1.num_writes - d0.num_writes >= 1);
	CHECK(d1.bytes_read - d0.bytes_read >= 1000);
	CHECK(d1.num_reads - d0.num_reads >= 1);
	unsigned char small[100];
	len = sizeof(small);
	CHECK_ERRNO(sysctlbyname("kern.devstat.all", small, &len, NULL, 0), ENOMEM);
	len = 0;
	CHECK_OK(sysctlbyname("kern.devstat.all", NULL, &len, NULL, 0));
	CHECK_EQ(len, 164);

	/* Interrupts. */
	char names[784];
	nt_kread(kmem, intrnames, names, sizeof(names));
	const char *want[19] = {"???"};
	char strays[16][16];
	for (int i = 0; i < 16; i++) {
		snprintf(strays[i], sizeof(strays[i]), "stray irq%d", i);
		want[1 + i] = strays[i];
	}
	want[17] = "clk irq0";
	want[18] = "sio0 irq4";
	const char *name = names;
	for (int i = 0; i < 19; i++) {
		CHECK(strcmp(name, want[i]) == 0);
		name += strlen(name) + 1;
	}
	for (int i = 19; i < 49; i++) {
		CHECK_EQ(*name, 0);
		name++;
	}
	uint32_t counts0[49], counts1[49];
	nt_kread(kmem, intrcnt, counts0, sizeof(counts0));
	usleep(100000);
	nt_kread(kmem, intrcnt, counts1, sizeof(counts1));
	CHECK(counts1[17] > counts0[17]);
	for (int i = 19; i < 49; i++)
		CHECK_EQ(counts1[i], 0);

	/* vmstat -m's malloc type and buckets; -z's zones. */
	uint32_t type_addr = kword(kmemstatistics);
	uint32_t type[11];
	nt_kread(kmem, type_addr, type, 44);
	CHECK_EQ(type[0], 0);          /* ks_next */
	CHECK(type[1] > 0);            /* ks_memuse */
	CHECK(type[4] > 0);            /* ks_inuse */
	uint64_t calls;
	memcpy(&calls, &type[5], 8);
	CHECK(calls >= type[4]);
	CHECK(type[7] >= type[1]);     /* ks_maxused */
	CHECK_EQ(type[8], 877983977u); /* M_MAGIC */
	char desc[1024];
	nt_kread(kmem, type[9], desc, sizeof(desc));
	CHECK(strcmp(desc, "kernel") == 0);
	unsigned char buckets[720], zeros[720] = {0};
	nt_kread(kmem, bucket, buckets, sizeof(buckets));
	CHECK(memcmp(buckets, zeros, sizeof(zeros)) == 0);
	CHECK_EQ(kword(zlist), 0);
	char zone[256];
	len = sizeof(zone);
	CHECK_OK(sysctlbyname("vm.zone", zone, &len, NULL, 0));
	const char *header = "\nITEM            SIZE     LIMIT    USED    FREE  REQUESTS\n";
	CHECK_EQ(len, strlen(header));
	CHECK(memcmp(zone, header, len) == 0);

	/* The name cache's counters: misses. */
	uint32_t nc0[8], nc1[8];
	nt_kread(kmem, nchstats, nc0, sizeof(nc0));
	struct stat st;
	CHECK_OK(stat("/compat/freebsd4/etc/group", &st));
	nt_kread(kmem, nchstats, nc1, sizeof(nc1));
	CHECK(nc1[4] - nc0[4] >= 4);
	CHECK_EQ(nc1[0], 0);

	/* No swap. */
	CHECK_EQ(kword(swapblist), 0);
	CHECK_EQ(kword(nswdev), 4);
	CHECK_EQ(kword(dmmax), 16);
	uint32_t table = kword(swdevt);
	unsigned char sw[4 * 20];
	nt_kread(kmem, table, sw, sizeof(sw));
	CHECK(memcmp(sw, zeros, sizeof(sw)) == 0);

	/* Readable and not. */
	(void)kword(tk_nin);
	(void)kword(tk_nout);
	char buf[8];
	CHECK_EQ(lseek(kmem, (off_t)mountlist, SEEK_SET), (off_t)mountlist);
	CHECK_ERRNO(read(kmem, buf, 8), EFAULT);
	/* systat's: vnodes (a file made is one more), its scale, no free vnodes, no
	 * dirty buffers. */
	uint32_t vnodes = kword(numvnodes);
	int made = CHECK_OK(open("/tmp/fb4_vmstat.node", O_WRONLY | O_CREAT, 0644));
	CHECK_EQ(kword(numvnodes), vnodes + 1);
	close(made);
	unlink("/tmp/fb4_vmstat.node");
	CHECK_EQ(kword(numvnodes), vnodes);
	CHECK(kword(nlist_one("_desiredvnodes", 4)) > vnodes);
	CHECK_EQ(kword(nlist_one("_fscale", 4)), 2048);
	CHECK_EQ(kword(nlist_one("_freevnodes", 4)), 0);
	CHECK_EQ(kword(nlist_one("_numdirtybuffers", 4)), 0);

	CHECK_EQ(lseek(kmem, (off_t)eintrcnt, SEEK_SET), (off_t)eintrcnt);
	CHECK_ERRNO(read(kmem, buf, 4), EFAULT);
	close(kmem);
	return 0;
}
