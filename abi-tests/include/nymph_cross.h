/*
 * Cross-ABI cases (cases/cross_*.c): a case built for every ABI runs under one ABI
 * (its column) and execs the same case as built for each other ABI in the image
 * (/abi/<other>/<case>), with a role in argv[1]. The column's build is the parent, the
 * other ABI's the child, so running every column covers each crossing both ways.
 */
#ifndef NYMPH_CROSS_H
#define NYMPH_CROSS_H

#include <nymph_test.h>
#include <dirent.h>
#include <sys/stat.h>

#define NC_MAX_ABIS 8

struct nc_self {
	char abi[64];   /* "native-v1" */
	char case_[64]; /* "cross_exec_wait" */
};

/* "/abi/native-v1/cross_exec_wait" -> abi and case name. */
static inline void nc_whoami(const char *argv0, struct nc_self *self)
{
	const char *p = strstr(argv0, "/abi/");
	if (!p)
		FAIL("run me as /abi/<abi>/<case>, not %s", argv0);
	p += 5;
	const char *slash = strchr(p, '/');
	if (!slash || (size_t)(slash - p) >= sizeof(self->abi))
		FAIL("bad case path %s", argv0);
	memcpy(self->abi, p, slash - p);
	self->abi[slash - p] = 0;
	snprintf(self->case_, sizeof(self->case_), "%s", slash + 1);
}

/* The other ABIs whose build of this case is in the image. */
static inline int nc_others(const struct nc_self *self, char others[][64])
{
	DIR *d = opendir("/abi");
	if (!d)
		FAIL("opendir /abi: %s", strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < NC_MAX_ABIS) {
		const char *name = (const char *)e->d_name;
		if (name[0] == '.' || strcmp(name, self->abi) == 0)
			continue;
		char path[192];
		struct stat st;
		snprintf(path, sizeof(path), "/abi/%s/%s", name, self->case_);
		if (stat(path, &st) == 0)
			snprintf(others[n++], 64, "%s", name);
	}
	closedir(d);
	if (n == 0)
		SKIP("no other ABI's build of this case is in the image");
	return n;
}

static inline int nc_is_freebsd(const char *abi)
{
	return strncmp(abi, "freebsd", 7) == 0;
}

/* Forks and execs the other ABI's build with argv {path, role, arg, NULL}; the
 * child's stdin and stdout become in_fd and out_fd where those are not -1, and it
 * keeps no descriptor above keep_max (so pipe ends it must not hold are closed). */
static inline pid_t nc_spawn_fds(const struct nc_self *self, const char *other,
				 const char *role, const char *arg, int in_fd, int out_fd,
				 int keep_max)
{
	static char path[192];
	snprintf(path, sizeof(path), "/abi/%s/%s", other, self->case_);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (in_fd >= 0 && dup2(in_fd, 0) != 0)
			_exit(90);
		if (out_fd >= 0 && dup2(out_fd, 1) != 1)
			_exit(91);
		for (int fd = keep_max + 1; fd < 64; fd++)
			close(fd);
		char *args[] = {path, (char *)role, (char *)arg, NULL};
		execve(path, args, environ);
		dprintf(1, "FAIL execve %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	return pid;
}

static inline pid_t nc_spawn(const struct nc_self *self, const char *other, const char *role,
			     const char *arg)
{
	return nc_spawn_fds(self, other, role, arg, -1, -1, 3);
}

/* Waits for pid and checks that it exited with status code. */
#define NC_EXPECT_EXIT(pid, code, what)                                                \
	do {                                                                           \
		int nc_st_;                                                            \
		CHECK_EQ(waitpid((pid), &nc_st_, 0), (pid));                           \
		if (!WIFEXITED(nc_st_) || WEXITSTATUS(nc_st_) != (code))               \
			FAIL("%s: child status %#x, wanted exit %d", (what), nc_st_,   \
			     (code));                                                  \
	} while (0)

#endif
