/*
 * A fork bomb of a non-root user is stopped by the per-user process limit (fork gives
 * EAGAIN) while root keeps working: root forks and execs beside the bomb, kills its
 * process group, and the user's processes can be created again once it is gone.
 */
#include <nymph_test.h>
#include <poll.h>
#include <signal.h>

#define BOMB_UID 1000

static void bomb(int report)
{
	int failed = 0;
	for (;;) {
		pid_t pid = fork();
		if (pid == 0) {
			write(report, "f", 1);
			continue; /* the child bombs too */
		}
		if (pid < 0) {
			if (errno != EAGAIN) {
				write(report, "X", 1);
				_exit(2);
			}
			if (!failed++)
				write(report, "E", 1);
			sigset_t none;
			sigemptyset(&none);
			sigsuspend(&none); /* hold the slot until killed */
		}
	}
}

/* Reads the bomb's reports until it has been quiet for quiet_ms. */
static void drain(int fd, int *forks, int *eagains, int *others, int quiet_ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	char buf[256];
	while (poll(&p, 1, quiet_ms) > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			*forks += buf[i] == 'f';
			*eagains += buf[i] == 'E';
			*others += buf[i] == 'X';
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "hello") == 0)
		_exit(7);
	int report[2];
	CHECK_OK(pipe(report));
	pid_t bomber = fork();
	CHECK(bomber >= 0);
	if (bomber == 0) {
		close(report[0]);
		setpgid(0, 0);
		if (setgid(BOMB_UID) != 0 || setuid(BOMB_UID) != 0)
			_exit(3);
		bomb(report[1]);
	}
	setpgid(bomber, bomber);
	close(report[1]);
	int forks = 0, eagains = 0, others = 0;
	drain(report[0], &forks, &eagains, &others, 1500);
	CHECK_EQ(others, 0);
	if (eagains == 0)
		FAIL("the bomb made %d processes and never met EAGAIN", forks);
	CHECK(forks >= 8);
	CHECK(forks < 1000);

	/* Root is not held back: it forks and execs beside the bomb. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *args[] = {argv[0], "hello", NULL};
		execve(argv[0], args, environ);
		_exit(99);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);

	/* Root ends the bomb; the user's slots come back. */
	CHECK_OK(kill(-bomber, SIGKILL));
	CHECK_EQ(waitpid(bomber, &status, 0), bomber);
	for (int tries = 0;; tries++) {
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			if (setuid(BOMB_UID) != 0)
				_exit(3);
			pid_t again = fork();
			if (again == 0)
				_exit(0);
			_exit(again > 0 ? 0 : 4);
		}
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			break;
		/* Orphans of the bomb may still be dying; the limit frees as they do. */
		if (tries > 50)
			FAIL("user %d still cannot fork after the bomb died: %#x", BOMB_UID, status);
		usleep(100000);
	}
	PASS();
}
