/* readline: asks for a line on the terminal and says what it read. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char buf[256];
	printf("readline: type a line\n");
	ssize_t n = read(0, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("readline: read: %s\n", strerror(errno));
		return 1;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
	printf("readline: got '%s'\n", buf);
	return 0;
}
