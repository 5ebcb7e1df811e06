/* An SPDX 2.3 JSON document for the module an image carries
 * (docs/supply-chain.md): the module as the described package, with its
 * sha256 and size; what its producers section names (source languages,
 * the tools that processed it, SDKs) as packages related to it; the WASI
 * interfaces it imports as external references; and, when the image is
 * known, the image as a package that contains it. */
#ifndef WP_SBOM_H
#define WP_SBOM_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/error.h"
#include "../wasmopt/summary.h"

/* Everything is borrowed from the caller. */
struct sbom_input {
	const char *module_name;	  /* its file name; a path's directories are dropped */
	const char *module_digest;	  /* "sha256:<hex>" of the module file */
	uint64_t module_size;		  /* bytes in the module file */
	const wp_module_summary *summary; /* NULL: no producers, imports or kind listed */
	const char *const *image_names;	  /* references it is pushed as ("ghcr.io/a/b:v1") */
	size_t n_image_names;
	const char *image_digest; /* the image manifest's "sha256:<hex>"; NULL: no image
				   * package (image_names are then unused) */
	int64_t created;	  /* seconds since 1970 for creationInfo.created when
				   * SOURCE_DATE_EPOCH is unset or empty */
};

/* Appends the document to out: canonical JSON (sorted keys, compact, no
 * final newline), byte-identical for the same inputs and SOURCE_DATE_EPOCH.
 * A malformed digest, image name or SOURCE_DATE_EPOCH, or a name that is
 * not UTF-8, is WP_EINVALID naming it; out may then hold part of the
 * document. */
int sbom_spdx_json(const struct sbom_input *in, wp_buf *out, wp_error **err);

#endif
