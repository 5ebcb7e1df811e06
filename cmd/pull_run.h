/* A pull into a destination (wasmpack pull, and copy from a registry). */
#ifndef WP_PULL_RUN_H
#define WP_PULL_RUN_H

#include <stdbool.h>

#include "remote_args.h"

struct pull_args {
	const char *ref;
	const char *dest;
	const char *platform;
	int jobs;
	bool quiet;
	const struct remote_args *remote;
	const char *shown; /* printed before @DIGEST; NULL: the reference */
};

/* Pulls a->ref into a->dest and prints NAME@DIGEST. */
int pull_run(const struct pull_args *a, wp_error **err);

#endif
