#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "process.h"
#include "str.h"
#include "common.h"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define HAVE_ADDCLOSEFROM 1
#endif

#define IO_CHUNK 65536

/* Variables of wasmpack's environment that hold secrets: no child gets them. */
static const char *const secret_vars[] = {"WASMPACK_PASSWORD"};

static bool is_secret_var(const char *entry)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(secret_vars); i++) {
		size_t n = strlen(secret_vars[i]);

		if (strncmp(entry, secret_vars[i], n) == 0 && entry[n] == '=')
			return true;
	}
	return false;
}

char **wp_process_child_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!is_secret_var(environ[i]))
			env[k++] = environ[i];
	return env;
}

bool wp_process_no_dump(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

/* The parent's side of a running child. */
typedef struct child {
	const char *name; /* argv[0], for messages */
	pid_t pid;	  /* -1 when not running or already reaped */
	int in;		  /* write end of its stdin; -1 once closed */
	int out;	  /* read end of its stdout */
	int err;	  /* read end of its stderr */
	int64_t deadline; /* CLOCK_MONOTONIC milliseconds; -1: none */
	int timeout;	  /* seconds, for messages */
} child;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_pipe(int fds[2])
{
	close_fd(&fds[0]);
	close_fd(&fds[1]);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A close-on-exec pipe whose ends are both above 2, so that the dup2 calls
 * onto 0, 1 and 2 in the child can never clobber one another and always
 * clear close-on-exec on their target. */
static int make_pipe(int fds[2], const char *name, wp_error **err)
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		fds[0] = fds[1] = -1;
		return wp_error_set_errno(err, errno, "cannot run \"%s\": cannot create a pipe",
					  name);
	}
	for (int i = 0; i < 2; i++) {
		int moved;

		if (fds[i] > 2)
			continue;
		moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (moved < 0) {
			int e = errno;

			close_pipe(fds);
			return wp_error_set_errno(err, e, "cannot run \"%s\": cannot create a pipe",
						  name);
		}
		close(fds[i]);
		fds[i] = moved;
	}
	return 0;
}

static int set_nonblocking(int fd, const char *name, wp_error **err)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return wp_error_set_errno(err, errno, "cannot run \"%s\": cannot set up its pipes",
					  name);
	return 0;
}

static int spawn_error(const char *name, int e, wp_error **err)
{
	if (e == ENOENT && strchr(name, '/'))
		return wp_error_set(err, WP_ENOTFOUND, "cannot run \"%s\": no such program", name);
	if (e == ENOENT)
		return wp_error_set(err, WP_ENOTFOUND,
				    "cannot run \"%s\": program not found in PATH", name);
	return wp_error_set_errno(err, e, "cannot run \"%s\"", name);
}

static int spawn(child *c, const char *const argv[], int in_fd, int out_fd, int err_fd,
		 wp_error **err)
{
	static const int defaults[] = {SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTERM};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask, dfl;
	char **env = wp_process_child_env();
	int e;

	if (!env)
		return wp_error_oom(err);
	e = posix_spawn_file_actions_init(&fa);
	if (e) {
		free(env);
		return wp_error_set_errno(err, e, "cannot run \"%s\"", c->name);
	}
	e = posix_spawnattr_init(&attr);
	if (e) {
		posix_spawn_file_actions_destroy(&fa);
		free(env);
		return wp_error_set_errno(err, e, "cannot run \"%s\"", c->name);
	}
	sigemptyset(&mask);
	sigemptyset(&dfl);
	for (size_t i = 0; i < WP_ARRAY_SIZE(defaults); i++)
		sigaddset(&dfl, defaults[i]);
	e = posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
#ifdef HAVE_ADDCLOSEFROM
	/* descriptors someone opened without O_CLOEXEC stay out of the child */
	if (!e)
		e = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &mask);
	if (!e)
		e = posix_spawnattr_setsigdefault(&attr, &dfl);
	if (!e)
		e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!e)
		e = posix_spawnp(&c->pid, argv[0], &fa, &attr, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(env);
	if (e) {
		c->pid = -1;
		return spawn_error(c->name, e, err);
	}
	return 0;
}

static int timeout_error(const child *c, wp_error **err)
{
	return wp_error_set(err, WP_EGENERIC, "\"%s\" did not finish within %d seconds; stopped it",
			    c->name, c->timeout);
}

/* Writes the next piece of input; the child closing its stdin early ends
 * the input without an error. */
static int feed(child *c, const char *input, size_t len, size_t *written, bool *got_epipe,
		wp_error **err)
{
	size_t n = len - *written < IO_CHUNK ? len - *written : IO_CHUNK;
	ssize_t w = write(c->in, input + *written, n);

	if (w < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (errno == EPIPE) {
			*got_epipe = true;
			close_fd(&c->in);
			return 0;
		}
		return wp_error_set_errno(err, errno, "cannot write to \"%s\"", c->name);
	}
	*written += (size_t)w;
	if (*written == len)
		close_fd(&c->in);
	return 0;
}

/* Reads what is available on *fd into to (NULL: dropped). Over to->max,
 * stdout is an error and stderr is cut. */
