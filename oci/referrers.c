#include <ctype.h>

#include "referrers.h"
#include "mediatype.h"
#include "../lib/http.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

const char *wp_referrers_mechanism_name(wp_referrers_mechanism m)
{
	return m == WP_REFERRERS_API ? "api" : "tag";
}

/* ---- pure ---- */

static void tag_chars(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			s[i] = '-';
}

char *wp_referrers_tag(const char *digest)
{
	const char *colon = strchr(digest, ':');
	size_t alg = colon ? (size_t)(colon - digest) : strlen(digest);
	const char *enc = colon ? colon + 1 : "";
	char *tag = wp_strdup_printf("%.*s-%.64s", (int)(alg < 32 ? alg : 32), digest, enc);

	if (tag)
		tag_chars(tag, strlen(tag));
	return tag;
}

const char *wp_referrers_guess_media_type(const char *name)
{
	return name && wp_str_has_suffix(name, ".json") ? "application/json"
							: "application/octet-stream";
}

static int empty_descriptor(wp_descriptor *out, wp_error **err)
{
	return wp_descriptor_set(out, WP_MT_OCI_EMPTY, WP_EMPTY_JSON_DIGEST,
				 (int64_t)strlen(WP_EMPTY_JSON), err);
}

int wp_referrers_manifest_init(wp_manifest *out, const wp_descriptor *subject,
			       const char *artifact_type, const wp_descriptor *layers,
			       size_t n_layers, const wp_kv *annotations, wp_error **err)
{
	wp_manifest m = {0};
	wp_descriptor empty = {0};
	int r = wp_strdup(&m.media_type, WP_MT_OCI_MANIFEST, err);

	if (r == 0)
		r = wp_strdup(&m.artifact_type, artifact_type, err);
	if (r == 0)
		r = empty_descriptor(&m.config, err);
	if (r == 0 && !(m.subject = calloc(1, sizeof(*m.subject))))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_descriptor_set(m.subject, subject->media_type, subject->digest,
				      subject->size, err);
	for (size_t i = 0; r == 0 && i < n_layers; i++)
		r = wp_manifest_add_layer(&m, &layers[i], err);
	/* a manifest without content still has one layer (image-spec) */
	if (r == 0 && n_layers == 0 && (r = empty_descriptor(&empty, err)) == 0)
		r = wp_manifest_add_layer(&m, &empty, err);
	for (size_t i = 0; r == 0 && annotations && i < annotations->len; i++)
		r = wp_kv_set(&m.annotations, annotations->items[i].key,
			      annotations->items[i].value, err);
	wp_descriptor_release(&empty);
	if (r < 0) {
		wp_manifest_release(&m);
		return r;
	}
	*out = m;
	return 0;
}

int wp_referrers_descriptor(wp_descriptor *out, const wp_manifest *m, const char *digest,
			    int64_t size, wp_error **err)
{
	wp_descriptor d = {0};
	const char *at = m->artifact_type ? m->artifact_type : m->config.media_type;
	int r = wp_descriptor_set(&d, m->media_type ? m->media_type : WP_MT_OCI_MANIFEST, digest,
				  size, err);

	if (r == 0)
		r = wp_strdup(&d.artifact_type, at, err);
	for (size_t i = 0; r == 0 && i < m->annotations.len; i++)
		r = wp_kv_set(&d.annotations, m->annotations.items[i].key,
			      m->annotations.items[i].value, err);
	if (r < 0) {
		wp_descriptor_release(&d);
		return r;
	}
	*out = d;
	return 0;
}

int wp_referrers_index_add(wp_index *idx, const wp_descriptor *d, bool *added, wp_error **err)
{
	int r = 0;

	*added = false;
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (strcmp(idx->manifests[i].digest, d->digest) == 0)
			return 0;
	if (!idx->media_type)
		r = wp_strdup(&idx->media_type, WP_MT_OCI_INDEX, err);
	if (r == 0)
		r = wp_index_add_manifest(idx, d, err);
	*added = r == 0;
	return r;
}

