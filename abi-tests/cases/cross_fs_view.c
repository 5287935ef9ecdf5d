/*
 * Cross-ABI file-system views: a FreeBSD-4 process looks up absolute paths under
 * /compat/freebsd4 first, a native one does not; both share everything else. The
 * parent makes one name with two contents (native /tmp/x and /compat/freebsd4/tmp/x)
 * and one name only natively, and each ABI's child reports what it sees. "/" itself
 * is the real root for all, and ".." at the root stays there ("/..", "/tmp/../..",
 * "/../tmp/x" is "/tmp/x").
 */
#include <nymph_cross.h>
#include <fcntl.h>

static void put(const char *path, const char *text)
{
	int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
}

/* The contents of path as this process sees it, or "-" when it sees nothing. */
static void see(const char *path, char *out, int size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(out, size, "-");
		return;
	}
	int n = read(fd, out, size - 1);
	out[n < 0 ? 0 : n] = 0;
	close(fd);
}

static void mkdir_ok(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		FAIL("mkdir %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	struct nc_self self;
	nc_whoami(argv[0], &self);
	if (argc > 2 && strcmp(argv[1], "view") == 0) {
		char text[64];
		see(argv[2], text, sizeof(text));
		dprintf(1, "%s", text);
		_exit(0);
	}

	char others[NC_MAX_ABIS][64];
	int n = nc_others(&self, others);
	mkdir_ok("/tmp");
	mkdir_ok("/compat");
	mkdir_ok("/compat/freebsd4");
	/* Removed at the end when made here: while it exists, a FreeBSD-4 process makes
	 * its new /tmp names in it, which later cases sharing /tmp across ABIs would miss. */
	int made_tmp = mkdir("/compat/freebsd4/tmp", 0755) == 0;
	if (!made_tmp && errno != EEXIST)
		FAIL("mkdir /compat/freebsd4/tmp: %s", strerror(errno));
	/* "/" is the real root for every ABI: as in BSD's emulation lookup, the prefix's
	 * own directory is never what a path names. "/compat/.." exists in no compat tree. */
	struct stat root, up;
	CHECK_OK(stat("/", &root));
	CHECK_OK(stat("/compat/..", &up));
	CHECK(root.st_dev == up.st_dev && root.st_ino == up.st_ino);
	/* ".." never climbs above the root, for a FreeBSD-4 process either (whose lookup
	 * under the prefix would reach /compat): "/.." and "/tmp/../.." are "/". */
	const char *climbs[] = {"/..", "/./..", "/../..", "/tmp/../..", "/tmp/../../.."};
	for (unsigned i = 0; i < sizeof(climbs) / sizeof(climbs[0]); i++) {
		CHECK_OK(stat(climbs[i], &up));
		if (root.st_dev != up.st_dev || root.st_ino != up.st_ino)
			FAIL("%s is not the root", climbs[i]);
	}
	char both[64], native_only[64], shadow[96];
	snprintf(both, sizeof(both), "/tmp/cross_view_%d", getpid());
	snprintf(native_only, sizeof(native_only), "/tmp/cross_only_%d", getpid());
	snprintf(shadow, sizeof(shadow), "/compat/freebsd4%s", both);
	/* Made by full paths that exist in no compat tree, so they land where they say: a
	 * FreeBSD-4 process makes a new /tmp/x in the compat tree's tmp when there is one,
	 * so the native names are spelled through "/compat/..", which no compat tree has. */
	char native_both[96], native_only_path[96];
	snprintf(native_both, sizeof(native_both), "/compat/..%s", both);
	snprintf(native_only_path, sizeof(native_only_path), "/compat/..%s", native_only);
	put(native_both, "native view");
	put(shadow, "freebsd4 view");
	put(native_only_path, "shared");

	char mine[64];
	see(both, mine, sizeof(mine));
	CHECK(strcmp(mine, nc_is_freebsd(self.abi) ? "freebsd4 view" : "native view") == 0);
	see(native_only, mine, sizeof(mine));
	CHECK(strcmp(mine, "shared") == 0);
	/* "/../tmp/x" is "/tmp/x", the compat tree's for a FreeBSD-4 process. */
	char above[96];
	snprintf(above, sizeof(above), "/..%s", both);
	see(above, mine, sizeof(mine));
	CHECK(strcmp(mine, nc_is_freebsd(self.abi) ? "freebsd4 view" : "native view") == 0);

	for (int i = 0; i < n; i++) {
		const char *other = others[i];
		const char *paths[2] = {both, native_only};
		const char *wanted[2] = {nc_is_freebsd(other) ? "freebsd4 view" : "native view",
					 "shared"};
		for (int k = 0; k < 2; k++) {
			int p[2];
			CHECK_OK(pipe(p));
			pid_t pid = nc_spawn_fds(&self, other, "view", paths[k], -1, p[1], 2);
			close(p[1]);
			char got[64] = {0};
			int have = 0;
			ssize_t r;
			while ((r = read(p[0], got + have, sizeof(got) - 1 - have)) > 0)
				have += r;
			close(p[0]);
			NC_EXPECT_EXIT(pid, 0, "view");
			if (strcmp(got, wanted[k]) != 0)
				FAIL("%s child sees \"%s\" at %s, wanted \"%s\"", other, got, paths[k],
				     wanted[k]);
		}
	}
	CHECK_OK(unlink(shadow));
	CHECK_OK(unlink(native_both));
	CHECK_OK(unlink(native_only_path));
	if (made_tmp)
		CHECK_OK(rmdir("/compat/freebsd4/tmp"));
	PASS();
}
