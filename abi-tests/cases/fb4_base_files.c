// abi: freebsd4-i386
/*
 * The files of a 4.x install that base programs read besides the accounts
 * (images/builder/src/etc.rs), seen as a 4.x process sees them: absolute paths
 * resolve under /compat/freebsd4 first. getusershell, getttyent, login_getclass and
 * tgetent are not in libc-shim, so this parses the files as those functions do:
 * /etc/shells one path a line, /etc/ttys a line per terminal, login.conf and termcap
 * getcap records (name fields up to ':', capabilities between ':'s, lines continued
 * by a backslash). utmp and wtmp are empty files of 36-byte struct utmp records.
 *
 * /var/run/dev.db is written at boot, as 4.x's rc ran dev_mkdb: a Berkeley DB hash
 * file (magic 0x061561, big-endian, at its start; whole pages of st_blksize) holding,
 * for every character device at the top of /dev, its name with a NUL under the key
 * { mode_t S_IFCHR, two zero bytes, dev_t st_rdev }, and nothing under S_IFBLK.
 * devname finds each name (the file first, as 4.x's libc), and makes up "#C<major>:
 * 0x<minor>" for a number no device has.
 */
#include <nymph_test.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static char text[8192];

/* The whole of path into text; its length. */
static int slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		FAIL("open %s: %s", path, nt_errname(errno));
	int n = 0, r;
	while ((r = read(fd, text + n, sizeof text - 1 - n)) > 0)
		n += r;
	CHECK_EQ(r, 0);
	CHECK(n < (int)sizeof text - 1);
	text[n] = 0;
	close(fd);
	return n;
}

/* Whether some line of text is exactly line. */
static int has_line(const char *line)
{
	size_t len = strlen(line);
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, line, n) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

/* Joins getcap continuations ("\\\n" and the blanks after it) in place. */
static void join_continuations(void)
{
	char *out = text;
	for (const char *p = text; *p;) {
		if (p[0] == '\\' && p[1] == '\n') {
			p += 2;
			while (*p == ' ' || *p == '\t')
				p++;
			continue;
		}
		*out++ = *p++;
	}
	*out = 0;
}

/* The line whose first field (up to '|', ':' or a blank) is name, or NULL. */
static const char *record(const char *name)
{
	size_t len = strlen(name);
	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, name, len) == 0 && p[len] && strchr("|: \t", p[len]))
			return p;
	}
	return NULL;
}

/* Whether the record at rec (to its line's end) has capability cap (":...:"). */
static int has_cap(const char *rec, const char *cap)
{
	const char *end = strchr(rec, '\n');
	const char *hit = strstr(rec, cap);
	return hit && (!end || hit < end);
}

