/* lib/process: running helpers with stdin, captured output, limits and
 * time-outs, without a shell and without leaking descriptors. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>

#include "helpers.h"
#include "../../lib/process.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(process);

/* Runs argv; fails the test when the run itself fails. */
static int run_ok(const char *const argv[], const char *input, size_t len, wp_buf *out,
		  wp_buf *errout)
{
	wp_error *err = NULL;
	int status = -1;
	int r = wp_process_run(argv, input, len, out, errout, 20, &status, &err);

	assert_ok(r, err);
	return status;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(process, stdin_is_passed_and_stdout_captured)
{
	const char *const argv[] = {"cat", NULL};
	wp_buf out = WP_BUF_INIT(1024);

	cr_assert_eq(run_ok(argv, "hello\nworld", 11, &out, NULL), 0);
	cr_assert_str_eq(wp_buf_cstr(&out), "hello\nworld");
	wp_buf_release(&out);
}

Test(process, arguments_reach_the_program_without_a_shell)
{
	const char *const argv[] = {"printf", "%s|", "a b", "$HOME", "*", ";", NULL};
	wp_buf out = WP_BUF_INIT(1024);

	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	cr_assert_str_eq(wp_buf_cstr(&out), "a b|$HOME|*|;|");
	wp_buf_release(&out);
}

Test(process, stderr_is_captured_separately_and_exit_status_returned)
{
	const char *const argv[] = {"sh", "-c", "echo out; echo err >&2; exit 7", NULL};
	wp_buf out = WP_BUF_INIT(1024), errout = WP_BUF_INIT(1024);

	cr_assert_eq(run_ok(argv, NULL, 0, &out, &errout), 7);
	cr_assert_str_eq(wp_buf_cstr(&out), "out\n");
	cr_assert_str_eq(wp_buf_cstr(&errout), "err\n");
	wp_buf_release(&out);
	wp_buf_release(&errout);
}

Test(process, killed_by_a_signal_reports_128_plus_signal)
{
	const char *const argv[] = {"sh", "-c", "kill -TERM $$", NULL};

	cr_assert_eq(run_ok(argv, NULL, 0, NULL, NULL), 128 + SIGTERM);
}

Test(process, large_input_and_output_do_not_deadlock)
{
	/* far more than a pipe holds in both directions at once */
	size_t len = 8u << 20;
	char *input = malloc(len);
	const char *const argv[] = {"cat", NULL};
	wp_buf out = WP_BUF_INIT(len);

	cr_assert_not_null(input);
	test_fill_semi_random((unsigned char *)input, len, 3);
	cr_assert_eq(run_ok(argv, input, len, &out, NULL), 0);
	cr_assert_eq(out.len, len);
	cr_assert_arr_eq(out.data, input, len);
	wp_buf_release(&out);
	free(input);
}

Test(process, large_stderr_is_cut_to_its_maximum_without_error)
{
	const char *const argv[] = {"sh", "-c",
				    "head -c 300000 /dev/zero | tr '\\0' e >&2; echo done", NULL};
	wp_buf out = WP_BUF_INIT(64), errout = WP_BUF_INIT(100);

	cr_assert_eq(run_ok(argv, NULL, 0, &out, &errout), 0);
	cr_assert_eq(errout.len, 100);
	cr_assert_eq(errout.data[99], 'e');
	cr_assert_str_eq(wp_buf_cstr(&out), "done\n");
	wp_buf_release(&out);
	wp_buf_release(&errout);
}

Test(process, stdout_over_its_maximum_fails_and_stops_the_child)
{
	const char *const argv[] = {"yes", NULL};
	wp_buf out = WP_BUF_INIT(1000);
	wp_error *err = NULL;
	int status = -1;
	int r = wp_process_run(argv, NULL, 0, &out, NULL, 20, &status, &err);

	assert_error(r, err, WP_ELIMIT, "\"yes\" printed more than 1000 bytes");
	cr_assert_eq(status, -1, "exit_status was set on failure");
	wp_buf_release(&out);
}

Test(process, output_can_be_discarded)
{
	const char *const argv[] = {"sh", "-c", "echo out; echo err >&2", NULL};

	cr_assert_eq(run_ok(argv, NULL, 0, NULL, NULL), 0);
}

Test(process, child_ignoring_stdin_is_not_an_error_nor_sigpipe)
{
	/* exits at once: writing the rest gives EPIPE, and would raise SIGPIPE */
	size_t len = 4u << 20;
	char *input = calloc(1, len);
	const char *const argv[] = {"true", NULL};
	const char *const argv2[] = {"head", "-c", "1", NULL};
	sigset_t before, after, pending;
	wp_buf out = WP_BUF_INIT(16);

	cr_assert_not_null(input);
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	cr_assert_eq(run_ok(argv, input, len, NULL, NULL), 0);
	cr_assert_eq(run_ok(argv2, input, len, &out, NULL), 0);
	cr_assert_eq(out.len, 1);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	cr_assert_eq(sigismember(&before, SIGPIPE), sigismember(&after, SIGPIPE),
		     "the signal mask was not restored");
	sigpending(&pending);
	cr_assert_eq(sigismember(&pending, SIGPIPE), 0, "a SIGPIPE was left pending");
	wp_buf_release(&out);
	free(input);
}

Test(process, timeout_kills_the_child)
{
	const char *const argv[] = {"sleep", "30", NULL};
	wp_error *err = NULL;
	int status = -1;
	double start = now_seconds();
	int r = wp_process_run(argv, NULL, 0, NULL, NULL, 1, &status, &err);

	assert_error(r, err, WP_EGENERIC, "\"sleep\" did not finish within 1 seconds");
	cr_assert_lt(now_seconds() - start, 5.0);
}

Test(process, timeout_also_covers_a_child_that_closed_its_output)
{
	const char *const argv[] = {"sh", "-c", "exec >&- 2>&-; sleep 30", NULL};
	wp_error *err = NULL;
	int status = -1;
	double start = now_seconds();
	int r = wp_process_run(argv, NULL, 0, NULL, NULL, 1, &status, &err);

	assert_error(r, err, WP_EGENERIC, "did not finish within 1 seconds");
	cr_assert_lt(now_seconds() - start, 5.0);
}

Test(process, missing_program_is_not_found_and_named)
{
	const char *const argv[] = {"wasmpack-no-such-program", "get", NULL};
	const char *const argv2[] = {"/nonexistent/dir/prog", NULL};
	wp_error *err = NULL;
	int status = -1;
	int r = wp_process_run(argv, "x", 1, NULL, NULL, 5, &status, &err);

	assert_error(r, err, WP_ENOTFOUND, "\"wasmpack-no-such-program\"");
	r = wp_process_run(argv2, NULL, 0, NULL, NULL, 5, &status, &err);
	assert_error(r, err, WP_ENOTFOUND, "\"/nonexistent/dir/prog\"");
	cr_assert_eq(status, -1);
}

Test(process, empty_argv_is_refused)
{
	const char *const argv[] = {NULL};
	const char *const argv2[] = {"", NULL};
	wp_error *err = NULL;
	int status = 0;
	int r = wp_process_run(argv, NULL, 0, NULL, NULL, 5, &status, &err);

	assert_error(r, err, WP_EINVALID, "no program");
	r = wp_process_run(argv2, NULL, 0, NULL, NULL, 5, &status, &err);
	assert_error(r, err, WP_EINVALID, "no program");
}

Test(process, program_is_looked_up_in_path)
{
	static const char script[] = "#!/bin/sh\necho \"found $1\"\n";
	_cleanup_free_ char *p = test_write_file(tmp, "wp-test-prog", script, strlen(script), 0755);
	_cleanup_free_ char *path = wp_strdup_printf("%s:%s", tmp, getenv("PATH"));
	const char *const argv[] = {"wp-test-prog", "me", NULL};
	wp_buf out = WP_BUF_INIT(64);

	cr_assert_eq(setenv("PATH", path, 1), 0);
	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	cr_assert_str_eq(wp_buf_cstr(&out), "found me\n");
	wp_buf_release(&out);
}

Test(process, inherited_descriptors_do_not_reach_the_child)
{
	/* a descriptor opened without O_CLOEXEC, as a careless library would */
	int fd = open("/dev/null", O_RDONLY);
	const char *const argv[] = {"sh", "-c",
				    "test -e /proc/self/fd/57 && echo leaked; "
				    "ls /proc/self/fd | wc -l",
				    NULL};
	wp_buf out = WP_BUF_INIT(256);

	cr_assert_geq(fd, 0);
	cr_assert_eq(dup2(fd, 57), 57);
	close(fd);
	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	cr_assert_null(strstr(wp_buf_cstr(&out), "leaked"), "fd 57 reached the child");
	close(57);
	wp_buf_release(&out);
}

Test(process, stdin_is_closed_after_the_input)
{
	/* wc only ends when it sees end of file: no copy of the write end may
	 * stay open in the child */
	const char *const argv[] = {"wc", "-c", NULL};
	wp_buf out = WP_BUF_INIT(64);

	cr_assert_eq(run_ok(argv, "12345", 5, &out, NULL), 0);
	cr_assert_eq(strtol(wp_buf_cstr(&out), NULL, 10), 5);
	wp_buf_reset(&out);
	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	cr_assert_eq(strtol(wp_buf_cstr(&out), NULL, 10), 0);
	wp_buf_release(&out);
}

Test(process, works_with_standard_descriptors_closed)
{
	/* pipes then come out as 0, 1 or 2 and must not clobber each other */
	const char *const argv[] = {"sh", "-c", "cat; echo e >&2", NULL};
	wp_buf out = WP_BUF_INIT(64), errout = WP_BUF_INIT(64);
	int saved_in = dup(0), saved_out = dup(1);

	close(0);
	close(1);
	cr_assert_eq(run_ok(argv, "in", 2, &out, &errout), 0);
	dup2(saved_in, 0);
	dup2(saved_out, 1);
	close(saved_in);
	close(saved_out);
	cr_assert_str_eq(wp_buf_cstr(&out), "in");
	cr_assert_str_eq(wp_buf_cstr(&errout), "e\n");
	wp_buf_release(&out);
	wp_buf_release(&errout);
}

/* The value of a hex mask line ("SigIgn:\t0000000000001000") of
 * /proc/<child>/status as the child printed it. */
static unsigned long long status_mask(const char *status, const char *name)
{
	const char *line = strstr(status, name);

	cr_assert_not_null(line, "no %s in:\n%s", name, status);
	return strtoull(line + strlen(name) + 1, NULL, 16);
}

Test(process, child_gets_default_signals_and_an_empty_mask)
{
	/* SIGPIPE ignored and blocked here (as many programs do) must be
	 * neither in the child, or `yes | head` pipelines break */
	const char *const argv[] = {"grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status", NULL};
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	unsigned long long pipe_bit = 1ull << (SIGPIPE - 1), int_bit = 1ull << (SIGINT - 1);
	sigset_t block, old_mask;
	wp_buf out = WP_BUF_INIT(1024);

	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	sigaction(SIGINT, &ign, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old_mask);
	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGPIPE, &old, NULL);
	sigaction(SIGINT, &old, NULL);
	cr_assert_eq(status_mask(out.data, "SigIgn:") & (pipe_bit | int_bit), 0, "%s", out.data);
	cr_assert_eq(status_mask(out.data, "SigBlk:"), 0, "%s", out.data);
	wp_buf_release(&out);
}

