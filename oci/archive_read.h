/* Reading the archive backends: an oci-archive is unpacked into a directory
 * (only the layout's own files: oci-layout, index.json, blobs/<alg>/<hex>;
 * anything else is skipped, no entry can escape the directory); a
 * docker-archive (`docker save` format) is imported into a layout as an OCI
 * image whose layers are gzip-compressed the way `wasmpack build` does it. */
#ifndef WP_ARCHIVE_READ_H
#define WP_ARCHIVE_READ_H

#include "../lib/error.h"
#include "../lib/str.h"
#include "descriptor.h"
#include "layout.h"

int wp_oci_archive_extract(const char *archive, const char *dir, wp_error **err);

/* Imports the image of a docker-archive (the one tagged `tag`, or the only
 * one when tag is NULL) into l; *manifest describes the new OCI manifest and
 * *repo_tags (optional) receives its RepoTags. */
int wp_docker_archive_import(const char *archive, const char *tag, wp_layout *l,
			     wp_descriptor *manifest, wp_strv *repo_tags, wp_error **err);

#endif
