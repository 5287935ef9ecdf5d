/*
 * malloc over brk (small blocks, first-fit free list, split but not coalesced)
 * and mmap (large blocks, returned to the kernel on free). Single-threaded.
 * Every block has a 16-byte header: its usable size, and bit 0 of the second word
 * set when it came from mmap. Payloads are 16-byte aligned.
 */
#include <_libc.h>

#define ALIGN 16
#define HEADER 16
#define LARGE (128 * 1024)
#define ARENA_STEP (64 * 1024)
#define MMAPPED 1
/* Larger requests fail at once (and the rounding below cannot overflow). */
#if __SIZEOF_SIZE_T__ == 8
#define MAX_REQUEST ((size_t)1 << 48)
#else
#define MAX_REQUEST ((size_t)1 << 31)
#endif

struct block {
	size_t size;   /* usable bytes after the header */
	size_t flags;  /* MMAPPED, or the free-list link while free */
};

static struct block *free_list;
static char *arena_cur, *arena_end;

static size_t round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static struct block *header(void *p) { return (struct block *)((char *)p - HEADER); }
static void *payload(struct block *b) { return (char *)b + HEADER; }
static struct block *next_free(struct block *b) { return (struct block *)b->flags; }

static struct block *from_arena(size_t size)
{
	size_t need = HEADER + size;
	if ((size_t)(arena_end - arena_cur) < need) {
		size_t grow = round_up(need, ARENA_STEP);
		char *p = sbrk((intptr_t)grow);
		if (p == (char *)-1)
			return NULL;
		if (p != arena_end) /* someone else moved the break (or the first call): a new
				       arena, its start aligned (a break need not be) */
			arena_cur = (char *)round_up((uintptr_t)p, ALIGN);
		arena_end = p + grow;
		if ((size_t)(arena_end - arena_cur) < need)
			return NULL;
	}
	struct block *b = (struct block *)arena_cur;
	arena_cur += need;
	b->size = size;
	b->flags = 0;
	return b;
}

void *malloc(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	size_t size = round_up(n, ALIGN);
	if (size >= LARGE) {
		size_t total = round_up(size + HEADER, PAGE_SIZE);
		void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		struct block *b = m;
		b->size = total - HEADER;
		b->flags = MMAPPED;
		return payload(b);
	}
	for (struct block **link = &free_list; *link; link = (struct block **)&(*link)->flags) {
		struct block *b = *link;
		if (b->size < size)
			continue;
		*link = next_free(b);
		if (b->size >= size + HEADER + 64) {
			struct block *rest = (struct block *)((char *)payload(b) + size);
			rest->size = b->size - size - HEADER;
			rest->flags = (size_t)free_list;
			free_list = rest;
			b->size = size;
		}
		b->flags = 0;
		return payload(b);
	}
	struct block *b = from_arena(size);
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	return payload(b);
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = header(p);
	if (b->flags & MMAPPED) {
		munmap(b, b->size + HEADER);
		return;
	}
	b->flags = (size_t)free_list;
	free_list = b;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	struct block *b = header(p);
	if (b->size >= n)
		return p;
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, b->size);
	free(p);
	return q;
}