static int drain(child *c, int *fd, wp_buf *to, bool is_stdout, char *chunk, wp_error **err)
{
	ssize_t got = read(*fd, chunk, IO_CHUNK);
	size_t n, room;

	if (got < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return wp_error_set_errno(err, errno, "cannot read the output of \"%s\"", c->name);
	}
	if (got == 0) {
		close_fd(fd);
		return 0;
	}
	if (!to)
		return 0;
	n = (size_t)got;
	room = to->len < to->max ? to->max - to->len : 0;
	if (n > room) {
		if (is_stdout)
			return wp_error_set(err, WP_ELIMIT, "\"%s\" printed more than %zu bytes",
					    c->name, to->max);
		n = room;
	}
	return n ? wp_buf_append(to, chunk, n, err) : 0;
}

static int pump(child *c, const char *input, size_t input_len, wp_buf *out, wp_buf *errout,
		bool *got_epipe, char *chunk, wp_error **err)
{
	size_t written = 0;

	while (c->in >= 0 || c->out >= 0 || c->err >= 0) {
		struct pollfd pfd[3];
		nfds_t n = 0;
		int wait_ms = -1, ready;

		if (c->deadline >= 0) {
			int64_t left = c->deadline - now_ms();

			if (left <= 0)
				return timeout_error(c, err);
			wait_ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (c->in >= 0)
			pfd[n++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
		if (c->out >= 0)
			pfd[n++] = (struct pollfd){.fd = c->out, .events = POLLIN};
		if (c->err >= 0)
			pfd[n++] = (struct pollfd){.fd = c->err, .events = POLLIN};
		ready = poll(pfd, n, wait_ms);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return wp_error_set_errno(err, errno, "cannot wait for \"%s\"", c->name);
		}
		for (nfds_t i = 0; ready > 0 && i < n; i++) {
			int r = 0;

			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == c->in)
				r = feed(c, input, input_len, &written, got_epipe, err);
			else if (pfd[i].fd == c->out)
				r = drain(c, &c->out, out, true, chunk, err);
			else if (pfd[i].fd == c->err)
				r = drain(c, &c->err, errout, false, chunk, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void kill_and_reap(child *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
	c->pid = -1;
}

/* Waits for the child to exit, within the deadline: one that closed its
 * output but keeps running is stopped like one that never finishes. */
static int reap(child *c, int *exit_status, wp_error **err)
{
	useconds_t pause_us = 1000;
	int status = 0;

	for (;;) {
		pid_t r = waitpid(c->pid, &status, c->deadline >= 0 ? WNOHANG : 0);

		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR) {
			int e = errno;

			c->pid = -1;
			return wp_error_set_errno(err, e, "cannot wait for \"%s\"", c->name);
		}
		if (r == 0) {
			if (now_ms() >= c->deadline)
				return timeout_error(c, err);
			usleep(pause_us);
			if (pause_us < 50000)
				pause_us *= 2;
		}
	}
	c->pid = -1;
	if (WIFEXITED(status))
		*exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_status = 128 + WTERMSIG(status);
	else
		*exit_status = 255;
	return 0;
}

int wp_process_run(const char *const argv[], const void *input, size_t input_len, wp_buf *out,
		   wp_buf *errout, int timeout_seconds, int *exit_status, wp_error **err)
{
	child c = {NULL, -1, -1, -1, -1, -1, timeout_seconds};
	int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	sigset_t pipe_set, old_mask, pending;
	bool pipe_was_pending, got_epipe = false;
	char *chunk = NULL;
	int r, status = 0;

	if (!argv || !argv[0] || !argv[0][0])
		return wp_error_set(err, WP_EINVALID, "no program to run");
	c.name = argv[0];
	chunk = malloc(IO_CHUNK);
	if (!chunk)
		return wp_error_oom(err);
	r = make_pipe(in_pipe, c.name, err);
	if (r == 0)
		r = make_pipe(out_pipe, c.name, err);
	if (r == 0)
		r = make_pipe(err_pipe, c.name, err);
	if (r < 0)
		goto out;

	/* A child that exits without reading its stdin makes write() raise
	 * SIGPIPE, which would kill us: keep it blocked in this thread while
	 * writing, and swallow the one we caused afterwards. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	pipe_was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

	if (timeout_seconds > 0)
		c.deadline = now_ms() + (int64_t)timeout_seconds * 1000;
	r = spawn(&c, argv, in_pipe[0], out_pipe[1], err_pipe[1], err);
	close_fd(&in_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[1]);
	c.in = in_pipe[1];
	c.out = out_pipe[0];
	c.err = err_pipe[0];
	in_pipe[1] = out_pipe[0] = err_pipe[0] = -1;
	if (r == 0)
		r = set_nonblocking(c.in, c.name, err);
	if (r == 0)
		r = set_nonblocking(c.out, c.name, err);
	if (r == 0)
		r = set_nonblocking(c.err, c.name, err);
	if (r == 0 && input_len == 0)
		close_fd(&c.in);
	if (r == 0)
		r = pump(&c, input, input_len, out, errout, &got_epipe, chunk, err);
	close_fd(&c.in);
	close_fd(&c.out);
	close_fd(&c.err);
	if (r == 0)
		r = reap(&c, &status, err);
	kill_and_reap(&c);

	if (got_epipe && !pipe_was_pending) {
		struct timespec zero = {0, 0};

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (r == 0)
		*exit_status = status;
out:
	close_pipe(in_pipe);
	close_pipe(out_pipe);
	close_pipe(err_pipe);
	free(chunk);
	return r;
}

bool wp_on_path(const char *name)
{
	const char *path = getenv("PATH");

	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");
		_cleanup_free_ char *file = wp_strdup_printf("%.*s/%s", (int)n, p, name);

		if (file && n && access(file, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}