void wp_referrers_filter(wp_index *idx, const char *artifact_type)
{
	size_t kept = 0;

	if (!artifact_type)
		return;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		if (wp_str_eq(idx->manifests[i].artifact_type, artifact_type))
			idx->manifests[kept++] = idx->manifests[i];
		else
			wp_descriptor_release(&idx->manifests[i]);
	}
	idx->n_manifests = kept;
}

/* ---- listing ---- */

void wp_referrers_release(wp_referrers *refs)
{
	wp_index_release(&refs->index);
	wp_remote_manifest_release(&refs->tag_index);
}

typedef struct api_pages {
	wp_registry *r;
	const char *what;
	bool supported;
	wp_index idx;
} api_pages;

/* One page of the referrers API into ap->idx; a first answer that is a
 * refusal short of authentication, rate limits and server errors means
 * there is no API. */
static int api_page(void *ctx, int n, const wp_http_response *resp, wp_error **err)
{
	api_pages *ap = ctx;
	long st = resp->status;
	wp_index page = {0};
	int r;

	if (n == 0 && st != 200 && st != 401 && st != 403 && st != 429 && st < 500) {
		wp_log_debug("%s: no referrers API (%ld)", ap->what, st);
		ap->supported = false;
		return 1;
	}
	if (st != 200)
		return wp_registry_fail(ap->r, resp, ap->what, err);
	r = wp_index_parse(&page, resp->body.data, resp->body.len, ap->what, err);
	for (size_t i = 0; r == 0 && i < page.n_manifests; i++)
		r = wp_index_add_manifest(&ap->idx, &page.manifests[i], err);
	wp_index_release(&page);
	return r;
}

/* GET /v2/<repo>/referrers/<digest>, every page into out. *supported:
 * false when the registry has no referrers API (out is then untouched). */
static int list_api(wp_registry *r, const char *repo, const char *digest, const char *artifact_type,
		    wp_index *out, bool *supported, wp_error **err)
{
	_cleanup_free_ char *what = wp_strdup_printf("referrers of %s@%s", repo, digest);
	_cleanup_free_ char *esc = artifact_type ? wp_url_escape(artifact_type) : NULL;
	_cleanup_free_ char *path =
		esc ? wp_strdup_printf("/v2/%s/referrers/%s?artifactType=%s", repo, digest, esc)
		    : wp_strdup_printf("/v2/%s/referrers/%s", repo, digest);
	api_pages ap = {.r = r, .what = what, .supported = true};
	wp_strv headers = {0};
	int rc = what && path && (esc || !artifact_type) ? 0 : wp_error_oom(err);

	if (rc == 0)
		rc = wp_strv_push(&headers, "Accept: " WP_MT_OCI_INDEX, err);
	if (rc == 0)
		rc = wp_remote_get_paged(r, repo, path, &headers, WP_MANIFEST_MAX, what, api_page,
					 &ap, err);
	if (rc == 0 && ap.supported)
		rc = wp_strdup(&ap.idx.media_type, WP_MT_OCI_INDEX, err);
	wp_strv_release(&headers);
	*supported = ap.supported;
	if (rc < 0 || !ap.supported) {
		wp_index_release(&ap.idx);
		return rc;
	}
	*out = ap.idx;
	return 0;
}

/* The index at the referrers tag of digest: *idx empty and *stored
 * untouched when the tag does not exist. */
