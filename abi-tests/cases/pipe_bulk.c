// abi: all
/*
 * A writer child sends PIPE_BULK_BYTES (default 64 MiB) through a pipe; the reader
 * parent checks every byte against a pattern derived from its offset, whatever
 * sizes the reads come back in.
 */
#include <nymph_test.h>

#ifndef PIPE_BULK_BYTES
#define PIPE_BULK_BYTES (64ULL * 1024 * 1024)
#endif
#define CHUNK (64 * 1024)

/* The pattern: word i of the stream is mix(i) (splitmix64's finaliser). */
static uint64_t mix(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e5b9ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t wbuf[CHUNK / 8];
static uint64_t rbuf[CHUNK / 8];

static void writer(int fd)
{
	uint64_t word = 0;
	for (uint64_t done = 0; done < PIPE_BULK_BYTES; done += CHUNK) {
		for (size_t k = 0; k < CHUNK / 8; k++)
			wbuf[k] = mix(word++);
		const char *p = (const char *)wbuf;
		size_t left = CHUNK;
		while (left) {
			ssize_t n = write(fd, p, left);
			if (n < 0)
				FAIL("writer: write at %llu: errno %s", (unsigned long long)done,
				     nt_errname(errno));
			CHECK(n > 0);
			p += n;
			left -= (size_t)n;
		}
	}
	_exit(0);
}

int main(void)
{
	int fds[2];
	CHECK_OK(pipe(fds));
	pid_t pid = CHECK_OK(fork());
	if (pid == 0) {
		close(fds[0]);
		writer(fds[1]);
	}
	close(fds[1]);
	uint64_t total = 0, word = 0;
	size_t fill = 0;
	for (;;) {
		ssize_t n = read(fds[0], (char *)rbuf + fill, CHUNK - fill);
		if (n < 0)
			FAIL("read at %llu: errno %s", (unsigned long long)total, nt_errname(errno));
		if (n == 0)
			break;
		total += (uint64_t)n;
		fill += (size_t)n;
		if (fill == CHUNK) {
			for (size_t k = 0; k < CHUNK / 8; k++, word++)
				if (rbuf[k] != mix(word))
					FAIL("byte offset %llu: got 0x%016llx, want 0x%016llx",
					     (unsigned long long)word * 8, (unsigned long long)rbuf[k],
					     (unsigned long long)mix(word));
			fill = 0;
		}
	}
	CHECK_EQ(fill, 0);
	CHECK_EQ(total, PIPE_BULK_BYTES);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	PASS();
}
