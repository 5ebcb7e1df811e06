/* An image to look into (inspect, pull --wasm/--extract), wherever it is:
 * a local source (a layout or an archive), a registry image pulled and
 * verified into a temporary directory (removed on release), or an image
 * just pulled into a layout. An index is resolved to one image. */
#ifndef WP_IMAGE_VIEW_H
#define WP_IMAGE_VIEW_H

#include <stdbool.h>

#include "remote_args.h"
#include "../lib/buf.h"
#include "../oci/config.h"
#include "../oci/manifest.h"
#include "../oci/source.h"

struct image_view {
	wp_source src;	     /* owned layout (or staging directory), if any */
	const wp_layout *l;  /* where the blobs are */
	wp_descriptor top;   /* what was named: a manifest or an index */
	wp_buf top_bytes;    /* as stored */
	wp_descriptor image; /* the image manifest (picked from an index) */
	wp_manifest m;
	wp_buf config_bytes; /* as stored */
	wp_image_config config;
	bool has_config; /* an image config (not a Wasm artifact's) */
	char *platform;	 /* of the index entry picked, or NULL */
};

/* source: a local source spec (wp_source_is_spec) or a registry reference.
 * top_only: read only what was named (no blobs fetched, nothing parsed). */
int image_view_open(struct image_view *v, const char *source, const wp_platform *platform,
		    const struct remote_args *remote, bool top_only, wp_error **err);
/* The image top names in l (borrowed; it must outlive v). */
int image_view_open_layout(struct image_view *v, const wp_layout *l, const wp_descriptor *top,
			   const wp_platform *platform, wp_error **err);
void image_view_release(struct image_view *v);

/* The module the image runs, to out_path (oci/image_wasm.h). */
int image_view_write_wasm(const struct image_view *v, const char *out_path, uint64_t max_size,
			  wp_error **err);

#endif
