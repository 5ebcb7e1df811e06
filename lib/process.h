/* Runs a program without a shell, feeds it bytes on stdin and captures its
 * stdout and stderr, with a time limit. The executable is looked up in PATH
 * (posix_spawnp); the child gets the caller's environment but for the
 * variables that hold secrets (WASMPACK_PASSWORD), an empty signal
 * mask, default SIGPIPE/SIGINT/SIGQUIT/SIGHUP/SIGTERM handling and no file
 * descriptor other than 0, 1 and 2. */
#ifndef WP_PROCESS_H
#define WP_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

/* Runs argv[0] (looked up in PATH unless it contains '/') with argv, a
 * NULL-terminated list, writing input_len bytes of input to its stdin and
 * then closing it. A child that exits without reading all of it is not an
 * error (no SIGPIPE either).
 *
 * out (optional: NULL discards) gets what the child prints on stdout; more
 * than out->max bytes kills the child and fails with WP_ELIMIT. errout
 * (optional) gets the first errout->max bytes of stderr; the rest is read
 * and dropped. Both are appended to.
 *
 * timeout_seconds > 0 kills the child (SIGKILL) when it has not finished
 * by then and fails naming the program; 0 or less waits for ever. "Finished"
 * means stdout and stderr reached end of file and the child exited.
 *
 * On success *exit_status is the child's exit status, or 128 + the signal
 * number when a signal killed it (as shells report it): a non-zero status is
 * not an error here. A program that cannot be found fails with WP_ENOTFOUND
 * naming it. */
int wp_process_run(const char *const argv[], const void *input, size_t input_len, wp_buf *out,
		   wp_buf *errout, int timeout_seconds, int *exit_status, wp_error **err);

/* The environment a child gets: environ without the variables that hold
 * secrets (WASMPACK_PASSWORD). A NULL-terminated array of environ's own
 * strings; free() the array only. NULL when out of memory. */
char **wp_process_child_env(void);

/* Makes this process non-dumpable (prctl PR_SET_DUMPABLE 0), for as long as
 * it runs: a crash writes no core file (and hands none to a core_pattern
 * pipe), its /proc/PID/environ, mem and the like are root's, and processes
 * of the same user cannot ptrace it. Programs it executes start
 * dumpable again. For commands that hold credentials; false when the kernel
 * refused. */
bool wp_process_no_dump(void);

/* Whether name is an executable file in one of PATH's directories. */
bool wp_on_path(const char *name);

#endif