/* path and its /compat/freebsd4 name are one file. */
static void same_file(const char *path)
{
	char real[128];
	struct stat a, b;
	snprintf(real, sizeof real, "/compat/freebsd4%s", path);
	CHECK_OK(stat(path, &a));
	CHECK_OK(stat(real, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
}

/* The data dev.db holds under dev_mkdb's key for (type, dev); NULL if none. */
static char *dev_db_name(mode_t type, dev_t dev, size_t *len)
{
	struct {
		mode_t type;
		dev_t dev;
	} key;
	memset(&key, 0, sizeof key);
	key.type = type;
	key.dev = dev;
	CHECK_EQ(sizeof key, 8);
	return (char *)__db_hash_get("/var/run/dev.db", &key, sizeof key, len);
}

static void check_dev_db(void)
{
	struct stat st;
	CHECK_OK(stat("/var/run/dev.db", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644);
	CHECK(st.st_size >= 3 * st.st_blksize);
	CHECK_EQ(st.st_size % st.st_blksize, 0);
	int fd = CHECK_OK(open("/var/run/dev.db", O_RDONLY));
	unsigned char head[4];
	CHECK_EQ(read(fd, head, 4), 4);
	CHECK(head[0] == 0x00 && head[1] == 0x06 && head[2] == 0x15 && head[3] == 0x61);
	close(fd);
	same_file("/var/run/dev.db");

	DIR *dir = opendir("/dev");
	CHECK(dir != NULL);
	int devices = 0, saw_null = 0;
	struct dirent *d;
	while ((d = readdir(dir)) != NULL) {
		char path[64];
		snprintf(path, sizeof path, "/dev/%s", (const char *)d->d_name);
		CHECK_OK(lstat(path, &st));
		if (!S_ISCHR(st.st_mode))
			continue;
		size_t len;
		char *name = dev_db_name(S_IFCHR, st.st_rdev, &len);
		if (name == NULL)
			FAIL("%s (%#x) is not in dev.db", path, (unsigned)st.st_rdev);
		CHECK_EQ(len, strlen((const char *)d->d_name) + 1);
		CHECK(strcmp(name, (const char *)d->d_name) == 0);
		free(name);
		CHECK(dev_db_name(S_IFBLK, st.st_rdev, &len) == NULL);
		CHECK(strcmp(devname(st.st_rdev, S_IFCHR), (const char *)d->d_name) == 0);
		saw_null |= strcmp((const char *)d->d_name, "null") == 0;
		devices++;
	}
	closedir(dir);
	/* console, tty, null, zero, mem, kmem, random, urandom, trace, 16 ptyp/ttyp pairs. */
	CHECK(devices >= 41);
	CHECK(saw_null);
	size_t len;
	CHECK(dev_db_name(S_IFCHR, 99 << 8 | 7, &len) == NULL);
	CHECK(strcmp(devname(99 << 8 | 7, S_IFCHR), "#C99:0x7") == 0);
	CHECK(strcmp(devname(0xffffffff, S_IFCHR), "#NODEV") == 0);
}

int main(void)
{
	/* utmp and wtmp: empty, 0644, regular (who finds nobody logged in). */
	const char *logs[] = {"/var/run/utmp", "/var/log/wtmp"};
	for (int i = 0; i < 2; i++) {
		struct stat st;
		CHECK_OK(stat(logs[i], &st));
		CHECK(S_ISREG(st.st_mode));
		CHECK_EQ(st.st_mode & 07777, 0644);
		CHECK_EQ(st.st_size, 0);
		CHECK_EQ(slurp(logs[i]), 0);
		same_file(logs[i]);
	}

	slurp("/etc/shells");
	CHECK(has_line("/bin/sh"));
	CHECK(has_line("/bin/csh"));
	CHECK(has_line("/bin/tcsh"));
	same_file("/etc/shells");

	/* ttys: the console line is "console none unknown off secure". */
	slurp("/etc/ttys");
	const char *console = record("console");
	CHECK(console != NULL);
	CHECK(has_cap(console, "unknown\toff secure"));
	CHECK(record("ttyv0") != NULL && has_cap(record("ttyv0"), "cons25\ton"));
	same_file("/etc/ttys");

	slurp("/etc/login.conf");
	join_continuations();
	const char *def = record("default");
	CHECK(def != NULL);
	CHECK(has_cap(def, ":umask=022:"));
	CHECK(has_cap(def, ":openfiles=unlimited:"));
	CHECK(record("root") != NULL && has_cap(record("root"), ":tc=default:"));

	CHECK(slurp("/etc/motd") > 0);

	/* termcap through /etc/termcap, a symbolic link to the database. */
	char target[128];
	int n = CHECK_OK(readlink("/etc/termcap", target, sizeof target - 1));
	target[n] = 0;
	CHECK(strcmp(target, "../usr/share/misc/termcap") == 0);
	int size = slurp("/etc/termcap");
	CHECK_EQ(slurp("/usr/share/misc/termcap"), size);
	same_file("/usr/share/misc/termcap");
	join_continuations();
	const char *vt100 = record("vt100");
	CHECK(vt100 != NULL);
	CHECK(has_cap(vt100, ":co#80:"));
	CHECK(has_cap(vt100, ":li#24:"));
	CHECK(has_cap(vt100, ":cm=\\E[%i%d;%dH:"));
	CHECK(record("xterm") != NULL && has_cap(record("xterm"), ":co#80:"));
	CHECK(record("dumb") != NULL && !has_cap(record("dumb"), ":cm="));
	CHECK(record("vt220") == NULL);

	check_dev_db();
	return 0;
}
