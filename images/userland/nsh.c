/*
 * nsh: the small shell the default image boots into (as /sbin/init and /bin/sh).
 *
 * A line is a job: commands joined by `|`, each with redirections (`<`, `>`, `>>`,
 * `2>`), run in the background when it ends in `&`; `;` separates jobs. Words may be
 * quoted ('...' literally, "..." with $ expansion, \ escapes one character); $NAME and
 * $? (the last status) expand. Commands are looked up in $PATH (default /bin); `fb4 CMD`
 * runs CMD from /compat/freebsd4/bin, where the FreeBSD 4 builds of some tools live.
 *
 * Job control: each job gets its own process group; the foreground one is handed the
 * terminal with tcsetpgrp, so ^C, ^\ and ^Z reach it and not the shell, which ignores
 * them. Builtins: cd, pwd, exit [status], export NAME=value, jobs, fg [%N], bg [%N],
 * wait (for the running background jobs).
 *
 * As /bin/sh it also runs what system(3), popen(3) and `#!/bin/sh` scripts give it,
 * without a prompt, messages or job control: `sh -c 'commands' [name [args...]]`, `sh
 * file [args...]`, and commands read from a standard input that is not a terminal.
 * There $0, $1...$9 and $# are the name and the arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <termios.h>
#include <sys/wait.h>

#define MAX_TOKENS 64
#define MAX_PROCS 8
#define MAX_ARGS 32
#define MAX_JOBS 16
#define MAX_ENV 64
#define FB4_BIN "/compat/freebsd4/bin"

/* Token kinds besides words (0). */
enum { T_WORD, T_PIPE, T_AMP, T_SEMI, T_IN, T_OUT, T_APPEND, T_ERR };

struct token {
	int kind;
	char *word;
};

struct command {
	char *argv[MAX_ARGS];
	int argc;
	char *in, *out, *err;
	int append;
};

enum { RUNNING, STOPPED, DONE };

struct job {
	int used;
	pid_t pgid;
	int nprocs;
	pid_t pids[MAX_PROCS];
	int state[MAX_PROCS];
	int status[MAX_PROCS];
	char text[128];
};

static struct job jobs[MAX_JOBS];
static char *env[MAX_ENV + 1];
static int last_status;
/* Reading a terminal's lines with job control (else running -c, a file or a pipe). */
static int interactive;
/* $0 and the positional arguments. */
static char *arg0 = "nsh";
static char **args;
static int nargs;

