/* The two image shapes that carry the module as one raw (untarred)
 * `application/wasm` layer (../shared/docs/WASM-OCI.md):
 *   artifact    the CNCF TAG Runtime Wasm OCI artifact: config
 *               application/vnd.wasm.config.v0+json (created, author,
 *               architecture "wasm", os wasip1|wasip2, layerDigests, and
 *               for components component {exports, imports, target}); no
 *               artifactType; what wkg, rust-oci-wasm and runwasi read.
 *   wasm-layer  runwasi's wasm-layer image: a standard OCI image config
 *               (os wasip1, architecture wasm, Entrypoint ["<name>.wasm"],
 *               rootfs.diff_ids [] and the containerd.runwasi.layers
 *               label that keeps configs of different layers apart).
 * Both: one manifest with mediaType written out, the layer annotated
 * org.opencontainers.image.title. */
#ifndef WP_WASM_IMAGE_H
#define WP_WASM_IMAGE_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../lib/str.h"
#include "image_build.h"
#include "layout.h"

typedef enum wp_wasm_image_kind {
	WP_WASM_IMAGE_ARTIFACT,
	WP_WASM_IMAGE_WASM_LAYER,
} wp_wasm_image_kind;

typedef struct wp_wasm_image_spec {
	wp_wasm_image_kind kind;
	const char *module_path; /* the file stored as the layer */
	const char *title;	 /* its name in the image: "hello.wasm" */
	const char *os;		 /* "wasip1" or "wasip2" */
	int64_t created;	 /* seconds since the epoch; -1: none (the artifact,
				  * which requires it: 1970-01-01T00:00:00Z) */
	const char *author;	 /* NULL: none */
	/* artifact, components only: WIT names, e.g. "wasi:cli/run@0.2.0" */
	bool component;
	const wp_strv *component_imports;
	const wp_strv *component_exports;
	const char *component_target; /* NULL: none */
	/* wasm-layer only: the rest of the config */
	const wp_strv *cmd;
	const wp_strv *env;
	const wp_kv *labels;
	const wp_kv *annotations; /* on the manifest */
} wp_wasm_image_spec;

/* Stores the layer, config and manifest in l; out->layer describes the raw
 * layer (its diff_id is its digest: nothing is tarred). */
int wp_wasm_image_build(wp_layout *l, const wp_wasm_image_spec *spec, wp_built_image *out,
			wp_error **err);

#endif
