/* build --sbom and --provenance: the SPDX SBOM of the module (sbom.h) and
 * the SLSA provenance of the build (provenance.h), attached after the push
 * to every pushed repository as OCI referrers of the image (oci/referrers.h):
 * the image's digest, tags and index stay as they are. */
#ifndef WP_BUILD_SUPPLY_CHAIN_H
#define WP_BUILD_SUPPLY_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "remote_args.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "../oci/descriptor.h"
#include "../oci/reference.h"

#define SBOM_ARTIFACT_TYPE "application/spdx+json"
#define PROVENANCE_ARTIFACT_TYPE "application/vnd.in-toto+json"

/* Everything borrowed. */
struct build_supply_chain {
	bool sbom, provenance;
	const char *module;	    /* the module the image holds (a file) */
	const char *module_name;    /* its name in the image: "hello.wasm" */
	const wp_descriptor *image; /* the pushed manifest or index */
	const wp_reference *tags;   /* where it was pushed */
	size_t n_tags;
	const char *const *inputs; /* as given on the command line */
	size_t n_inputs;
	const char *input_module; /* the module as given or made, before -O */
	const char *platform;	  /* "wasi/wasm" */
	const char *optimize;	  /* "s", "z", or NULL */
	const char *aot;	  /* --aot, or NULL */
	const char *dockerfile, *context;
	int64_t started_on;
	const struct remote_args *remote;
};

/* The documents, made before the push so that a failure pushes nothing. */
struct supply_chain_docs {
	struct supply_chain_doc {
		const char *artifact_type;
		const char *title;
		wp_buf bytes;
	} docs[2];
	size_t n;
};

int build_supply_chain_make(const struct build_supply_chain *b, struct supply_chain_docs *out,
			    wp_error **err);
/* Each document to each repository b->tags name, once per repository. */
int build_supply_chain_attach(const struct build_supply_chain *b, const struct supply_chain_docs *d,
			      wp_error **err);
void supply_chain_docs_release(struct supply_chain_docs *d);

#endif
