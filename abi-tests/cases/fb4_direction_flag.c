// abi: freebsd4-i386
/*
 * The direction and alignment-check flags are user state: a program that enters the
 * kernel with DF set (std) or AC set gets its call done as with them clear (the kernel
 * runs with DF clear, as its copies need, and with AC clear, so that SMAP guards it),
 * and gets both back as it had them. The same for a page fault taken with DF set: the
 * copy-on-write copy after fork is whole. (Before the kernel cleared them, the write
 * below failed with EINVAL: the kernel copied its arguments backwards.)
 */
#include <nymph_test.h>
#include <sys/wait.h>
#include <unistd.h>

static char page[8192] __attribute__((aligned(4096)));

int main(void)
{
	int fds[2];
	CHECK_OK(pipe(fds));
	static char out[256], in[256];
	for (int i = 0; i < 256; i++)
		out[i] = (char)i;
	unsigned flags_after;
	int n;
	/* write(fds[1], out, 256) through int $0x80 with DF and AC set. */
	__asm__ volatile("pushl $256\n\t"
			 "pushl %[buf]\n\t"
			 "pushl %[fd]\n\t"
			 "pushl $0\n\t"
			 "pushfl\n\t"
			 "orl $0x40000, (%%esp)\n\t" /* AC */
			 "popfl\n\t"
			 "std\n\t"
			 "movl $4, %%eax\n\t"
			 "int $0x80\n\t"
			 "pushfl\n\t"
			 "popl %[fl]\n\t"
			 "cld\n\t"
			 "pushfl\n\t"
			 "andl $~0x40000, (%%esp)\n\t"
			 "popfl\n\t"
			 "addl $16, %%esp"
			 : "=a"(n), [fl] "=r"(flags_after)
			 : [fd] "r"(fds[1]), [buf] "r"(out)
			 : "memory", "cc", "ecx", "edx");
	CHECK_EQ(n, 256);
	CHECK(flags_after & 0x400);   /* DF came back */
	CHECK(flags_after & 0x40000); /* AC came back */
	CHECK_EQ(read(fds[0], in, sizeof in), 256);
	CHECK(memcmp(in, out, 256) == 0);

	/* A copy-on-write fault with DF set: the child's copy of the page is whole. */
	for (int i = 0; i < 4096; i++)
		page[i] = (char)(i * 7);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		__asm__ volatile("std\n\t"
				 "movb $0x5a, 100(%0)\n\t"
				 "cld"
				 :
				 : "r"(page)
				 : "memory", "cc");
		for (int i = 0; i < 4096; i++)
			if (page[i] != (i == 100 ? 0x5a : (char)(i * 7)))
				_exit(1);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	PASS();
}
