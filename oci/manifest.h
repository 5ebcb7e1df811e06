/* Image manifests (OCI image-manifest.md and Docker schema2) and image
 * indexes (OCI image-index.md and Docker manifest lists): C structs,
 * canonical serialization and validating parsers. */
#ifndef WP_MANIFEST_H
#define WP_MANIFEST_H

#include <stddef.h>

#include "../lib/buf.h"
#include "../lib/error.h"
#include "descriptor.h"

/* Registries refuse manifests over 4 MiB; so do we, on read and write. */
#define WP_MANIFEST_MAX (4u * 1024 * 1024)

typedef struct wp_manifest {
	char *media_type;    /* written out; NULL only when read without one */
	char *artifact_type; /* optional */
	wp_descriptor config;
	wp_descriptor *layers;
	size_t n_layers;
	wp_descriptor *subject; /* optional */
	wp_kv annotations;
} wp_manifest;

typedef struct wp_index {
	char *media_type;
	char *artifact_type;
	wp_descriptor *manifests;
	size_t n_manifests;
	wp_descriptor *subject;
	wp_kv annotations;
} wp_index;

/* Appends a copy of d. */
int wp_manifest_add_layer(wp_manifest *m, const wp_descriptor *d, wp_error **err);
/* Canonical bytes (sorted keys, compact) into out. Docker schema2 manifests
 * cannot carry annotations, artifactType or subject: asking is an error. */
int wp_manifest_serialize(const wp_manifest *m, wp_buf *out, wp_error **err);
/* Parses and validates; `what` names the document in errors. */
int wp_manifest_parse(wp_manifest *out, const char *data, size_t len, const char *what,
		      wp_error **err);
void wp_manifest_release(wp_manifest *m);

int wp_index_add_manifest(wp_index *idx, const wp_descriptor *d, wp_error **err);
int wp_index_serialize(const wp_index *idx, wp_buf *out, wp_error **err);
int wp_index_parse(wp_index *out, const char *data, size_t len, const char *what, wp_error **err);
void wp_index_release(wp_index *idx);

#endif