static const int job_signals[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

static void set_job_signals(sighandler_t how)
{
	for (unsigned i = 0; i < sizeof(job_signals) / sizeof(job_signals[0]); i++)
		signal(job_signals[i], how);
}

/* ---- variables ---- */

static char *var(const char *name, size_t len)
{
	for (int i = 0; env[i]; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

static void export_var(const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq)
		return; /* every variable the shell knows is exported already */
	size_t len = (size_t)(eq - assignment);
	int i = 0;
	for (; env[i]; i++)
		if (strncmp(env[i], assignment, len) == 0 && env[i][len] == '=')
			break;
	if (i >= MAX_ENV) {
		dprintf(2, "nsh: export: too many variables\n");
		return;
	}
	char *copy = strdup(assignment);
	if (!copy)
		return;
	if (env[i])
		free(env[i]);
	env[i] = copy;
}

/* ---- reading and splitting ---- */

/* Reads one line from `fd`; -1 at end of input. */
static int read_line(int fd, char *buf, int size)
{
	int n = 0;
	while (n < size - 1) {
		char c;
		ssize_t r = read(fd, &c, 1);
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

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Splits `line` into tokens, writing the words (quotes removed, variables expanded)
 * into `store`. Returns the token count, or -1 with a message.
 */
static int tokenize(const char *line, char *store, size_t size, struct token *tokens)
{
	size_t used = 0;
	int n = 0;
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n >= MAX_TOKENS - 1) {
			dprintf(2, "nsh: line too long\n");
			return -1;
		}
		struct token *t = &tokens[n++];
		t->word = NULL;
		if (*p == '|' || *p == '&' || *p == ';' || *p == '<') {
			t->kind = *p == '|' ? T_PIPE : *p == '&' ? T_AMP : *p == ';' ? T_SEMI : T_IN;
			p++;
			continue;
		}
		if (*p == '>' || (p[0] == '2' && p[1] == '>')) {
			if (*p == '2') {
				t->kind = T_ERR;
				p += 2;
			} else if (p[1] == '>') {
				t->kind = T_APPEND;
				p += 2;
			} else {
				t->kind = T_OUT;
				p++;
			}
			continue;
		}
		t->kind = T_WORD;
		t->word = store + used;
		char quote = 0;
		while (*p && (quote || (*p != ' ' && *p != '\t' && !strchr("|&;<>", *p)))) {
			if (used + 2 >= size) {
				dprintf(2, "nsh: line too long\n");
				return -1;
			}
			char c = *p++;
			if (quote == '\'' && c != '\'') {
				store[used++] = c;
			} else if (c == '\'' || c == '"') {
				if (!quote)
					quote = c;
				else if (quote == c)
					quote = 0;
				else
					store[used++] = c;
			} else if (c == '\\' && *p) {
				store[used++] = *p++;
			} else if (c == '$' && (*p == '?' || *p == '#' || is_name_char(*p))) {
				char num[16];
				const char *value;
				if (*p == '?' || *p == '#') {
					snprintf(num, sizeof(num), "%d", *p == '?' ? last_status : nargs);
					value = num;
					p++;
				} else if (*p >= '0' && *p <= '9') {
					int k = *p++ - '0';
					value = k == 0 ? arg0 : k <= nargs ? args[k - 1] : NULL;
				} else {
					const char *name = p;
					while (is_name_char(*p))
						p++;
					value = var(name, (size_t)(p - name));
				}
				size_t len = value ? strlen(value) : 0;
				if (used + len + 2 >= size) {
					dprintf(2, "nsh: line too long\n");
					return -1;
				}
				memcpy(store + used, value ? value : "", len);
				used += len;
			} else {
				store[used++] = c;
			}
		}
		if (quote) {
			dprintf(2, "nsh: unmatched %c\n", quote);
			return -1;
		}
		store[used++] = 0;
	}
}

/*
 * Parses the tokens of one job (up to `;`, `&` or the end) into commands; returns the
 * number of commands (0 for an empty job, -1 on a syntax error) and sets *next to the
 * token after the job and *background.
 */
static int parse_job(struct token *tokens, int count, int *next, struct command *cmds,
		     int *background)
{
	int n = 0, i = *next;
	*background = 0;
	memset(&cmds[0], 0, sizeof(cmds[0]));
	for (; i < count; i++) {
		struct token *t = &tokens[i];
		struct command *c = &cmds[n];
		if (t->kind == T_SEMI || t->kind == T_AMP) {
			*background = t->kind == T_AMP;
			i++;
			break;
		}
		if (t->kind == T_PIPE) {
			if (c->argc == 0 || n + 1 >= MAX_PROCS)
				goto syntax;
			n++;
			memset(&cmds[n], 0, sizeof(cmds[n]));
			continue;
		}
		if (t->kind != T_WORD) {
			if (i + 1 >= count || tokens[i + 1].kind != T_WORD)
				goto syntax;
			char *target = tokens[++i].word;
			if (t->kind == T_IN)
				c->in = target;
			else if (t->kind == T_ERR)
				c->err = target;
			else {
				c->out = target;
				c->append = t->kind == T_APPEND;
			}
			continue;
		}
		if (c->argc + 1 >= MAX_ARGS)
			goto syntax;
		c->argv[c->argc++] = t->word;
		c->argv[c->argc] = NULL;
	}
	*next = i;
	if (cmds[n].argc == 0) {
		if (n > 0)
			goto syntax;
		return 0;
	}
	return n + 1;
syntax:
	dprintf(2, "nsh: syntax error\n");
	*next = count;
	return -1;
}

/* ---- jobs ---- */

static int job_number(struct job *j) { return (int)(j - jobs) + 1; }

static int job_state(struct job *j)
{
	int stopped = 0;
	for (int i = 0; i < j->nprocs; i++) {
		if (j->state[i] == RUNNING)
			return RUNNING;
		stopped |= j->state[i] == STOPPED;
	}
	return stopped ? STOPPED : DONE;
}

/* Records a wait status for `pid`; returns its job, or NULL. */
static struct job *note_status(pid_t pid, int status)
{
	for (int k = 0; k < MAX_JOBS; k++) {
		struct job *j = &jobs[k];
		if (!j->used)
			continue;
		for (int i = 0; i < j->nprocs; i++) {
			if (j->pids[i] != pid)
				continue;
			if (WIFSTOPPED(status)) {
				j->state[i] = STOPPED;
			} else if (status == WCONTINUED_STATUS) {
				j->state[i] = RUNNING;
			} else {
				j->state[i] = DONE;
				j->status[i] = status;
			}
			return j;
		}
	}
	return NULL;
}

/* The status a job reports: its last command's, unless a signal killed one of its
 * commands (^C of `sleep 9 | echo x` says the sleep was interrupted); SIGPIPE is how
 * a writer learns its reader is done, not worth a word. */
static int job_status(struct job *j)
{
	for (int i = j->nprocs - 1; i >= 0; i--)
		if (WIFSIGNALED(j->status[i]) && WTERMSIG(j->status[i]) != SIGPIPE)
			return j->status[i];
	return j->status[j->nprocs - 1];
}

/* The shell's $? for a wait status. */
static int status_value(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Reports how a background job ended and frees its slot. */
static void report_done(struct job *j)
{
	int status = job_status(j);
	if (!interactive)
		; /* a shell without job control says nothing of its jobs */
	else if (WIFSIGNALED(status))
		printf("[%d] Killed by %s  %s\n", job_number(j), signame(WTERMSIG(status)), j->text);
	else if (WEXITSTATUS(status))
		printf("[%d] Exit %d  %s\n", job_number(j), WEXITSTATUS(status), j->text);
	else
		printf("[%d] Done  %s\n", job_number(j), j->text);
	j->used = 0;
}

/* Collects the children that changed state without blocking, and reports the jobs
 * that ended. */
static void reap_background(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
		struct job *j = note_status(pid, status);
		if (j && job_state(j) == DONE)
			report_done(j);
	}
}

/* Waits until no background job is running (stopped ones do not count), reporting
 * those that end. */
static void wait_background(void)
{
	for (;;) {
		int running = 0;
		for (int k = 0; k < MAX_JOBS; k++)
			running |= jobs[k].used && job_state(&jobs[k]) == RUNNING;
		if (!running)
			return;
		int status;
		pid_t pid = waitpid(-1, &status, WUNTRACED);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		struct job *j = note_status(pid, status);
		if (j && job_state(j) == DONE)
			report_done(j);
	}
}

/* Runs job `j` in the foreground until it ends or stops. */
static void wait_foreground(struct job *j)
{
	if (interactive)
		tcsetpgrp(0, j->pgid);
	while (job_state(j) == RUNNING) {
		int status;
		/* Without job control the job's processes are in the shell's group. */
		pid_t pid = waitpid(interactive ? -j->pgid : -1, &status, WUNTRACED);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* no children left: nothing more to wait for */
		}
		note_status(pid, status);
	}
	if (!interactive) {
		last_status = status_value(job_status(j));
		j->used = 0;
		return;
	}
	tcsetpgrp(0, getpgrp());
	if (job_state(j) == STOPPED) {
		/* The terminal echoed ^Z without a newline. */
		printf("\n[%d]+ Stopped  %s\n", job_number(j), j->text);
		last_status = 128 + SIGTSTP;
		return;
	}
	int status = job_status(j);
	last_status = status_value(status);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		printf("%snsh: %s: killed by %s\n", sig == SIGINT || sig == SIGQUIT ? "\n" : "",
		       j->text, signame(sig));
	} else if (WEXITSTATUS(status) != 0) {
		printf("nsh: %s: exit status %d\n", j->text, WEXITSTATUS(status));
	}
	j->used = 0;
}