Test(process, child_never_gets_wasmpack_password)
{
	const char *const argv[] = {"env", NULL};
	wp_buf out = WP_BUF_INIT(1 << 20);

	cr_assert_eq(setenv("WASMPACK_PASSWORD", "pw-in-env-5kq", 1), 0);
	cr_assert_eq(setenv("WASMPACK_USERNAME", "user-in-env", 1), 0);
	cr_assert_eq(setenv("WASMPACK_PASSWORD_NOT", "kept", 1), 0);
	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	cr_assert_null(strstr(wp_buf_cstr(&out), "pw-in-env-5kq"), "%s", wp_buf_cstr(&out));
	cr_assert_null(strstr(wp_buf_cstr(&out), "WASMPACK_PASSWORD="), "%s", wp_buf_cstr(&out));
	/* only that variable: the rest of the environment is the child's too */
	cr_assert_not_null(strstr(wp_buf_cstr(&out), "WASMPACK_USERNAME=user-in-env\n"));
	cr_assert_not_null(strstr(wp_buf_cstr(&out), "WASMPACK_PASSWORD_NOT=kept\n"));
	cr_assert_not_null(strstr(wp_buf_cstr(&out), "PATH="));
	/* and wasmpack's own environment is untouched */
	cr_assert_str_eq(getenv("WASMPACK_PASSWORD"), "pw-in-env-5kq");
	wp_buf_release(&out);
}

