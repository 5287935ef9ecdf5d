/*
 * getpwuid, getpwnam, getgrgid, getgrnam.
 *
 * FreeBSD 4.x: as its libc, from /etc/pwd.db (/etc/spwd.db when the effective uid is 0),
 * a Berkeley DB 1.85 hash file that pwd_mkdb writes: each account stored under '1'+name
 * and '3'+uid (a 32-bit int) as name NUL passwd NUL uid gid change class NUL gecos NUL
 * dir NUL shell NUL expire fields. Looking a key up follows the hash package's own
 * steps: the header (big-endian words) gives the bucket size, the masks and the spare
 * pages; the key's hash picks a bucket, the bucket's page (and its overflow pages)
 * holds offset pairs. Big pairs (records larger than a page) are not read.
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

#define HASH_MAGIC 0x061561
#define REAL_KEY 4      /* offsets below this mark overflow and big-pair entries */
#define OVFLPAGE 0
#define MAX_CHAIN 256   /* overflow pages followed at most (a corrupt file could loop) */

struct hash_header {
	uint32_t bsize, bshift, max_bucket, high_mask, low_mask, hdrpages, lorder;
	uint32_t spares[32];
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The hash package's default hash (Chris Torek's). */
static uint32_t db_hash(const void *key, size_t len)
{
	const unsigned char *k = key;
	uint32_t h = 0;
	while (len--)
		h = (h << 5) + h + *k++;
	return h;
}

static uint32_t log2_ceil(uint32_t n)
{
	uint32_t i = 0;
	for (uint32_t limit = 1; limit < n; limit <<= 1)
		i++;
	return i;
}

static uint32_t bucket_page(const struct hash_header *h, uint32_t bucket)
{
	uint32_t spare = 0;
	if (bucket) {
		uint32_t l = log2_ceil(bucket + 1) - 1;
		spare = l < 32 ? h->spares[l] : 0;
	}
	return bucket + h->hdrpages + spare;
}

/* An overflow page address: split point in the top 5 bits, page within it below. */
static uint32_t overflow_page(const struct hash_header *h, uint16_t addr)
{
	return bucket_page(h, (1u << (addr >> 11)) - 1) + (addr & 0x7ff);
}

static int read_header(int fd, struct hash_header *h)
{
	unsigned char b[260];
	if (pread(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -1;
	static const char charkey[] = "%$sniglet^&";
	uint32_t version = be32(b + 4);
	if (be32(b) != HASH_MAGIC || (version != 1 && version != 2) ||
	    be32(b + 64) != db_hash(charkey, sizeof(charkey)))
		return -1;
	h->lorder = be32(b + 8);
	h->bsize = be32(b + 12);
	h->bshift = be32(b + 16);
	h->max_bucket = be32(b + 40);
	h->high_mask = be32(b + 44);
	h->low_mask = be32(b + 48);
	h->hdrpages = be32(b + 60);
	for (int i = 0; i < 32; i++)
		h->spares[i] = be32(b + 68 + 4 * i);
	if ((h->lorder != 1234 && h->lorder != 4321) || h->bsize < 512 || h->bsize > 32768 ||
	    (h->bsize & (h->bsize - 1)) || (1u << h->bshift) != h->bsize)
		return -1;
	return 0;
}

/* The data stored under `key` in the hash file `path`, copied into a fresh buffer. */
static unsigned char *db_get(const char *path, const void *key, size_t klen, size_t *dlen)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct hash_header h;
	unsigned char *page = NULL, *found = NULL;
	if (read_header(fd, &h) < 0 || !(page = malloc(h.bsize)))
		goto out;
	uint32_t bucket = db_hash(key, klen) & h.high_mask;
	if (bucket > h.max_bucket)
		bucket &= h.low_mask;
	uint32_t pageno = bucket_page(&h, bucket);
	for (int chain = 0; chain < MAX_CHAIN; chain++) {
		if (pread(fd, page, h.bsize, (off_t)pageno << h.bshift) != (ssize_t)h.bsize)
			goto out;
#define WORD(i) (h.lorder == 1234 ? (uint16_t)(page[2 * (i)] | page[2 * (i) + 1] << 8) \
				  : (uint16_t)(page[2 * (i)] << 8 | page[2 * (i) + 1]))
		uint32_t n = WORD(0), end = h.bsize, next = 0;
		if ((n + 3) * 2 > h.bsize)
			goto out;
		for (uint32_t i = 1; i + 1 <= n; i += 2) {
			uint16_t k = WORD(i), d = WORD(i + 1);
			if (d == OVFLPAGE) {
				next = k;
				break;
			}
			if (d < REAL_KEY || k > end || d > k)
				goto out; /* a big pair, or a damaged page */
			if (end - k == klen && memcmp(page + k, key, klen) == 0) {
				*dlen = k - d;
				if ((found = malloc(*dlen + 1)))
					memcpy(found, page + d, *dlen);
				goto out;
			}
			end = d;
		}
#undef WORD
		if (!next)
			goto out;
		pageno = overflow_page(&h, (uint16_t)next);
	}
out:
	free(page);
	close(fd);
	return found;
}

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
	record = db_get(geteuid() == 0 ? "/etc/spwd.db" : "/etc/pwd.db", key, len + 1, &dlen);
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
