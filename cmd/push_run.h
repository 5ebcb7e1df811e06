/* The push shared by `wasmpack push` and `wasmpack build --push`. */
#ifndef WP_PUSH_RUN_H
#define WP_PUSH_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/error.h"
#include "remote_args.h"

struct push_request {
	const char *source;	 /* a source spec (source.h) */
	const char *const *refs; /* where to, as typed */
	size_t n_refs;
	const struct remote_args *remote;
	int jobs;
	const char *from_repo;
	int64_t chunk_size;
	const char *digest_file;
	bool quiet;
	bool json;	/* --format json */
	bool no_stdout; /* the caller prints the result (build --metadata-file -) */
};

/* Pushes, shows progress, prints "REF@sha256:..." per reference on stdout
 * (with json, one document: docs/json-output.md), writes --digest-file and
 * $GITHUB_OUTPUT. */
int push_run(const struct push_request *req, wp_error **err);

#endif
