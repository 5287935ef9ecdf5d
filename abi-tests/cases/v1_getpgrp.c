// abi: native-v1
/*
 * v1 keeps getpgrp (slot 60), which v2 retired (v2_retired): it answers the caller's
 * process group, in step with setpgid and getpgid(0).
 */
#include <nymph_test.h>

int main(void)
{
	CHECK_EQ(SYS_getpgrp, 60);
	CHECK_EQ(__sys_getpgrp(), getpgid(0));
	pid_t child = CHECK_OK(fork());
	if (child == 0) {
		CHECK_OK(setpgid(0, 0));
		CHECK_EQ(__sys_getpgrp(), getpid());
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK_CHILD_OK(status);
	return NT_PASS;
}
