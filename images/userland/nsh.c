/*
 * nsh: the small shell the default image boots into (as /sbin/init and /bin/sh).
 * It reads a line, splits it into words, and runs the program in its own process
 * group in the terminal's foreground, so ^C and ^Z reach the program and not the
 * shell. Builtins: cd, pwd, exit [status], umask. Programs are looked up in /bin
 * when the name has no slash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <termios.h>
#include <sys/wait.h>

#define MAX_WORDS 32

static const int job_signals[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

static void set_job_signals(sighandler_t how)
{
	for (unsigned i = 0; i < sizeof(job_signals) / sizeof(job_signals[0]); i++)
		signal(job_signals[i], how);
}

/* Reads one line from the terminal; -1 at end of input. */
static int read_line(char *buf, int size)
{
	int n = 0;
	while (n < size - 1) {
		char c;
		ssize_t r = read(0, &c, 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return n > 0 ? n : -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
	return n;
}

static int split(char *line, char **words)
{
	int n = 0;
	char *p = line;
	while (*p && n < MAX_WORDS - 1) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	words[n] = NULL;
	return n;
}

static void run(char **words, char **envp)
{
	char path[256];
	if (strchr(words[0], '/'))
		snprintf(path, sizeof(path), "%s", words[0]);
	else
		snprintf(path, sizeof(path), "/bin/%s", words[0]);
	pid_t pid = fork();
	if (pid < 0) {
		printf("nsh: fork: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		tcsetpgrp(0, getpid());
		set_job_signals(SIG_DFL);
		execve(path, words, envp);
		printf("nsh: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	tcsetpgrp(0, pid);
	int status;
	while (waitpid(pid, &status, WUNTRACED) < 0 && errno == EINTR)
		;
	tcsetpgrp(0, getpgrp());
	if (WIFSTOPPED(status)) {
		printf("nsh: %s: stopped by %s; continuing it in the background\n", words[0],
		       signame(WSTOPSIG(status)));
		kill(pid, SIGCONT);
	} else if (WIFSIGNALED(status)) {
		/* The terminal echoed ^C or ^\ without a newline. */
		int sig = WTERMSIG(status);
		printf("%snsh: %s: killed by %s\n", sig == SIGINT || sig == SIGQUIT ? "\n" : "",
		       words[0], signame(sig));
	} else if (WEXITSTATUS(status) != 0) {
		printf("nsh: %s: exit status %d\n", words[0], WEXITSTATUS(status));
	}
}

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	char line[512];
	char *words[MAX_WORDS];

	set_job_signals(SIG_IGN);
	setpgid(0, 0);
	tcsetpgrp(0, getpgrp());
	printf("Nymph shell: try ls /bin, readline, cat FILE, echo; ^C interrupts; exit ends.\n");
	for (;;) {
		/* Reap background children that ended. */
		int status;
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		printf("nsh$ ");
		if (read_line(line, sizeof(line)) < 0) {
			printf("\n");
			return 0;
		}
		if (split(line, words) == 0)
			continue;
		if (strcmp(words[0], "exit") == 0)
			return words[1] ? atoi(words[1]) : 0;
		if (strcmp(words[0], "cd") == 0) {
			if (chdir(words[1] ? words[1] : "/") < 0)
				printf("nsh: cd: %s\n", strerror(errno));
			continue;
		}
		if (strcmp(words[0], "pwd") == 0) {
			char cwd[256];
			printf("%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));
			continue;
		}
		run(words, envp);
	}
}
