/*
 * Reading Berkeley DB 1.85 hash files (4.x's dbopen(..., DB_HASH, ...)), the format of
 * /etc/pwd.db and /var/run/dev.db. A lookup follows the hash package's own steps: the
 * header (big-endian words) gives the bucket size, the masks and the spare pages; the
 * key's hash picks a bucket, the bucket's page (and its overflow pages) holds offset
 * pairs. Big pairs (records larger than a page) are not read.
 */
#include <_libc.h>
#include <fcntl.h>

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

/* The data stored under `key` in the hash file `path`, copied into a fresh buffer (with
 * a NUL after it) that the caller frees; NULL when absent or unreadable. */
unsigned char *__db_hash_get(const char *path, const void *key, size_t klen, size_t *dlen)
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
				if ((found = malloc(*dlen + 1))) {
					memcpy(found, page + d, *dlen);
					found[*dlen] = 0;
				}
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
