/* Archive backends: an OCI image layout as one tar (oci-archive), and the
 * `docker save` format (docker-archive: manifest.json with RepoTags, the
 * config as <hex>.json, each layer uncompressed as <diff_id hex>.tar), which
 * `docker load` and skopeo read. Entries are sorted and normalised like
 * layer entries, so archives are reproducible too. */
#ifndef WP_ARCHIVE_H
#define WP_ARCHIVE_H

#include <stdint.h>

#include "../lib/error.h"
#include "../lib/sink.h"
#include "../lib/str.h"
#include "image_build.h"
#include "layout.h"

int wp_oci_archive_write(const wp_layout *l, wp_sink sink, int64_t mtime, wp_error **err);

/* One layer of a docker-archive: a file holding it uncompressed, whose
 * digest is diff_id. */
typedef struct wp_docker_layer {
	const char *tar_path;
	const char *diff_id;
} wp_docker_layer;

/* The image of config_digest (a blob of l) and its layers, in order;
 * repo_tags: "hello:v1" forms. */
int wp_docker_archive_write(const wp_layout *l, const char *config_digest,
			    const wp_docker_layer *layers, size_t n_layers,
			    const wp_strv *repo_tags, wp_sink sink, int64_t mtime, wp_error **err);

#endif
