/* The command table and what every subcommand shares: global options,
 * usage errors and the one place where errors are printed. */
#ifndef WP_CMD_H
#define WP_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "../lib/error.h"

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

typedef struct wp_command {
	const char *name;
	const char *summary; /* one line for `wasmpack --help` */
	int (*run)(int argc, char **argv);
	const char *help; /* the full text of `wasmpack COMMAND --help` */
} wp_command;

extern const wp_command cmd_build;
extern const wp_command cmd_version;
extern const wp_command cmd_push;
extern const wp_command cmd_login;
extern const wp_command cmd_logout;
extern const wp_command cmd_validate;
extern const wp_command cmd_optimize;
extern const wp_command cmd_pull;
extern const wp_command cmd_copy;
extern const wp_command cmd_inspect;
extern const wp_command cmd_run;
extern const wp_command cmd_digest;
extern const wp_command cmd_tag;
extern const wp_command cmd_ls;
extern const wp_command cmd_delete;
extern const wp_command cmd_init;
extern const wp_command cmd_attach;
extern const wp_command cmd_discover;

const wp_command *cmd_find(const char *name);

/* Long options every command accepts; OPT_GLOBAL_* values are handled by
 * cmd_handle_global(). */
enum {
	OPT_GLOBAL_QUIET = 'q',
	OPT_GLOBAL_HELP = 'h',
	OPT_GLOBAL_DEBUG = 0x1000,
};
#define CMD_GLOBAL_OPTIONS                                      \
	{"quiet", no_argument, NULL, OPT_GLOBAL_QUIET},         \
		{"debug", no_argument, NULL, OPT_GLOBAL_DEBUG}, \
	{                                                       \
		"help", no_argument, NULL, OPT_GLOBAL_HELP      \
	}

/* Handles -q, --debug and --help; returns 1 when c was one of them and the
 * command should exit with *status (for --help), 0 otherwise. */
int cmd_handle_global(const wp_command *cmd, int c, int *status);

/* Handles getopt's '?' and ':' results: prints one line and returns
 * EXIT_USAGE. */
int cmd_bad_option(const wp_command *cmd, int argc, char **argv, int c);

/* Prints "wasmpack CMD: message (see ...)" on one line; returns EXIT_USAGE. */
int cmd_usage_error(const wp_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints err's message as a usage error, frees err; returns EXIT_USAGE. */
int cmd_usage_from(const wp_command *cmd, wp_error *err);

/* Prints err once as "wasmpack: message", frees it, and returns the exit
 * status: EXIT_USAGE for WP_EUSAGE, EXIT_FAIL otherwise. */
int cmd_fail(wp_error *err);

#ifdef __clang_analyzer__
/* For the analyzer (see lib/error.h), which cannot see that the exit status
 * these give is EXIT_OK (--help) or a failure's, never negative nor 0: the
 * option parsers that say "go on" with -1 or 0 rely on it. main.c, which
 * defines them, #undefs these. */
#define cmd_failed_(status)                              \
	__extension__({                                  \
		int wp_status_ = (status);               \
		wp_status_ > 0 ? wp_status_ : EXIT_FAIL; \
	})
#define cmd_handle_global(cmd, c, status)                            \
	__extension__({                                              \
		int wp_handled_ = cmd_handle_global(cmd, c, status); \
		if (wp_handled_ && *(status) < 0)                    \
			*(status) = EXIT_FAIL;                       \
		wp_handled_;                                         \
	})
#define cmd_bad_option(...) cmd_failed_(cmd_bad_option(__VA_ARGS__))
#define cmd_usage_error(...) cmd_failed_(cmd_usage_error(__VA_ARGS__))
#define cmd_usage_from(...) cmd_failed_(cmd_usage_from(__VA_ARGS__))
#define cmd_fail(...) cmd_failed_(cmd_fail(__VA_ARGS__))
#endif

void cmd_print_help(const wp_command *cmd, FILE *out);

/* "-Os" and friends (cmd_optimize.c). */
#include "../wasmopt/optimize.h"
int cmd_parse_opt_level(const char *arg, wp_opt_level *out);
void cmd_print_opt_stats(const wp_opt_stats *st);

#endif
