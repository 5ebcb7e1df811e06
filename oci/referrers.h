/* OCI 1.1 referrers: manifests that point at another manifest (their
 * `subject`) without changing it, such as signatures, SBOMs and provenance
 * (image-spec manifest.md: artifactType, subject, the empty descriptor;
 * distribution-spec: "Listing Referrers", "Pushing Manifests with Subject",
 * "Referrers Tag Schema").
 *
 * A registry with the referrers API indexes a manifest with a subject by
 * itself (its PUT answers with OCI-Subject) and lists them at
 * GET /v2/<name>/referrers/<digest>. Elsewhere (ghcr.io, Docker Hub,
 * distribution 2.8) the client keeps an image index of them at the tag
 * sha256-<hex of the subject>. The subject and its tags are never touched
 * either way: its digest stays the same. */
#ifndef WP_REFERRERS_H
#define WP_REFERRERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"
#include "descriptor.h"
#include "manifest.h"
#include "push.h"
#include "registry.h"
#include "remote.h"

/* The empty descriptor's blob: "{}" (image-spec manifest.md). */
#define WP_EMPTY_JSON "{}"
#define WP_EMPTY_JSON_DIGEST \
	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

typedef enum wp_referrers_mechanism {
	WP_REFERRERS_API, /* the registry's referrers API */
	WP_REFERRERS_TAG, /* the index at the tag sha256-<hex> */
} wp_referrers_mechanism;

/* "api" or "tag". */
const char *wp_referrers_mechanism_name(wp_referrers_mechanism m);

/* ---- pure: no registry ---- */

/* The referrers tag of digest: "<algorithm>-<encoded>" truncated to 32 and
 * 64 characters, characters a tag cannot hold turned into '-'
 * ("sha256-<hex>"). Owned; NULL when out of memory. */
char *wp_referrers_tag(const char *digest);

/* "application/json" for a name ending in .json, else
 * "application/octet-stream". Static. */
const char *wp_referrers_guess_media_type(const char *name);

/* An OCI image manifest of artifact_type whose subject is subject (its
 * mediaType, digest and size): the empty descriptor as config, copies of
 * layers (none: the empty descriptor as the only layer) and annotations
 * (NULL: none). */
int wp_referrers_manifest_init(wp_manifest *out, const wp_descriptor *subject,
			       const char *artifact_type, const wp_descriptor *layers,
			       size_t n_layers, const wp_kv *annotations, wp_error **err);

/* The descriptor a referrers list holds for manifest m stored as digest
 * (size bytes): its mediaType, artifactType (else its config's mediaType)
 * and annotations. */
int wp_referrers_descriptor(wp_descriptor *out, const wp_manifest *m, const char *digest,
			    int64_t size, wp_error **err);

/* Adds a copy of d to a referrers index unless a descriptor with its digest
 * is there (*added says which). An index without a mediaType gets the OCI
 * index's. */
int wp_referrers_index_add(wp_index *idx, const wp_descriptor *d, bool *added, wp_error **err);

/* Keeps only the descriptors of artifact_type (NULL: keeps all). */
void wp_referrers_filter(wp_index *idx, const char *artifact_type);

/* ---- on a registry ---- */

typedef struct wp_referrers {
	wp_index index; /* the referrers found, after the filter; empty when none */
	wp_referrers_mechanism mechanism;
	/* TAG: the index as stored at the tag, byte for byte (empty when the
	 * tag does not exist) */
	wp_remote_manifest tag_index;
} wp_referrers;

void wp_referrers_release(wp_referrers *refs);

/* The referrers of digest in repo: GET /v2/<repo>/referrers/<digest>
 * (?artifactType=, all pages), else (404, or another refusal short of an
 * authentication failure) the index at the referrers tag; nothing is
 * merged from the other. artifact_type: only those (NULL: all). A referrers
 * tag holding anything but an index is an error. */
int wp_referrers_list(wp_registry *r, const char *repo, const char *digest,
		      const char *artifact_type, wp_referrers *out, wp_error **err);

/* Whether repo's registry has the referrers API: GET
 * /v2/<repo>/referrers/<digest> answers 200. */
int wp_referrers_probe(wp_registry *r, const char *repo, const char *digest, bool *supported,
		       wp_error **err);

/* Adds refs (manifests whose subject is subject_digest, already pushed) to
 * the index at its referrers tag: reads it (absent: a new empty OCI index),
 * adds each descriptor not already listed, and puts it back only when
 * something was added, conditionally on the digest read (If-Match). A
 * registry that answers 412 had another writer: the tag is read and merged
 * once more; registries without conditional requests keep the last
 * writer's index. Nothing but that tag changes. */
int wp_referrers_tag_add(wp_registry *r, const char *repo, const char *subject_digest,
			 const wp_descriptor *refs, size_t n_refs, wp_error **err);

/* One blob of a referrer: a file, or bytes in memory. */
typedef struct wp_referrer_blob {
	const char *path; /* a regular file; NULL: data/len */
	const void *data; /* borrowed until wp_referrers_attach returns */
	size_t len;
	const char *media_type; /* NULL: guessed from path (or title) */
	const char *title;	/* org.opencontainers.image.title; NULL: path's basename */
} wp_referrer_blob;

typedef struct wp_attach_options {
	const char *artifact_type;   /* required */
	const wp_kv *annotations;    /* of the manifest; NULL: none */
	const wp_push_options *push; /* jobs, events; NULL: defaults */
} wp_attach_options;

typedef struct wp_attach_result {
	char digest[WP_DIGEST_SIZE]; /* of the referrer manifest */
	int64_t size;
	/* API: the registry indexed it (OCI-Subject, or a referrers API that
	 * answers); TAG: the referrers tag was updated */
	wp_referrers_mechanism mechanism;
} wp_attach_result;

/* Pushes a referrer of subject (a manifest or index of repo, as
 * wp_remote_resolve describes it) to repo: the empty config and each blob
 * as a layer (skipped when present), then the OCI image manifest with
 * artifactType and subject, by digest only; then, unless the registry
 * indexed it, wp_referrers_tag_add. A missing or unreadable file fails
 * before anything is sent. */
int wp_referrers_attach(wp_registry *r, const char *repo, const wp_descriptor *subject,
			const wp_referrer_blob *blobs, size_t n_blobs, const wp_attach_options *o,
			wp_attach_result *res, wp_error **err);

#endif
