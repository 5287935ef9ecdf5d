// abi: native-v1, native-v2
/*
 * v1 and v2 processes side by side: each knows its own version (auxv
 * AT_NYMPH_ABI_VERSION, the note it was built with) and the kernel's (AT_NYMPH_ABI_VERSIONS
 * bit v-1 for each served v, and abi_versions()). A process of one version execs the
 * build of this case for the other version (/abi/native-vN/native_side_by_side),
 * which checks the same from its side, stats a file the parent wrote with its own
 * struct stat layout and answers through an inherited pipe.
 */
#include <nymph_test.h>
#include <fcntl.h>

extern char **environ;

/* auxv types of the native spec (`startup.auxv`); the C headers carry no auxv. */
#define AT_NYMPH_ABI_VERSION 4096
#define AT_NYMPH_ABI_VERSIONS 4097

static uint64_t auxv(uint64_t type)
{
	char **p = environ;
	while (*p)
		p++;
	for (uint64_t *a = (uint64_t *)(p + 1); a[0] != 0; a += 2)
		if (a[0] == type)
			return a[1];
	return (uint64_t)-1;
}

static void check_versions(void)
{
	CHECK_EQ(auxv(AT_NYMPH_ABI_VERSION), NYMPH_ABI_VERSION);
	CHECK_EQ(auxv(AT_NYMPH_ABI_VERSIONS), 3);
	uint32_t v[4] = { 0 };
	CHECK_EQ(__sys_abi_versions(v, 4), 2);
	CHECK(v[0] == 1 && v[1] == 2);
}

/* The exec'd side: argv = self, "child", path, expected size, pipe fd. */
static int child(char **argv)
{
	check_versions();
	struct stat st;
	CHECK_OK(stat(argv[2], &st));
	CHECK_EQ(st.st_size, atoi(argv[3]));
	CHECK_EQ(st.st_struct_size, sizeof(st));
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "v%d size %lld", NYMPH_ABI_VERSION, (long long)st.st_size);
	CHECK_EQ(write(atoi(argv[4]), msg, n), n);
	return NT_PASS;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "child") == 0)
		return child(argv);
	check_versions();
	int other = NYMPH_ABI_VERSION == 1 ? 2 : 1;
	char self[64];
	snprintf(self, sizeof(self), "/abi/native-v%d/native_side_by_side", other);
	if (access(self, X_OK) != 0)
		SKIP("the other native version's build is not in this image");

	int fd = CHECK_OK(open("shared", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	char data[777];
	memset(data, 'v', sizeof(data));
	CHECK_EQ(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	CHECK_OK(close(fd));
	int p[2];
	CHECK_OK(pipe(p));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		close(p[0]);
		char wfd[16];
		snprintf(wfd, sizeof(wfd), "%d", p[1]);
		char *args[] = { self, "child", "shared", "777", wfd, NULL };
		execve(self, args, environ);
		FAIL("execve %s: errno %s", self, nt_errname(errno));
	}
	CHECK_OK(close(p[1]));
	char got[32] = { 0 }, want[32];
	CHECK(read(p[0], got, sizeof(got) - 1) > 0);
	snprintf(want, sizeof(want), "v%d size 777", other);
	CHECK(strcmp(got, want) == 0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	return NT_PASS;
}
