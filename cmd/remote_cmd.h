/* The shape shared by the small registry commands (digest, tag, ls,
 * delete): REMOTE_OPTIONS, --format and the global ones, then positional arguments,
 * then one action on one registry session. */
#ifndef WP_REMOTE_CMD_H
#define WP_REMOTE_CMD_H

#include "cmd.h"
#include "remote_args.h"

/* The end of their --help: the registry options, --debug and --help. */
#define REMOTE_CMD_OPTIONS_HELP                                                 \
	REMOTE_OPTIONS_HELP "      --debug                 log every request\n" \
			    "  -h, --help                  print this help\n"
#define REMOTE_CMD_QUIET_HELP "  -q, --quiet                 print nothing (but the JSON)\n"

typedef struct remote_cmd_args {
	struct remote_args remote;
	char **args; /* the positional arguments */
	int n_args;
	bool quiet;
	bool json; /* --format json */
	int page;  /* ls --page-size; 0 when not given */
} remote_cmd_args;

/* For getopt's result c in a command taking REMOTE_OPTIONS: handles -q,
 * --debug, --help and the registry options. 1: handled; 0: none of them;
 * -1: the command ends with *status (help printed, or a usage error). */
int remote_cmd_common_option(const wp_command *cmd, struct remote_args *ra, int c, int *status);

/* A command on the registry its first argument names. */
typedef struct remote_cmd {
	remote_cmd_args a;
	wp_reference ref; /* the first argument */
	wp_registry *reg;
	void *ctx; /* the spec's */
} remote_cmd;

typedef struct remote_cmd_spec {
	int min_args, max_args;
	const char *missing; /* named when there are too few arguments */
	bool paging;	     /* accepts --page-size */
	int (*action)(remote_cmd *c, wp_error **err);
	/* the command's own options (ending in a zeroed entry; NULL: none),
	 * handled by option: 1 handled, 0 not one of them, negative an error
	 * (WP_EUSAGE: a usage error) */
	const struct option *options;
	int (*option)(remote_cmd *c, int opt, const char *arg, wp_error **err);
	/* the arguments checked before the registry is opened (NULL: none) */
	int (*check)(remote_cmd *c, wp_error **err);
	void *ctx; /* given to option, check and action as c->ctx */
} remote_cmd_spec;

/* Parses argv, parses the first argument as a reference (a usage error when
 * malformed), opens its registry, runs the action and prints its error;
 * returns the exit status. */
int remote_cmd_run(const wp_command *cmd, int argc, char **argv, const remote_cmd_spec *spec);

/* What a manifest request names for ref: its digest, else its tag, else
 * latest. Borrowed. */
const char *remote_ref_target(const wp_reference *ref);

/* "REGISTRY/REPOSITORY:TAG" (latest when none), or "...@DIGEST" when ref
 * names one: what the registry was asked for. Owned; NULL when out of
 * memory. */
char *remote_ref_full(const wp_reference *ref);

#endif
