/* An in-toto Statement v1 whose predicate is SLSA provenance v1, for an
 * image wasmpack built (docs/supply-chain.md): the subject is the image
 * manifest; the build definition holds the build's inputs (buildType
 * https://wasmpack.dev/build/v1) and the files it read, with their
 * digests; in GitHub Actions, the repository at its commit, the workflow
 * as the builder and the run as the invocation. */
#ifndef WP_PROVENANCE_H
#define WP_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/error.h"

#define PROVENANCE_BUILD_TYPE "https://wasmpack.dev/build/v1"
#define PROVENANCE_LOCAL_BUILDER "https://wasmpack.dev/local"

/* What a run in GitHub Actions says about itself: the GITHUB_* variables
 * below and nothing else. Borrowed from the environment; NULL when unset
 * or empty. */
struct provenance_github {
	const char *server_url;	  /* GITHUB_SERVER_URL ("https://github.com" when unset) */
	const char *repository;	  /* GITHUB_REPOSITORY: "owner/repo" */
	const char *ref;	  /* GITHUB_REF: "refs/heads/main", "refs/tags/v1" */
	const char *sha;	  /* GITHUB_SHA: the commit */
	const char *run_id;	  /* GITHUB_RUN_ID */
	const char *run_attempt;  /* GITHUB_RUN_ATTEMPT */
	const char *workflow_ref; /* GITHUB_WORKFLOW_REF:
				   * "owner/repo/.github/workflows/ci.yml@refs/heads/main" */
};

/* Fills out and returns true when GITHUB_ACTIONS is "true"; else zeroes
 * out and returns false. Reads only the variables named above. */
bool provenance_github_from_env(struct provenance_github *out);

/* A file the build read, as resolvedDependencies lists it. */
struct provenance_material {
	const char *uri;    /* as given on the command line: "hello.wasm" */
	const char *digest; /* "sha256:<hex>" of its content */
};

/* Everything is borrowed from the caller; NULL (or 0) leaves a field out. */
struct provenance_input {
	const char *image_digest; /* required: the image manifest's "sha256:<hex>" */
	const char *const *tags;  /* -t as given: externalParameters.tags, and the
				   * subject names (their repositories) */
	size_t n_tags;
	const char *const *inputs; /* the SOURCE arguments, as given */
	size_t n_inputs;
	const char *platform;	/* "wasip1/wasm" */
	const char *optimize;	/* -O's level ("2", "s", "z") when optimized */
	const char *aot;	/* --aot's value when given */
	const char *dockerfile; /* -f's file, with... */
	const char *context;	/* ...its build context */
	const struct provenance_material *materials;
	size_t n_materials;
	const struct provenance_github *github; /* NULL: not in GitHub Actions */
	int64_t started_on, finished_on;	/* seconds since 1970; 0: left out */
};

/* Appends the statement to out: canonical JSON (sorted keys, compact, no
 * final newline), byte-identical for the same inputs. A malformed digest
 * or tag, or a value that is not UTF-8, is WP_EINVALID naming it; out may
 * then hold part of the statement. */
int provenance_intoto_json(const struct provenance_input *in, wp_buf *out, wp_error **err);

#endif
