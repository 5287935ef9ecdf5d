/* ls: lists directories (names, or with -l mode, links, owner and group, size and name;
 * -a shows dot files), or names files. Owners are named from the accounts database
 * (getpwuid/getgrgid), by number when it has no entry. */
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pwd.h>
#include <grp.h>

static int longform, all;

static char kind(mode_t m)
{
	return S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
}

/* The name of uid (or gid with `group`), remembered for the next entry (most share it). */
static const char *owner(unsigned id, int group)
{
	static char names[2][64];
	static unsigned ids[2];
	static int known[2];
	if (known[group] && ids[group] == id)
		return names[group];
	const char *name = NULL;
	if (group) {
		struct group *gr = getgrgid(id);
		name = gr ? gr->gr_name : NULL;
	} else {
		struct passwd *pw = getpwuid(id);
		name = pw ? pw->pw_name : NULL;
	}
	if (name)
		snprintf(names[group], sizeof(names[group]), "%s", name);
	else
		snprintf(names[group], sizeof(names[group]), "%u", id);
	ids[group] = id;
	known[group] = 1;
	return names[group];
}

static int show(const char *path, const char *name)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		dprintf(2, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!longform) {
		printf("%s\n", name);
		return 0;
	}
	char mode[11] = "----------";
	static const char rwx[] = "rwxrwxrwx";
	mode[0] = kind(st.st_mode);
	for (int i = 0; i < 9; i++)
		if (st.st_mode & (0400 >> i))
			mode[i + 1] = rwx[i];
	/* set-id and sticky bits over the execute columns, as strmode(3) shows them */
	static const struct {
		mode_t bit;
		int at;
		char with_x, without_x;
	} special[] = {{S_ISUID, 3, 's', 'S'}, {S_ISGID, 6, 's', 'S'}, {S_ISVTX, 9, 't', 'T'}};
	for (int i = 0; i < 3; i++)
		if (st.st_mode & special[i].bit)
			mode[special[i].at] =
			    mode[special[i].at] == 'x' ? special[i].with_x : special[i].without_x;
	char target[256] = "";
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, target + 4, sizeof(target) - 5);
		if (n >= 0) {
			memcpy(target, " -> ", 4);
			target[4 + n] = 0;
		}
	}
	printf("%s %3d %-8s %-8s %8ld %s%s\n", mode, (int)st.st_nlink, owner(st.st_uid, 0),
	       owner(st.st_gid, 1), (long)st.st_size, name, target);
	return 0;
}

static int list(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return show(dir, dir);
	DIR *d = opendir(dir);
	if (!d) {
		dprintf(2, "ls: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int status = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *name = (const char *)e->d_name;
		if (name[0] == '.' && !all)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		status |= show(path, name);
	}
	closedir(d);
	return status;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *f = argv[i] + 1; *f; f++) {
			if (*f == 'l')
				longform = 1;
			else if (*f == 'a')
				all = 1;
			else {
				dprintf(2, "usage: ls [-la] [FILE...]\n");
				return 1;
			}
		}
	}
	if (i >= argc)
		return list(".");
	for (int first = i; i < argc; i++) {
		if (argc - first > 1)
			printf("%s%s:\n", i > first ? "\n" : "", argv[i]);
		status |= list(argv[i]);
	}
	return status;
}
