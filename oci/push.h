/* Pushing an image from a layout to a repository (distribution-spec push):
 * every blob is checked with HEAD and skipped when present, mounted from
 * another repository of the same registry when one is named, else uploaded
 * (POST + PUT of the whole blob by default; PATCH chunks above a size, with
 * resume after a broken chunk), several at a time; then the manifests by
 * digest (children of an index first), and the tags last, so a failed push
 * never leaves a tag pointing at something incomplete. */
#ifndef WP_PUSH_H
#define WP_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/digest.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "descriptor.h"
#include "layout.h"
#include "registry.h"

typedef enum wp_push_event_kind {
	WP_PUSH_BLOB_START,    /* a blob is being looked at */
	WP_PUSH_BLOB_PROGRESS, /* bytes sent so far */
	WP_PUSH_BLOB_DONE,     /* how: "exists", "mounted" or "pushed" */
	WP_PUSH_MANIFEST,      /* a manifest went up by digest */
	WP_PUSH_TAG,	       /* a tag now points at the image */
} wp_push_event_kind;

typedef struct wp_push_event {
	wp_push_event_kind kind;
	const char *digest;
	const char *media_type;
	int64_t size;
	int64_t done;
	const char *how;
	const char *tag;
} wp_push_event;

typedef struct wp_push_options {
	int jobs;		/* blobs at a time; 0: 4 */
	const char *mount_from; /* another repository of the registry holding the blobs */
	int64_t chunk_size;	/* > 0: blobs larger than this go up in chunks of this size */
	void (*event)(void *ctx, const wp_push_event *e); /* called from several threads */
	void *event_ctx;
} wp_push_options;

typedef struct wp_push_result {
	char digest[WP_DIGEST_SIZE]; /* of the image pushed */
	int blobs_pushed;
	int blobs_existing;
	int blobs_mounted;
	int64_t bytes_pushed;
	/* the OCI-Subject header the registry answered the image's manifest PUT
	 * with (OCI 1.1: it indexed the image as a referrer of that digest);
	 * "" when it sent none */
	char subject[WP_DIGEST_SIZE];
} wp_push_result;

/* Where the bytes of the image come from. */
typedef struct wp_push_source {
	/* the bytes of manifest or index d, checked against its digest */
	int (*read_manifest)(void *ctx, const wp_descriptor *d, wp_buf *out, wp_error **err);
	/* 0 when blob d can be read, else why not (asked before anything is sent) */
	int (*check_blob)(void *ctx, const wp_descriptor *d, wp_error **err);
	/* the blob's bytes from its start: a file (*seekable: sent in chunks,
	 * resumed) or a stream such as a pipe (read once) */
	int (*open_blob)(void *ctx, const char *digest, int64_t size, int *fd, bool *seekable,
			 void **state, wp_error **err);
	/* closes fd once the upload is over; returns the source's own failure
	 * (it explains the upload's, and is what is reported) */
	int (*close_blob)(void *ctx, int fd, void *state, wp_error **err);
	void *ctx;
} wp_push_source;

int wp_push_image_from(wp_registry *r, const char *repository, const wp_push_source *src,
		       const wp_descriptor *image, const char *const *tags, size_t n_tags,
		       const wp_push_options *o, wp_push_result *res, wp_error **err);

/* From a layout. */
int wp_push_image(wp_registry *r, const char *repository, const wp_layout *src,
		  const wp_descriptor *image, const char *const *tags, size_t n_tags,
		  const wp_push_options *o, wp_push_result *res, wp_error **err);

#endif
