// abi: native-v1, native-v2
/*
 * The direction flag is the program's own, also in 64-bit code: a copy-on-write fault
 * taken with DF set (std) gets a whole copy of the page (the kernel runs with DF
 * clear whatever the program had), and DF is still set when the program goes on.
 * The FreeBSD-4 twin, with system calls too, is fb4_direction_flag.
 */
#include <nymph_test.h>
#include <sys/wait.h>
#include <unistd.h>

static char page[8192] __attribute__((aligned(4096)));

int main(void)
{
	for (int i = 0; i < 4096; i++)
		page[i] = (char)(i * 7);
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		unsigned long flags;
		__asm__ volatile("std\n\t"
				 "movb $0x5a, 100(%1)\n\t"
				 "pushfq\n\t"
				 "popq %0\n\t"
				 "cld"
				 : "=r"(flags)
				 : "r"(page)
				 : "memory", "cc");
		if (!(flags & 0x400))
			_exit(2);
		for (int i = 0; i < 4096; i++)
			if (page[i] != (i == 100 ? 0x5a : (char)(i * 7)))
				_exit(1);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* The parent's page is its own. */
	CHECK_EQ(page[100], (char)(100 * 7));
	PASS();
}
