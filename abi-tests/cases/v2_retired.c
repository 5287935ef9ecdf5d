// abi: native-v2
/*
 * getpgrp (slot 60) is retired in v2: a v2 process calling that number gets ENOSYS
 * (the kernel logs the retired call), while libc's getpgrp() answers through
 * getpgid(0). v1 processes keep the call (v1_getpgrp).
 */
#include <nymph_test.h>

static long raw_syscall0(long nr)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
#ifdef SYS_getpgrp
	FAIL("v2's headers still define SYS_getpgrp");
#endif
	CHECK_EQ(raw_syscall0(60), -ENOSYS);
	CHECK_EQ(getpgrp(), getpgid(0));
	CHECK_OK(setpgid(0, 0));
	CHECK_EQ(getpgrp(), getpid());
	/* The calls v2 keeps still answer. */
	CHECK_EQ(raw_syscall0(SYS_getpid), getpid());
	return NT_PASS;
}
