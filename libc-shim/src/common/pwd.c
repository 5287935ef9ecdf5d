/*
 * getpwuid, getpwnam, getgrgid, getgrnam.
 *
 * FreeBSD 4.x: as its libc, from /etc/pwd.db (/etc/spwd.db when the effective uid is 0),
 * a Berkeley DB 1.85 hash file that pwd_mkdb writes: each account stored under '1'+name
 * and '3'+uid (a 32-bit int) as name NUL passwd NUL uid gid change class NUL gecos NUL
 * dir NUL shell NUL expire fields, looked up with __db_hash_get (freebsd4/dbhash.c).
 * Native: /etc/passwd as text (name:passwd:uid:gid:gecos:dir:shell).
 * Both: /etc/group as text (name:passwd:gid:member,member...).
 */
#include <_libc.h>
#include <fcntl.h>

/* Reads all of `path` (NUL-terminated); NULL on error. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Splits `line` at ':' into at most `max` fields; returns how many. */
static int fields(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max + 1; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* Calls `match` on each non-comment line of a text file until it returns nonzero; the
 * file stays in *buf (the strings of the result point into it). */
static int scan_lines(char **buf, const char *path, int nfields,
		      int (*match)(char **f, const void *arg), const void *arg)
{
	size_t len;
	free(*buf);
	*buf = slurp(path, &len);
	if (!*buf)
		return 0;
	for (char *line = *buf; *line;) {
		char *nl = strchr(line, '\n');
		char *next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		char *f[16];
		if (line[0] != '#' && line[0] != '+' && line[0] != '-' &&
		    fields(line, f, nfields) == nfields && match(f, arg))
			return 1;
		line = next;
	}
	return 0;
}

static int parse_id(const char *s, unsigned *out)
{
	char *end;
	if (!*s)
		return 0;
	unsigned long v = strtoul(s, &end, 10);
	*out = (unsigned)v;
	return *end == '\0';
}

/* ---- groups ---- */

static struct group group;
static char *group_text;
static char *members[64];

struct gkey {
	const char *name;
	gid_t gid;
};

static int group_match(char **f, const void *arg)
{
	const struct gkey *k = arg;
	unsigned gid;
	if (!parse_id(f[2], &gid) || (k->name ? strcmp(f[0], k->name) != 0 : gid != k->gid))
		return 0;
	group.gr_name = f[0];
	group.gr_passwd = f[1];
	group.gr_gid = gid;
	int n = 0;
	for (char *m = f[3]; *m && n < 63;) {
		members[n++] = m;
		char *comma = strchr(m, ',');
		if (!comma)
			break;
		*comma = '\0';
		m = comma + 1;
	}
	members[n] = NULL;
	group.gr_mem = members;
	return 1;
}

struct group *getgrgid(gid_t gid)
{
	struct gkey k = {NULL, gid};
	return scan_lines(&group_text, "/etc/group", 4, group_match, &k) ? &group : NULL;
}

struct group *getgrnam(const char *name)
{
	struct gkey k = {name, 0};
	return scan_lines(&group_text, "/etc/group", 4, group_match, &k) ? &group : NULL;
}

/* ---- accounts ---- */

static struct passwd account;

#ifdef __FreeBSD_version

static unsigned char *record;

/* Fills `account` from a pwd_mkdb record, as 4.x's __hashpw does. */
static int unpack(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	char **strs[] = {&account.pw_name, &account.pw_passwd, &account.pw_class,
			 &account.pw_gecos, &account.pw_dir, &account.pw_shell};
	int s = 0;
#define STR()                                                                  \
	do {                                                                   \
		const unsigned char *z = memchr(p, 0, (size_t)(end - p));      \
		if (!z)                                                        \
			return 0;                                              \
		*strs[s++] = (char *)p;                                        \
		p = z + 1;                                                     \
	} while (0)
#define INT(v)                                                                 \
	do {                                                                   \
		if (end - p < 4)                                               \
			return 0;                                              \
		int32_t t_;                                                    \
		memcpy(&t_, p, 4);                                             \
		(v) = t_;                                                      \
		p += 4;                                                        \
	} while (0)
	STR();
	STR();
	INT(account.pw_uid);
	INT(account.pw_gid);
	INT(account.pw_change);
	STR();
	STR();
	STR();
	STR();
	INT(account.pw_expire);
	INT(account.pw_fields);
#undef STR
#undef INT
	/* YP entries are not accounts (4.x does the same without YP). */
	return account.pw_name[0] != '+' && account.pw_name[0] != '-';
}

static struct passwd *lookup(char kind, const void *what, size_t len)
{
	unsigned char key[1 + 256];
	if (len > 256)
		return NULL;
	key[0] = (unsigned char)kind;
	memcpy(key + 1, what, len);
	size_t dlen;
	free(record);
	record = __db_hash_get(geteuid() == 0 ? "/etc/spwd.db" : "/etc/pwd.db", key, len + 1, &dlen);
	return record && unpack(record, dlen) ? &account : NULL;
}

struct passwd *getpwuid(uid_t uid)
{
	int32_t k = (int32_t)uid;
	return lookup('3', &k, sizeof(k));
}

struct passwd *getpwnam(const char *name)
{
	return lookup('1', name, strlen(name));
}

#else /* native */

static char *passwd_text;

struct pkey {
	const char *name;
	uid_t uid;
};

static int passwd_match(char **f, const void *arg)
{
	const struct pkey *k = arg;
	unsigned uid, gid;
	if (!parse_id(f[2], &uid) || !parse_id(f[3], &gid) ||
	    (k->name ? strcmp(f[0], k->name) != 0 : uid != k->uid))
		return 0;
	static char empty[] = "";
	account = (struct passwd){
		.pw_name = f[0],
		.pw_passwd = f[1],
		.pw_uid = uid,
		.pw_gid = gid,
		.pw_class = empty,
		.pw_gecos = f[4],
		.pw_dir = f[5],
		.pw_shell = f[6],
	};
	return 1;
}

struct passwd *getpwuid(uid_t uid)
{
	struct pkey k = {NULL, uid};
	return scan_lines(&passwd_text, "/etc/passwd", 7, passwd_match, &k) ? &account : NULL;
}

struct passwd *getpwnam(const char *name)
{
	struct pkey k = {name, 0};
	return scan_lines(&passwd_text, "/etc/passwd", 7, passwd_match, &k) ? &account : NULL;
}

#endif
