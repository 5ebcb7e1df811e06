/* A pull into a destination (wasmpack pull, and copy from a registry). */
#ifndef WP_PULL_RUN_H
#define WP_PULL_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "remote_args.h"

#define PULL_DEFAULT_DEST "wasmpack-out"

struct pull_args {
	const char *ref;      /* a registry reference, or a local source for --wasm/--extract */
	const char *dest;     /* NULL: PULL_DEFAULT_DEST, or none with --wasm/--extract */
	const char *platform; /* "all": the whole index (not with --wasm/--extract alone) */
	bool whole_index;     /* without a platform: keep an index whole (copy) */
	int jobs;
	bool quiet;
	const struct remote_args *remote;
	const char *shown;   /* printed before @DIGEST; NULL: the reference */
	const char *wasm;    /* --wasm FILE */
	const char *extract; /* --extract DIR */
	uint64_t max_size;   /* of one file; 0: 1 GiB */
	uint64_t max_total;  /* --extract: of all files; 0: 8 GiB */
	bool json;	     /* --format json */
};

/* Pulls a->ref into a->dest and prints NAME@DIGEST (with json, one
 * document: docs/json-output.md). */
int pull_run(const struct pull_args *a, wp_error **err);

#endif