static int read_tag(wp_registry *r, const char *repo, const char *digest, wp_index *idx,
		    wp_remote_manifest *stored, wp_error **err)
{
	_cleanup_free_ char *tag = wp_referrers_tag(digest);
	_cleanup_free_ char *what = wp_strdup_printf("referrers tag %s:%s", repo, tag);
	wp_remote_manifest m = {0};
	wp_error *e = NULL;
	int rc = tag && what ? 0 : wp_error_oom(err);

	if (rc == 0)
		rc = wp_remote_get_manifest(r, repo, tag, &m, &e);
	if (rc == WP_ENOTFOUND) {
		wp_error_free(e);
		return wp_strdup(&idx->media_type, WP_MT_OCI_INDEX, err);
	}
	if (rc < 0)
		return e ? wp_error_move(err, e, rc) : rc;
	if (!wp_media_type_is_index(m.media_type))
		rc = wp_error_set(err, WP_EINVALID,
				  "%s: holds a %s, not an image index; it is not a referrers list",
				  what, m.media_type);
	if (rc == 0)
		rc = wp_index_parse(idx, m.bytes.data, m.bytes.len, what, err);
	if (rc < 0) {
		wp_remote_manifest_release(&m);
		return rc;
	}
	*stored = m;
	return 0;
}

int wp_referrers_probe(wp_registry *r, const char *repo, const char *digest, bool *supported,
		       wp_error **err)
{
	wp_index idx = {0};
	int rc = list_api(r, repo, digest, NULL, &idx, supported, err);

	wp_index_release(&idx);
	return rc;
}

int wp_referrers_list(wp_registry *r, const char *repo, const char *digest,
		      const char *artifact_type, wp_referrers *out, wp_error **err)
{
	wp_referrers refs = {.mechanism = WP_REFERRERS_API};
	bool api = false;
	int rc = list_api(r, repo, digest, artifact_type, &refs.index, &api, err);

	if (rc == 0 && !api) {
		refs.mechanism = WP_REFERRERS_TAG;
		rc = read_tag(r, repo, digest, &refs.index, &refs.tag_index, err);
	}
	/* a registry may ignore ?artifactType= (no OCI-Filters-Applied) */
	if (rc == 0)
		wp_referrers_filter(&refs.index, artifact_type);
	if (rc < 0) {
		wp_referrers_release(&refs);
		return rc;
	}
	*out = refs;
	return 0;
}

/* ---- the referrers tag ---- */

/* Reads the tag, merges refs and puts it back when anything was added. */
static int tag_merge(wp_registry *r, const char *repo, const char *tag, const char *subject_digest,
		     const wp_descriptor *refs, size_t n_refs, wp_error **err)
{
	wp_index idx = {0};
	wp_remote_manifest stored = {0};
	wp_buf bytes = WP_BUF_INIT(WP_MANIFEST_MAX);
	bool changed = false;
	int rc = read_tag(r, repo, subject_digest, &idx, &stored, err);

	for (size_t i = 0; rc == 0 && i < n_refs; i++) {
		bool added;

		rc = wp_referrers_index_add(&idx, &refs[i], &added, err);
		changed = changed || added;
	}
	if (rc == 0 && changed)
		rc = wp_index_serialize(&idx, &bytes, err);
	if (rc == 0 && changed)
		rc = wp_remote_put_manifest_if(r, repo, tag, WP_MT_OCI_INDEX, bytes.data, bytes.len,
					       stored.media_type ? stored.digest : NULL, err);
	wp_buf_release(&bytes);
	wp_remote_manifest_release(&stored);
	wp_index_release(&idx);
	return rc;
}

int wp_referrers_tag_add(wp_registry *r, const char *repo, const char *subject_digest,
			 const wp_descriptor *refs, size_t n_refs, wp_error **err)
{
	_cleanup_free_ char *tag = wp_referrers_tag(subject_digest);
	wp_error *e = NULL;
	int rc;

	if (!tag)
		return wp_error_oom(err);
	rc = tag_merge(r, repo, tag, subject_digest, refs, n_refs, &e);
	if (rc == WP_EEXISTS) {
		/* another writer between our read and our put: once more */
		wp_log_debug("%s:%s changed while being updated; reading it again", repo, tag);
		wp_error_free(e);
		e = NULL;
		rc = tag_merge(r, repo, tag, subject_digest, refs, n_refs, &e);
	}
	return rc < 0 ? wp_error_move(err, e, rc) : 0;
}
