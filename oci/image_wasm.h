/* The module an image runs, found as the Wasm runtimes find it
 * (containerd/runwasi, crun): a layer of media type application/wasm (the
 * CNCF Wasm artifact, runwasi's wasm-layer images) or
 * application/vnd.bytecodealliance.wasm.component.layer.v0+wasm, else the
 * file the config's Entrypoint names (without one, Cmd; "path#func" is a
 * path and the function to call) in the image's filesystem. */
#ifndef WP_IMAGE_WASM_H
#define WP_IMAGE_WASM_H

#include <stdint.h>

#include "../lib/error.h"
#include "config.h"
#include "extract.h"
#include "layout.h"
#include "manifest.h"

typedef struct wp_image_wasm {
	const wp_descriptor *layer; /* the module's own layer (borrowed from the manifest), or */
	char *path;		    /* its path in the image; owned */
} wp_image_wasm;

/* config: the image config, NULL when the manifest's config is not one
 * (a Wasm artifact's). WP_ENOTFOUND when the image names no module. */
int wp_image_find_wasm(const wp_manifest *m, const wp_image_config *config, wp_image_wasm *out,
		       wp_error **err);
void wp_image_wasm_release(wp_image_wasm *w);

/* Writes the module (from l's blobs) to out_path, checked to start with
 * "\0asm", at most max_size bytes (0: 1 GiB); written to a temporary name
 * and renamed. */
int wp_image_write_wasm(const wp_layout *l, const wp_manifest *m, const wp_image_wasm *w,
			const char *out_path, uint64_t max_size, wp_error **err);

/* Applies every layer of m, in order, to dir (missing or empty), safely
 * (extract.h); o (limits) may be NULL. */
int wp_image_extract(const wp_layout *l, const wp_manifest *m, const char *dir,
		     const wp_extract_options *o, wp_error **err);

#endif
