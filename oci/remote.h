/* Reading a repository (distribution-spec pull and content discovery):
 * manifests by tag or digest, checked against the digest asked for and the
 * one the registry states; blobs streamed to a sink while their digest and
 * size are checked; tag lists across pages; tagging and deleting
 * manifests. Every call goes through wp_registry_call_send (auth, retries).
 * Nothing here writes files: callers decide where verified bytes go. */
#ifndef WP_REMOTE_H
#define WP_REMOTE_H

#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/digest.h"
#include "../lib/error.h"
#include "../lib/sink.h"
#include "../lib/str.h"
#include "descriptor.h"
#include "registry.h"

/* A manifest or index as the registry stored it. */
typedef struct wp_remote_manifest {
	char digest[WP_DIGEST_SIZE]; /* of bytes, verified */
	char *media_type;	     /* owned: Content-Type, else the document's mediaType */
	wp_buf bytes;
} wp_remote_manifest;

void wp_remote_manifest_release(wp_remote_manifest *m);

/* GET /v2/<repo>/manifests/<ref>, ref a tag or a digest, accepting OCI and
 * Docker manifests and indexes. The bytes must hash to ref when it is a
 * digest, and to the Docker-Content-Digest header when there is one;
 * otherwise WP_EDIGEST. A missing manifest is WP_ENOTFOUND. */
int wp_remote_get_manifest(wp_registry *r, const char *repo, const char *ref,
			   wp_remote_manifest *out, wp_error **err);

/* The digest, media type and size of a manifest without its bytes (HEAD);
 * registries that state no digest are asked with GET and the bytes hashed. */
int wp_remote_resolve(wp_registry *r, const char *repo, const char *ref, wp_descriptor *out,
		      wp_error **err);

/* Streams blob d to sink; fails with WP_EDIGEST when the bytes do not match
 * d's digest and size (the sink has then seen bad bytes: the caller throws
 * them away). Not retried here: a retry needs a fresh sink. */
int wp_remote_get_blob(wp_registry *r, const char *repo, const wp_descriptor *d,
		       const wp_sink *sink, void (*progress)(void *ctx, int64_t received),
		       void *progress_ctx, wp_error **err);

/* PUT /v2/<repo>/manifests/<ref> (a tag or the manifest's digest). */
int wp_remote_put_manifest(wp_registry *r, const char *repo, const char *ref,
			   const char *media_type, const void *bytes, size_t len, wp_error **err);
/* The same, only if ref still names the manifest if_match (a digest; sent
 * as If-Match, the ETag registries give manifests); NULL: unconditionally.
 * A registry that honours it and finds ref changed answers 412: WP_EEXISTS.
 * Registries without conditional requests ignore it. */
int wp_remote_put_manifest_if(wp_registry *r, const char *repo, const char *ref,
			      const char *media_type, const void *bytes, size_t len,
			      const char *if_match, wp_error **err);

/* Every tag of repo, in the registry's order, following Link pagination
 * (page: tags asked per request; 0: the registry's default). */
int wp_remote_list_tags(wp_registry *r, const char *repo, int page, wp_strv *out, wp_error **err);

/* GET path (pull scope on repo), then each page its Link header names
 * (rel="next"), up to 100000. Each response, whatever its status, goes to
 * page (n counts from 0): 0 goes on, > 0 stops, < 0 fails. what names the
 * list in errors. */
int wp_remote_get_paged(wp_registry *r, const char *repo, const char *path, const wp_strv *headers,
			size_t body_max, const char *what,
			int (*page)(void *ctx, int n, const wp_http_response *resp, wp_error **err),
			void *ctx, wp_error **err);

/* DELETE /v2/<repo>/manifests/<digest>; a registry that does not allow it
 * is WP_EUNSUPPORTED, with what to change. */
int wp_remote_delete_manifest(wp_registry *r, const char *repo, const char *digest, wp_error **err);

#endif
