/* Copying an image from one repository to another, registry to registry:
 * the manifests are read from the source (each checked against its
 * digest) and pushed the way wp_push_image pushes (blobs the destination
 * has are skipped, mounted when both repositories are on one registry,
 * tags last); every other blob is streamed from the source's GET into the
 * destination's PUT through a pipe, never written to disk, its digest and
 * size checked on the way (and by the destination). An index goes with all
 * its children, byte for byte, unless a platform is asked for. With
 * referrers, the manifests whose subject is the copied image (the OCI
 * referrers API, else the sha256-<hex> tag) go too. */
#ifndef WP_COPY_H
#define WP_COPY_H

#include <stdbool.h>

#include "../lib/error.h"
#include "descriptor.h"
#include "push.h"
#include "registry.h"

typedef struct wp_copy_options {
	const wp_platform *platform; /* an index: copy only its image for this */
	int jobs;		     /* blobs at a time; 0: 4 */
	bool referrers;
	bool same_registry; /* src and dst are one registry: blobs are mounted */
	void (*event)(void *ctx, const wp_push_event *e); /* from several threads */
	void *event_ctx;
} wp_copy_options;

typedef struct wp_copy_result {
	char digest[WP_DIGEST_SIZE]; /* of what was copied */
	int referrers;		     /* manifests copied as referrers */
	wp_push_result push;
} wp_copy_result;

/* src_ref: a tag or digest of src_repo; dst_tag: the tag to set, NULL to
 * copy by digest only. */
int wp_copy_image(wp_registry *src, const char *src_repo, const char *src_ref, wp_registry *dst,
		  const char *dst_repo, const char *dst_tag, const wp_copy_options *o,
		  wp_copy_result *res, wp_error **err);

#endif