Test(process, child_env_is_environ_without_the_secret_variables)
{
	char **env;
	size_t n = 0, k = 0;

	cr_assert_eq(setenv("WASMPACK_PASSWORD", "x", 1), 0);
	env = wp_process_child_env();
	cr_assert_not_null(env);
	while (environ[n])
		n++;
	for (; env[k]; k++) {
		char name[256];

		cr_assert_neq(strncmp(env[k], "WASMPACK_PASSWORD=", 18), 0);
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(env[k], "="), env[k]);
		cr_assert_not_null(getenv(name), "%s", env[k]);
	}
	cr_assert_eq(k, n - 1, "every other variable is there");
	free(env);
}

Test(process, no_dump_makes_the_process_non_dumpable)
{
	/* Criterion runs each test in a process of its own */
	cr_assert_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1, "dumpable before");
	cr_assert(wp_process_no_dump());
	cr_assert_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0, "not dumpable after");
	cr_assert(wp_process_no_dump(), "a second call is harmless");
	cr_assert_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

Test(process, children_of_a_non_dumpable_process_start_dumpable)
{
	/* prctl(PR_GET_DUMPABLE = 3) in the child: execve made it dumpable
	 * again, as the compilers and helpers wasmpack runs should be */
	const char *const argv[] = {"python3", "-c",
				    "import ctypes; print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))",
				    NULL};
	wp_buf out = WP_BUF_INIT(1024);

	cr_assert(wp_process_no_dump());
	cr_assert_eq(run_ok(argv, NULL, 0, &out, NULL), 0);
	cr_assert_str_eq(wp_buf_cstr(&out), "1\n");
	wp_buf_release(&out);
}
