/* An image index over images already in a layout: the multi-platform image
 * (the wasi/wasm image first, then native builds), never with attestation
 * entries. */
#ifndef WP_IMAGE_INDEX_H
#define WP_IMAGE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"
#include "descriptor.h"
#include "layout.h"

/* images: manifest descriptors, each with its platform (and any
 * annotations of the entry), in the order the index lists them;
 * annotations: the index's own, or NULL. Stores the index in l and describes
 * it in *out. */
int wp_image_index_build(wp_layout *l, const wp_descriptor *images, size_t n,
			 const wp_kv *annotations, bool docker_media_types, wp_descriptor *out,
			 wp_error **err);

#endif
