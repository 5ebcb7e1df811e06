/* Assembles an image from plans of files, one layer each (usually one): the
 * layers, the image config and the manifest, all stored as blobs in a
 * layout. One image manifest, never an index, so no attestation entries can
 * appear. */
#ifndef WP_IMAGE_BUILD_H
#define WP_IMAGE_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/error.h"
#include "../lib/str.h"
#include "descriptor.h"
#include "layer.h"
#include "layout.h"
#include "manifest.h"

/* One layer of an image: its files, and its history line. */
typedef struct wp_image_layer {
	const wp_layer_plan *files;
	const char *history; /* created_by; NULL: no history entry */
} wp_image_layer;

typedef struct wp_image_spec {
	wp_platform platform;
	bool docker_media_types; /* Docker schema2 instead of OCI */
	int64_t created;	 /* seconds since the epoch; -1: no timestamps */
	wp_strv entrypoint;
	wp_strv cmd;
	bool has_cmd;
	wp_strv env;
	wp_strv exposed_ports;
	wp_kv labels;
	wp_kv annotations; /* on the manifest */
	const char *working_dir;
	const char *user;
	const char *author;
	const char *history; /* created_by of the layer's history entry */
	const wp_layer_plan *files;
	/* several layers, in order, instead of files and history (a
	 * Dockerfile's COPYs); the tee (layer.tee_fd) is not used then */
	const wp_image_layer *layers;
	size_t n_layers;
	wp_layer_options layer;
} wp_image_spec;

typedef struct wp_built_image {
	wp_descriptor manifest;
	wp_descriptor config;
	wp_layer_result layer;	 /* the first layer */
	wp_layer_result *layers; /* all of them; owned */
	size_t n_layers;
} wp_built_image;

/* Checks the combinations a registry or runtime would refuse (zstd or
 * annotations with Docker media types) before anything is written. */
int wp_image_spec_check(const wp_image_spec *spec, wp_error **err);
/* Serializes m, stores it in l and describes it in *out. */
int wp_image_store_manifest(wp_layout *l, const wp_manifest *m, wp_descriptor *out, wp_error **err);
int wp_image_build(wp_layout *l, const wp_image_spec *spec, wp_built_image *out, wp_error **err);
void wp_built_image_release(wp_built_image *img);

#endif