/* The job a `fg`/`bg` argument names (%N or N), or the newest one. */
static struct job *find_job(const char *arg)
{
	if (arg) {
		int n = atoi(arg[0] == '%' ? arg + 1 : arg);
		if (n >= 1 && n <= MAX_JOBS && jobs[n - 1].used)
			return &jobs[n - 1];
		dprintf(2, "nsh: %s: no such job\n", arg);
		return NULL;
	}
	for (int k = MAX_JOBS - 1; k >= 0; k--)
		if (jobs[k].used)
			return &jobs[k];
	dprintf(2, "nsh: no current job\n");
	return NULL;
}

static void continue_job(struct job *j)
{
	for (int i = 0; i < j->nprocs; i++)
		if (j->state[i] == STOPPED)
			j->state[i] = RUNNING;
	kill(-j->pgid, SIGCONT);
}

/* ---- running ---- */

/* In the child: applies the command's redirections; 0, or -1 after a message. */
static int redirect(struct command *c)
{
	struct {
		const char *path;
		int flags, fd;
	} r[3] = {
		{c->in, O_RDONLY, 0},
		{c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), 1},
		{c->err, O_WRONLY | O_CREAT | O_TRUNC, 2},
	};
	for (int i = 0; i < 3; i++) {
		if (!r[i].path)
			continue;
		int fd = open(r[i].path, r[i].flags, 0666);
		if (fd < 0) {
			dprintf(2, "nsh: %s: %s\n", r[i].path, strerror(errno));
			return -1;
		}
		if (fd != r[i].fd) {
			dup2(fd, r[i].fd);
			close(fd);
		}
	}
	return 0;
}

