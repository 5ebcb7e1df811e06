/* Writing a built image to a destination. Every destination is built as an
 * OCI layout first: the layout itself, or, for archives, a staging layout in
 * a temporary directory next to the archive, packed into the archive's
 * temporary name and renamed at the end. On failure nothing is left: new
 * blobs are removed, a directory this run created is removed, the staging
 * directory is removed, and an existing archive is untouched. */
#ifndef WP_OUTPUT_H
#define WP_OUTPUT_H

#include <stdint.h>

#include "../lib/error.h"
#include "destination.h"
#include "image_build.h"
#include "layout.h"
#include "reference.h"

typedef struct wp_output wp_output;

/* mtime: for entries of archives (SOURCE_DATE_EPOCH or 0). */
int wp_output_open(wp_output **out, const wp_destination *dest, int64_t mtime, wp_error **err);
/* The layout to build into; borrowed. */
wp_layout *wp_output_layout(wp_output *o);
/* For docker-archive: where the uncompressed layer must also be written
 * (wp_layer_options.tee_fd); -1 for other destinations. */
int wp_output_layer_tee(wp_output *o, const char **name);
/* Tags the image and finishes the destination. */
int wp_output_commit(wp_output *o, const wp_built_image *img, const wp_reference *tags,
		     size_t n_tags, wp_error **err);
/* The same for an image already in the layout (a pulled one); for a
 * docker-archive its layers are uncompressed and checked against the
 * config's diff_ids. */
int wp_output_commit_manifest(wp_output *o, const wp_descriptor *manifest, const wp_reference *tags,
			      size_t n_tags, wp_error **err);
/* Undoes everything unless committed; frees. */
void wp_output_free(wp_output *o);

#endif
