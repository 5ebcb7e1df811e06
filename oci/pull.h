/* Pulling an image from a repository into a layout (distribution-spec
 * pull): the manifest, an index resolved to one platform's image, then the
 * config and layers several at a time, each streamed into a temporary blob
 * file while its digest and size are checked, and renamed to its digest
 * only when they match; a broken transfer starts that blob again. Blobs the
 * layout already has are not fetched. The caller tags the image and rolls
 * the layout back on failure (wp_layout_rollback), so nothing unverified
 * stays. */
#ifndef WP_PULL_H
#define WP_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/error.h"
#include "descriptor.h"
#include "layout.h"
#include "manifest.h"
#include "registry.h"

typedef enum wp_pull_event_kind {
	WP_PULL_INDEX,	   /* an index was resolved to the image: digest is the index */
	WP_PULL_BLOB_DONE, /* how: "present" or "fetched" */
	WP_PULL_MANIFEST,  /* the image manifest was stored */
} wp_pull_event_kind;

typedef struct wp_pull_event {
	wp_pull_event_kind kind;
	const char *digest;
	const char *media_type;
	int64_t size;
	const char *how;
	const char *platform;
} wp_pull_event;

typedef struct wp_pull_options {
	const wp_platform *platform; /* NULL: wasi/wasm, then wasip1/wasm, then wasip2/wasm */
	bool whole_index; /* an index: keep it with every image it lists (platform unused) */
	int jobs;	  /* blobs at a time; 0: 4 */
	void (*event)(void *ctx, const wp_pull_event *e); /* from several threads */
	void *event_ctx;
} wp_pull_options;

typedef struct wp_pull_result {
	wp_descriptor image;		   /* the manifest (or whole index) stored; owned */
	char index_digest[WP_DIGEST_SIZE]; /* the index it was picked from; "" if none */
	int blobs_fetched;
	int blobs_present;
	int64_t bytes_fetched;
} wp_pull_result;

/* ref: a tag or a digest of repo. */
int wp_pull_image(wp_registry *r, const char *repo, const char *ref, wp_layout *dest,
		  const wp_pull_options *o, wp_pull_result *res, wp_error **err);
void wp_pull_result_release(wp_pull_result *res);

/* The image of idx for platform (NULL: the Wasm platforms in order),
 * skipping attestation manifests (unknown/unknown, or annotated
 * vnd.docker.reference.type=attestation-manifest); `what` names the index.
 * WP_ENOTFOUND, listing the platforms there are, when none fits. */
int wp_index_pick(const wp_index *idx, const wp_platform *platform, const char *what,
		  const wp_descriptor **out, wp_error **err);

#endif
