// abi: freebsd4-i386
/*
 * The kernel message buffer as 4.x's dmesg reads it from a live kernel: kvm_nlist's
 * kldsym of "msgbufp" (4 bytes), the pointer read from /dev/kmem at that address,
 * then the struct msgbuf there (sys/msgbuf.h: msg_magic 0x063062, msg_size,
 * msg_bufx the write index, msg_bufr /dev/klog's read index, msg_ptr), then msg_size bytes at msg_ptr, read
 * from msg_bufx round to it, NULs skipped. The text holds what the kernel printed on
 * the console: its banner ("Nymph ...") first while the ring has not wrapped, and the
 * log line an unserved system call makes ("pid N: no FreeBSD-4 system call 400:
 * SIGSYS", with SIGSYS ignored), which moves msg_bufx on by its length and ends
 * where msg_bufx is. A read past the buffer faults.
 *
 * On a running kernel 4.x's dmesg asks sysctl instead: kern.msgbuf gives the same
 * buffer unwound (msg_size bytes from msg_bufx round, the oldest first). A write of an
 * int to kern.msgbuf_clear (root; EPERM for others, EINVAL for fewer bytes) empties it:
 * all zeros, msg_bufx 0, until the next message.
 *
 * What 4.x's sigexit logs there while kern.logsigexit is 1 (its default): "<6>pid N
 * (comm), uid U: exited on signal S" (log(LOG_INFO)'s priority in front) for a process a signal with a core action ends
 * (a SIGSEGV here, with no core: RLIMIT_CORE 0), nothing for SIGKILL, nothing while
 * kern.logsigexit is 0. kern.bootfile reads "/kernel" and takes root's name.
 */
#include <nymph_fb4.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define MSG_MAGIC 0x063062

struct msgbuf_4x {
	uint32_t msg_magic, msg_size, msg_bufx, msg_bufr, msg_ptr;
};

static int kmem;

static uint32_t bufp;
static char ring[65536], text[65536];

/* The header, and the text dmesg prints (from bufx round, NULs skipped); its length. */
static size_t dmesg(struct msgbuf_4x *cur)
{
	nt_kread(kmem, bufp, cur, sizeof(*cur));
	CHECK_EQ(cur->msg_magic, MSG_MAGIC);
	CHECK_EQ(cur->msg_size, 32768);
	CHECK(cur->msg_bufx < cur->msg_size);
	CHECK(cur->msg_bufr < cur->msg_size);
	CHECK(cur->msg_ptr >= 0xc0000000u);
	nt_kread(kmem, cur->msg_ptr, ring, cur->msg_size);
	size_t n = 0;
	for (uint32_t i = 0; i < cur->msg_size; i++) {
		char c = ring[(cur->msg_bufx + i) % cur->msg_size];
		if (c != 0)
			text[n++] = c;
	}
	text[n] = 0;
	return n;
}

/* The last line of text that contains `what`, copied to line; its length with \n. */
static size_t last_line_with(const char *what, char *line, size_t max)
{
	const char *found = NULL;
	for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
		found = p;
	CHECK(found != NULL);
	const char *start = found;
	while (start > text && start[-1] != '\n')
		start--;
	const char *end = strchr(found, '\n');
	CHECK(end != NULL);
	size_t len = (size_t)(end - start) + 1;
	CHECK(len < max);
	memcpy(line, start, len);
	line[len] = 0;
	return len;
}

/* A child that dies of `sig` (no core); its pid. */
static pid_t child_dies_of(int sig)
{
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		struct rlimit none = {0, 0};
		__sys_setrlimit(4 /* RLIMIT_CORE */, &none);
		kill(getpid(), sig);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig && !WCOREDUMP(status));
	return pid;
}

static void signal_exits(void)
{
	int on = -1;
	size_t len = sizeof on;
	CHECK_OK(sysctlbyname("kern.logsigexit", &on, &len, NULL, 0));
	CHECK_EQ(on, 1);
	struct msgbuf_4x cur;
	char want[96];
	pid_t segv = child_dies_of(SIGSEGV);
	pid_t killed = child_dies_of(SIGKILL);
	dmesg(&cur);
	/* As log(LOG_INFO) keeps it: its priority in front, which dmesg skips. */
	snprintf(want, sizeof want, "\n<6>pid %d (fb4_dmesg), uid 0: exited on signal 11\n",
		 (int)segv);
	CHECK(strstr(text, want) != NULL);
	snprintf(want, sizeof want, "pid %d (fb4_dmesg)", (int)killed);
	CHECK(strstr(text, want) == NULL);

	int off = 0;
	CHECK_OK(sysctlbyname("kern.logsigexit", NULL, NULL, &off, sizeof off));
	pid_t quiet = child_dies_of(SIGSEGV);
	dmesg(&cur);
	snprintf(want, sizeof want, "pid %d (fb4_dmesg)", (int)quiet);
	CHECK(strstr(text, want) == NULL);
	on = 1;
	CHECK_OK(sysctlbyname("kern.logsigexit", NULL, NULL, &on, sizeof on));
}

