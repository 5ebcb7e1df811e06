/* What the SBOM (sbom.h) and provenance (provenance.h) generators share:
 * both name a digest's algorithm apart from its hex digits. */
#ifndef WP_SUPPLY_CHAIN_H
#define WP_SUPPLY_CHAIN_H

#include "../lib/error.h"

/* *out = the 64 hex digits of digest, which must be "sha256:<64 hex>"
 * (SPDX and in-toto name the algorithm apart); borrowed from digest. `what`
 * names it in the error ("module digest"). */
int supply_chain_sha256_hex(const char *digest, const char *what, const char **out, wp_error **err);

#endif