/* In the child: runs the command, searching $PATH; never returns. */
static __noreturn void exec_command(char **argv)
{
	const char *path_list = var("PATH", 4);
	if (strcmp(argv[0], "fb4") == 0 && argv[1]) {
		argv++;
		path_list = FB4_BIN;
	}
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, env);
		dprintf(2, "nsh: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (!path_list)
		path_list = "/bin";
	int err = ENOENT;
	for (const char *dir = path_list; *dir;) {
		size_t len = strcspn(dir, ":");
		char path[256];
		snprintf(path, sizeof(path), "%.*s/%s", (int)len, dir, argv[0]);
		execve(path, argv, env);
		if (errno != ENOENT)
			err = errno;
		dir += len;
		if (*dir == ':')
			dir++;
	}
	if (err == ENOENT)
		dprintf(2, "nsh: %s: not found\n", argv[0]);
	else
		dprintf(2, "nsh: %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* The job's text for messages: the words of the line, shortened. */
static void job_text(struct job *j, struct command *cmds, int n, int background)
{
	size_t used = 0;
	j->text[0] = 0;
	for (int c = 0; c < n; c++) {
		for (int a = 0; a < cmds[c].argc; a++) {
			int w = snprintf(j->text + used, sizeof(j->text) - used, "%s%s",
					 used ? " " : "", cmds[c].argv[a]);
			used = used + (size_t)w < sizeof(j->text) ? used + (size_t)w : sizeof(j->text) - 1;
		}
		if (c + 1 < n)
			used += (size_t)snprintf(j->text + used, sizeof(j->text) - used, " |");
		if (used >= sizeof(j->text))
			used = sizeof(j->text) - 1;
	}
	if (background && used + 2 < sizeof(j->text))
		strcat(j->text, " &");
}

static void launch(struct command *cmds, int n, int background)
{
	struct job *j = NULL;
	for (int k = 0; k < MAX_JOBS && !j; k++)
		if (!jobs[k].used)
			j = &jobs[k];
	if (!j) {
		dprintf(2, "nsh: too many jobs\n");
		return;
	}
	memset(j, 0, sizeof(*j));
	j->used = 1;
	job_text(j, cmds, n, background);
	/* What the shell printed goes before what its children print. */
	fflush(stdout);
	int in = -1; /* the read end of the previous pipe */
	for (int i = 0; i < n; i++) {
		int fds[2] = {-1, -1};
		if (i + 1 < n && pipe(fds) < 0) {
			dprintf(2, "nsh: pipe: %s\n", strerror(errno));
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			dprintf(2, "nsh: fork: %s\n", strerror(errno));
			if (fds[0] >= 0) {
				close(fds[0]);
				close(fds[1]);
			}
			break;
		}
		if (pid == 0) {
			if (interactive) {
				setpgid(0, j->pgid);
				if (!background)
					tcsetpgrp(0, j->pgid ? j->pgid : getpid());
				set_job_signals(SIG_DFL);
			} else if (background) {
				/* An asynchronous list of a shell without job control. */
				signal(SIGINT, SIG_IGN);
				signal(SIGQUIT, SIG_IGN);
			}
			if (in >= 0) {
				dup2(in, 0);
				close(in);
			}
			if (fds[1] >= 0) {
				dup2(fds[1], 1);
				close(fds[1]);
				close(fds[0]);
			}
			if (redirect(&cmds[i]) < 0)
				_exit(1);
			exec_command(cmds[i].argv);
		}
		if (!j->pgid)
			j->pgid = pid;
		if (interactive)
			setpgid(pid, j->pgid);
		j->pids[j->nprocs] = pid;
		j->state[j->nprocs++] = RUNNING;
		if (in >= 0)
			close(in);
		if (fds[1] >= 0)
			close(fds[1]);
		in = fds[0];
	}
	if (in >= 0)
		close(in);
	if (j->nprocs == 0) {
		j->used = 0;
		return;
	}
	if (background) {
		if (interactive)
			printf("[%d] %d\n", job_number(j), j->pgid);
		last_status = 0;
	} else {
		wait_foreground(j);
	}
}

/* Runs a builtin; 0 if `argv` is none. */
static int builtin(char **argv, int *exit_now)
{
	const char *name = argv[0];
	if (strcmp(name, "exit") == 0) {
		*exit_now = 1;
		last_status = argv[1] ? atoi(argv[1]) : last_status;
	} else if (strcmp(name, "cd") == 0) {
		const char *dir = argv[1] ? argv[1] : var("HOME", 4);
		if (chdir(dir ? dir : "/") < 0)
			dprintf(2, "nsh: cd: %s: %s\n", dir ? dir : "/", strerror(errno));
	} else if (strcmp(name, "pwd") == 0) {
		char cwd[256];
		printf("%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));
	} else if (strcmp(name, "export") == 0) {
		if (!argv[1])
			for (int i = 0; env[i]; i++)
				printf("export %s\n", env[i]);
		for (int i = 1; argv[i]; i++)
			export_var(argv[i]);
	} else if (strcmp(name, "jobs") == 0) {
		reap_background();
		for (int k = 0; k < MAX_JOBS; k++)
			if (jobs[k].used)
				printf("[%d] %s  %s\n", k + 1,
				       job_state(&jobs[k]) == STOPPED ? "Stopped" : "Running",
				       jobs[k].text);
	} else if (strcmp(name, "fg") == 0) {
		struct job *j = find_job(argv[1]);
		if (j) {
			/* The terminal is the job's before anything is said: keys typed after
			 * the message reach it. */
			tcsetpgrp(0, j->pgid);
			continue_job(j);
			printf("%s\n", j->text);
			wait_foreground(j);
		}
	} else if (strcmp(name, "wait") == 0) {
		wait_background();
	} else if (strcmp(name, "bg") == 0) {
		struct job *j = find_job(argv[1]);
		if (j) {
			continue_job(j);
			printf("[%d] %s\n", job_number(j), j->text);
		}
	} else {
		return 0;
	}
	return 1;
}

/* Runs one job's text (its `;` or `&` included); 1 when the shell is to exit. */
static int run_job(const char *text)
{
	static char store[2048];
	struct token tokens[MAX_TOKENS];
	struct command cmds[MAX_PROCS];
	int count = tokenize(text, store, sizeof(store), tokens);
	int next = 0, exit_now = 0;
	while (count > 0 && next < count && !exit_now) {
		int background;
		int n = parse_job(tokens, count, &next, cmds, &background);
		if (n <= 0)
			continue;
		if (n == 1 && !background && builtin(cmds[0].argv, &exit_now))
			continue;
		launch(cmds, n, background);
	}
	return exit_now;
}

/* The length of the first job's text in `line`: up to and with an unquoted `;` or
 * `&`; *last is set when a comment ends the line there. */
static size_t job_length(const char *line, int *last)
{
	size_t n = 0;
	char quote = 0;
	*last = 0;
	for (; line[n]; n++) {
		char c = line[n];
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
		} else if (c == '\\' && line[n + 1]) {
			n++;
		} else if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '#' && (n == 0 || line[n - 1] == ' ' || line[n - 1] == '\t')) {
			*last = 1;
			return n;
		} else if (c == ';' || c == '&') {
			return n + 1;
		}
	}
	return n;
}

/* Runs the jobs of one line, each expanded as it comes (so `false; echo $?` sees the
 * status of the job before it); 1 when the shell is to exit. */
static int run_line(const char *line)
{
	static char text[1024];
	while (*line) {
		int last;
		size_t n = job_length(line, &last);
		if (n >= sizeof(text))
			n = sizeof(text) - 1;
		memcpy(text, line, n);
		text[n] = 0;
		if (run_job(text))
			return 1;
		if (last)
			break;
		line += n;
	}
	return 0;
}

/* Runs the lines of `text` (sh -c), one at a time. */
static void run_text(const char *text)
{
	static char line[1024];
	while (*text) {
		size_t len = strcspn(text, "\n");
		if (len >= sizeof(line)) {
			dprintf(2, "nsh: line too long\n");
			last_status = 2;
			return;
		}
		memcpy(line, text, len);
		line[len] = 0;
		if (run_line(line))
			return;
		reap_background();
		text += len;
		if (*text == '\n')
			text++;
	}
}

int main(int argc, char **argv, char **envp)
{
	static char line[1024];
	int input = 0;
	const char *command = NULL;

	for (int i = 0; envp && envp[i] && i < MAX_ENV; i++)
		env[i] = strdup(envp[i]);
	if (!var("PATH", 4))
		export_var("PATH=/bin");
	if (argc > 0 && argv[0])
		arg0 = argv[0];
	if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
		if (argc < 3) {
			dprintf(2, "nsh: -c: option requires an argument\n");
			return 2;
		}
		command = argv[2];
		if (argc > 3) {
			arg0 = argv[3];
			args = argv + 4;
			nargs = argc - 4;
		}
	} else if (argc >= 2) {
		input = open(argv[1], O_RDONLY);
		if (input < 0) {
			dprintf(2, "nsh: %s: %s\n", argv[1], strerror(errno));
			return 127;
		}
		/* The script is the shell's, not its commands'. */
		fcntl(input, F_SETFD, FD_CLOEXEC);
		arg0 = argv[1];
		args = argv + 2;
		nargs = argc - 2;
	} else {
		interactive = isatty(0);
	}
	if (command) {
		run_text(command);
		return last_status;
	}
	if (interactive) {
		set_job_signals(SIG_IGN);
		setpgid(0, 0);
		tcsetpgrp(0, getpgrp());
		printf("Nymph shell: try ls -l /bin, ps, fb4 echo hi | wc, sleep 9 &; ^C interrupts, "
		       "^Z stops, exit ends.\n");
	}
	for (;;) {
		reap_background();
		if (interactive)
			printf("nsh$ ");
		if (read_line(input, line, sizeof(line)) < 0) {
			if (interactive)
				printf("\n");
			return last_status;
		}
		if (run_line(line))
			return last_status;
	}
}