static void boot_file(void)
{
	char name[1100];
	size_t len = sizeof name;
	CHECK_OK(sysctlbyname("kern.bootfile", name, &len, NULL, 0));
	CHECK_EQ(len, 8);
	CHECK(strcmp(name, "/kernel") == 0);
	CHECK_OK(sysctlbyname("kern.bootfile", NULL, NULL, "/kernel.old", 12));
	len = sizeof name;
	CHECK_OK(sysctlbyname("kern.bootfile", name, &len, NULL, 0));
	CHECK(len == 12 && strcmp(name, "/kernel.old") == 0);
	static char too_long[1024];
	memset(too_long, 'k', sizeof too_long);
	CHECK_ERRNO(sysctlbyname("kern.bootfile", NULL, NULL, too_long, sizeof too_long), EINVAL);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		_exit(sysctlbyname("kern.bootfile", NULL, NULL, "/x", 3) == -1 && errno == EPERM ? 0 : 1);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_OK(sysctlbyname("kern.bootfile", NULL, NULL, "/kernel", 8));
}

int main(void)
{
	kmem = CHECK_OK(open("/dev/kmem", O_RDONLY));
	struct kld_sym_lookup l = {16, "msgbufp", 0, 0};
	CHECK_OK(__sys_kldsym(0, 1, &l));
	CHECK_EQ(l.symsize, 4);
	nt_kread(kmem, l.symvalue, &bufp, 4);
	CHECK(bufp >= 0xc0000000u);

	struct msgbuf_4x cur;
	dmesg(&cur);
	/* Not yet wrapped: the oldest byte is the banner's first. */
	if (ring[cur.msg_bufx] == 0)
		CHECK(strncmp(text, "Nymph ", 6) == 0);

	CHECK(signal(SIGSYS, SIG_IGN) != SIG_ERR);
	CHECK_ERRNO(syscall(400), EINVAL);
	dmesg(&cur);
	char want[80], line[256];
	snprintf(want, sizeof want, "pid %d: no FreeBSD-4 system call 400: SIGSYS", (int)getpid());
	size_t len = last_line_with(want, line, sizeof line);
	/* It is the newest line: it ends where the next byte goes. */
	CHECK(strcmp(text + strlen(text) - len, line) == 0);

	uint32_t before = cur.msg_bufx;
	CHECK_ERRNO(syscall(401), EINVAL);
	dmesg(&cur);
	snprintf(want, sizeof want, "pid %d: no FreeBSD-4 system call 401: SIGSYS", (int)getpid());
	len = last_line_with(want, line, sizeof line);
	CHECK(strcmp(text + strlen(text) - len, line) == 0);
	CHECK_EQ((cur.msg_bufx + cur.msg_size - before) % cur.msg_size, len);

	/* kern.msgbuf: the same bytes, unwound. */
	static char unwound[32768];
	size_t got = 0;
	CHECK_OK(sysctlbyname("kern.msgbuf", NULL, &got, NULL, 0));
	CHECK_EQ(got, sizeof unwound);
	CHECK_OK(sysctlbyname("kern.msgbuf", unwound, &got, NULL, 0));
	CHECK_EQ(got, sizeof unwound);
	nt_kread(kmem, bufp, &cur, sizeof(cur));
	nt_kread(kmem, cur.msg_ptr, ring, cur.msg_size);
	for (uint32_t i = 0; i < cur.msg_size; i++)
		if (unwound[i] != ring[(cur.msg_bufx + i) % cur.msg_size])
			FAIL("kern.msgbuf byte %u differs from the ring's", (unsigned)i);

	/* kern.msgbuf_clear: root only, an int. */
	int one = 1, zero = -1;
	got = sizeof zero;
	CHECK_OK(sysctlbyname("kern.msgbuf_clear", &zero, &got, NULL, 0));
	CHECK_EQ(zero, 0);
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		_exit(sysctlbyname("kern.msgbuf_clear", NULL, NULL, &one, sizeof one) == -1 &&
			       errno == EPERM
			   ? 0
			   : 1);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_ERRNO(sysctlbyname("kern.msgbuf_clear", NULL, NULL, &one, 2), EINVAL);
	CHECK_OK(sysctlbyname("kern.msgbuf_clear", NULL, NULL, &one, sizeof one));
	CHECK_EQ(dmesg(&cur), 0);
	CHECK_EQ(cur.msg_bufx, 0);
	CHECK_ERRNO(syscall(402), EINVAL);
	CHECK(dmesg(&cur) > 0);
	snprintf(want, sizeof want, "pid %d: no FreeBSD-4 system call 402: SIGSYS", (int)getpid());
	len = last_line_with(want, line, sizeof line);
	/* Nothing before it: the buffer starts with that line. */
	CHECK_EQ(cur.msg_bufx, len);
	CHECK(strcmp(text, line) == 0);

	signal_exits();
	boot_file();

	/* The buffer ends where msg_size says. */
	char b[8];
	CHECK_EQ(lseek(kmem, (off_t)cur.msg_ptr + cur.msg_size - 4, SEEK_SET),
		 (off_t)cur.msg_ptr + cur.msg_size - 4);
	CHECK_ERRNO(read(kmem, b, 8), EFAULT);
	close(kmem);
	return 0;
}
