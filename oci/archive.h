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

/* layer_tar: a file holding the uncompressed layer (its digest is the
 * image's diff_id); repo_tags: "hello:v1" forms. */
int wp_docker_archive_write(const wp_layout *l, const wp_built_image *img, const char *layer_tar,
			    const wp_strv *repo_tags, wp_sink sink, int64_t mtime, wp_error **err);

#endif
