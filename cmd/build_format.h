/* build --format: the shape of the image (../shared/docs/WASM-OCI.md).
 * image (default) is oci/image_build's; artifact and wasm-layer carry the
 * module as one raw application/wasm layer (oci/wasm_image.h). */
#ifndef WP_BUILD_FORMAT_H
#define WP_BUILD_FORMAT_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../oci/image_build.h"
#include "../oci/wasm_image.h"

typedef enum build_format {
	BUILD_FORMAT_IMAGE,
	BUILD_FORMAT_ARTIFACT,
	BUILD_FORMAT_WASM_LAYER,
} build_format;

/* "image", "artifact" or "wasm-layer"; anything else is a WP_EUSAGE error. */
int build_format_parse(const char *s, build_format *out, wp_error **err);
const char *build_format_name(build_format f);

/* The raw-layer image of module (the file to store) for spec's config
 * (created, author, cmd, env, labels, annotations); entrypoint's base name
 * is the layer's title. A component's imports and exports (WIT names) are
 * read from module for the artifact config. */
int build_format_wasm_image(wp_layout *l, build_format f, const char *module, bool component,
			    const char *entrypoint, const wp_image_spec *spec, wp_built_image *out,
			    wp_error **err);

#endif
