#include "remote.h"
#include "manifest.h"
#include "mediatype.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/common.h"

/* Every manifest kind wasmpack reads, in one Accept header. */
#define ACCEPT_MANIFESTS                                                                   \
	"Accept: " WP_MT_OCI_INDEX ", " WP_MT_OCI_MANIFEST ", " WP_MT_DOCKER_MANIFEST_LIST \
	", " WP_MT_DOCKER_MANIFEST

/* A tag list page may be long; a registry may hold many thousand tags. */
#define TAGS_PAGE_MAX ((size_t)16 << 20)
#define MAX_PAGES 100000

void wp_remote_manifest_release(wp_remote_manifest *m)
{
	free(m->media_type);
	m->media_type = NULL;
	wp_buf_release(&m->bytes);
}

/* "repository:<repo>:<actions>" as the only scope; owned by scope. */
typedef struct scope {
	char *text;
	const char *list[2];
} scope;

static int scope_init(scope *s, const char *repo, const char *actions, wp_error **err)
{
	s->text = wp_strdup_printf("repository:%s:%s", repo, actions);
	s->list[0] = s->text;
	s->list[1] = NULL;
	return s->text ? 0 : wp_error_oom(err);
}

static int call(wp_registry *r, const char *method, const char *path, const scope *s,
		const wp_strv *headers, wp_http_response *resp, wp_error **err)
{
	wp_registry_call c = {.method = method,
			      .path = path,
			      .scopes = s->list,
			      .headers = headers,
			      .retry = true};

	return wp_registry_call_send(r, &c, resp, err);
}

/* The media type of a Content-Type value without its parameters; owned. */
static char *bare_media_type(const char *value)
{
	size_t n = strcspn(value, "; \t");

	return strndup(value, n);
}

/* The document's own mediaType, or what its shape says it is. */
static int media_type_of_document(const wp_buf *bytes, const char *what, char **out, wp_error **err)
{
	_cleanup_json_ json_t *doc = NULL;
	const char *mt = NULL;
	int64_t version = 2;
	int r = wp_json_parse(&doc, bytes->data, bytes->len, what, err);

	if (r == 0)
		r = wp_json_get_int64(doc, "schemaVersion", false, what, "", &version, err);
	if (r == 0 && version != 2)
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "%s: schema version %" PRId64
				    " manifests are not supported (only version 2: OCI and "
				    "Docker schema2)",
				    what, version);
	if (r == 0)
		r = wp_json_get_string(doc, "mediaType", false, what, "", &mt, err);
	if (r < 0)
		return r;
	if (!mt)
		mt = json_object_get(doc, "manifests") ? WP_MT_OCI_INDEX : WP_MT_OCI_MANIFEST;
	return (*out = strdup(mt)) ? 0 : wp_error_oom(err);
}

static bool known_manifest_type(const char *mt)
{
	return wp_media_type_is_manifest(mt) || wp_media_type_is_index(mt);
}

/* The registry's Docker-Content-Digest, when it states a sha256 one, must
 * be the digest of what it sent. */
static int check_stated_digest(const wp_http_response *resp, const char *digest, const char *what,
			       wp_error **err)
{
	const char *stated = wp_http_header(resp, "docker-content-digest");

	if (!stated || !wp_str_has_prefix(stated, "sha256:") || strcmp(stated, digest) == 0)
		return 0;
	return wp_error_set(err, WP_EDIGEST,
			    "%s: the registry states digest %s but sent content with digest %s",
			    what, stated, digest);
}

static bool is_digest(const char *ref)
{
	return strchr(ref, ':') != NULL;
}

int wp_remote_get_manifest(wp_registry *r, const char *repo, const char *ref,
			   wp_remote_manifest *out, wp_error **err)
{
	_cleanup_free_ char *path = wp_strdup_printf("/v2/%s/manifests/%s", repo, ref);
	_cleanup_free_ char *what = wp_strdup_printf("manifest %s:%s", repo, ref);
	wp_remote_manifest m = {.bytes = WP_BUF_INIT(WP_MANIFEST_MAX)};
	wp_strv headers = {0};
	wp_http_response resp = {0};
	const char *ct;
	scope s = {0};
	int rc = path && what ? 0 : wp_error_oom(err);

	if (rc == 0 && is_digest(ref))
		rc = wp_digest_validate(ref, what, err);
	if (rc == 0 && is_digest(ref) && !wp_str_has_prefix(ref, "sha256:"))
		rc = wp_error_set(err, WP_EUNSUPPORTED, "%s: only sha256 digests are supported",
				  what);
	if (rc == 0)
		rc = scope_init(&s, repo, "pull", err);
	if (rc == 0)
		rc = wp_strv_push(&headers, ACCEPT_MANIFESTS, err);
	if (rc == 0) {
		wp_registry_call c = {.method = "GET",
				      .path = path,
				      .scopes = s.list,
				      .headers = &headers,
				      .body_max = WP_MANIFEST_MAX,
				      .retry = true};

		rc = wp_registry_call_send(r, &c, &resp, err);
		if (rc == WP_ELIMIT)
			wp_error_prefix(err, "%s", what);
	}
	if (rc == 0 && resp.status != 200)
		rc = wp_registry_fail(r, &resp, what, err);
	if (rc == 0)
		rc = wp_buf_append(&m.bytes, resp.body.data, resp.body.len, err);
	if (rc == 0)
		rc = wp_sha256_bytes(m.digest, m.bytes.data, m.bytes.len, err);
	if (rc == 0 && is_digest(ref) && strcmp(ref, m.digest) != 0)
		rc = wp_error_set(err, WP_EDIGEST,
				  "%s: the registry sent content with digest %s: refused", what,
				  m.digest);
	if (rc == 0)
		rc = check_stated_digest(&resp, m.digest, what, err);
	ct = rc == 0 ? wp_http_header(&resp, "content-type") : NULL;
	if (rc == 0 && ct && !(m.media_type = bare_media_type(ct)))
		rc = wp_error_oom(err);
	if (rc == 0 && (!m.media_type || !known_manifest_type(m.media_type))) {
		free(m.media_type);
		m.media_type = NULL;
		rc = media_type_of_document(&m.bytes, what, &m.media_type, err);
	}
	wp_http_response_release(&resp);
	wp_strv_release(&headers);
	free(s.text);
	if (rc < 0) {
		wp_remote_manifest_release(&m);
		return rc;
	}
	*out = m;
	return 0;
}

int wp_remote_resolve(wp_registry *r, const char *repo, const char *ref, wp_descriptor *out,
		      wp_error **err)
{
	_cleanup_free_ char *path = wp_strdup_printf("/v2/%s/manifests/%s", repo, ref);
	_cleanup_free_ char *what = wp_strdup_printf("manifest %s:%s", repo, ref);
	_cleanup_free_ char *mt = NULL;
	wp_strv headers = {0};
	wp_http_response resp = {0};
	const char *digest = NULL, *ct = NULL, *len = NULL;
	scope s = {0};
	int rc = path && what ? 0 : wp_error_oom(err);

	if (rc == 0)
		rc = scope_init(&s, repo, "pull", err);
	if (rc == 0)
		rc = wp_strv_push(&headers, ACCEPT_MANIFESTS, err);
	if (rc == 0)
		rc = call(r, "HEAD", path, &s, &headers, &resp, err);
	if (rc == 0 && resp.status != 200)
		rc = wp_registry_fail(r, &resp, what, err);
	if (rc == 0) {
		digest = wp_http_header(&resp, "docker-content-digest");
		ct = wp_http_header(&resp, "content-type");
		len = wp_http_header(&resp, "content-length");
	}
	if (rc == 0 && digest && wp_digest_is_valid(digest) && ct && len &&
	    (!is_digest(ref) || strcmp(ref, digest) == 0) && (mt = bare_media_type(ct)) &&
	    known_manifest_type(mt)) {
		rc = wp_descriptor_set(out, mt, digest, strtoll(len, NULL, 10), err);
	} else if (rc == 0) {
		/* no usable answer to HEAD: the bytes say it all */
		wp_remote_manifest m;

		wp_log_debug("%s: HEAD states no digest; reading the manifest", what);
		rc = wp_remote_get_manifest(r, repo, ref, &m, err);
		if (rc == 0)
			rc = wp_descriptor_set(out, m.media_type, m.digest, (int64_t)m.bytes.len,
					       err);
		if (rc == 0)
			wp_remote_manifest_release(&m);
	}
	wp_http_response_release(&resp);
	wp_strv_release(&headers);
	free(s.text);
	return rc;
}

/* The hashing sink, refusing bytes past the size the descriptor states: a
 * registry cannot fill the disk by sending more. */
typedef struct bounded_sink {
	wp_hashing_sink *hs;
	int64_t max;
	const char *what;
} bounded_sink;

static int bounded_write(void *ctx, const void *data, size_t len, wp_error **err)
{
	bounded_sink *b = ctx;

	if (len > (uint64_t)b->max || b->hs->size > (uint64_t)b->max - len)
		return wp_error_set(err, WP_EDIGEST,
				    "%s: the registry sent more than the %" PRId64
				    " bytes expected: refused",
				    b->what, b->max);
	return wp_hashing_sink_write(b->hs, data, len, err);
}

typedef struct blob_progress {
	void (*fn)(void *ctx, int64_t received);
	void *ctx;
} blob_progress;

static void on_progress(void *ctx, int64_t sent, int64_t received)
{
	blob_progress *p = ctx;

	(void)sent;
	p->fn(p->ctx, received);
}

int wp_remote_get_blob(wp_registry *r, const char *repo, const wp_descriptor *d,
		       const wp_sink *sink, void (*progress)(void *ctx, int64_t received),
		       void *progress_ctx, wp_error **err)
{
	_cleanup_free_ char *path = wp_strdup_printf("/v2/%s/blobs/%s", repo, d->digest);
	_cleanup_free_ char *what = wp_strdup_printf("blob %s", d->digest);
	char got[WP_DIGEST_SIZE];
	wp_hashing_sink hs;
	bounded_sink bounded;
	wp_sink hashing;
	wp_http_response resp = {0};
	blob_progress bp = {progress, progress_ctx};
	scope s = {0};
	int rc = path && what ? 0 : wp_error_oom(err);

	if (rc == 0 && !wp_str_has_prefix(d->digest, "sha256:"))
		return wp_error_set(err, WP_EUNSUPPORTED, "%s: only sha256 digests are supported",
				    what);
	if (rc == 0)
		rc = scope_init(&s, repo, "pull", err);
	if (rc < 0) {
		free(s.text);
		return rc;
	}
	if ((rc = wp_hashing_sink_init(&hs, *sink, err)) < 0) {
		free(s.text);
		return rc;
	}
	bounded = (bounded_sink){&hs, d->size, what};
	hashing = (wp_sink){bounded_write, &bounded};
	{
		wp_registry_call c = {.method = "GET",
				      .path = path,
				      .scopes = s.list,
				      .sink = &hashing,
				      .retry_status = true,
				      .progress = progress ? on_progress : NULL,
				      .progress_ctx = &bp};

		rc = wp_registry_call_send(r, &c, &resp, err);
	}
	if (rc == 0 && resp.status != 200)
		rc = wp_registry_fail(r, &resp, what, err);
	if (rc == 0 && (int64_t)hs.size != d->size)
		rc = wp_error_set(err, WP_EDIGEST,
				  "%s: the registry sent %" PRIu64 " bytes, %" PRId64
				  " expected: refused",
				  what, hs.size, d->size);
	if (rc == 0)
		rc = wp_hashing_sink_final(&hs, got, err);
	if (rc == 0 && strcmp(got, d->digest) != 0)
		rc = wp_error_set(err, WP_EDIGEST,
				  "%s: the registry sent content with digest %s: refused", what,
				  got);
	wp_hashing_sink_release(&hs);
	wp_http_response_release(&resp);
	free(s.text);
	return rc;
}

int wp_remote_put_manifest(wp_registry *r, const char *repo, const char *ref,
			   const char *media_type, const void *bytes, size_t len, wp_error **err)
{
	return wp_remote_put_manifest_if(r, repo, ref, media_type, bytes, len, NULL, err);
}

int wp_remote_put_manifest_if(wp_registry *r, const char *repo, const char *ref,
			      const char *media_type, const void *bytes, size_t len,
			      const char *if_match, wp_error **err)
{
	_cleanup_free_ char *path = wp_strdup_printf("/v2/%s/manifests/%s", repo, ref);
	_cleanup_free_ char *ct = wp_strdup_printf("Content-Type: %s", media_type);
	_cleanup_free_ char *what = wp_strdup_printf("manifest upload %s:%s", repo, ref);
	_cleanup_free_ char *cond =
		if_match ? wp_strdup_printf("If-Match: \"%s\"", if_match) : NULL;
	wp_strv headers = {0};
	wp_http_response resp = {0};
	scope s = {0};
	int rc = path && ct && what && (cond || !if_match) ? 0 : wp_error_oom(err);

	if (rc == 0)
		rc = scope_init(&s, repo, "pull,push", err);
	if (rc == 0)
		rc = wp_strv_push(&headers, ct, err);
	if (rc == 0 && cond)
		rc = wp_strv_push(&headers, cond, err);
	if (rc == 0) {
		wp_registry_call c = {.method = "PUT",
				      .path = path,
				      .scopes = s.list,
				      .headers = &headers,
				      .has_body = true,
				      .body = {.data = bytes, .len = len, .fd = -1},
				      .retry = true};

		rc = wp_registry_call_send(r, &c, &resp, err);
	}
	if (rc == 0 && resp.status == 412)
		rc = wp_error_set(err, WP_EEXISTS, "%s: changed since it was read (412)", what);
	else if (rc == 0 && resp.status != 201 && resp.status != 200 && resp.status != 202)
		rc = wp_registry_fail(r, &resp, what, err);
	wp_http_response_release(&resp);
	wp_strv_release(&headers);
	free(s.text);
	return rc;
}

static int add_tags(const wp_http_response *resp, const char *what, wp_strv *out, wp_error **err)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *tags = NULL;
	int r = wp_json_parse(&doc, resp->body.data, resp->body.len, what, err);

	/* "tags": null when the repository has none */
	if (r == 0 && json_is_null(json_object_get(doc, "tags")))
		return 0;
	if (r == 0)
		r = wp_json_get_array(doc, "tags", false, what, "", &tags, err);
	for (size_t i = 0; r == 0 && tags && i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));

		r = t ? wp_strv_push(out, t, err)
		      : wp_error_set(err, WP_EINVALID, "%s: tag %zu is not a string", what, i);
	}
	return r;
}

int wp_remote_get_paged(wp_registry *r, const char *repo, const char *path, const wp_strv *headers,
			size_t body_max, const char *what,
			int (*page)(void *ctx, int n, const wp_http_response *resp, wp_error **err),
			void *ctx, wp_error **err)
{
	char *next = strdup(path);
	scope s = {0};
	int rc = next ? scope_init(&s, repo, "pull", err) : wp_error_oom(err);

	for (int n = 0; rc == 0 && next; n++) {
		wp_http_response resp = {0};
		wp_registry_call c = {.method = "GET",
				      .path = next,
				      .scopes = s.list,
				      .headers = headers,
				      .body_max = body_max,
				      .retry = true};
		char *after = NULL;

		if (n == MAX_PAGES) {
			rc = wp_error_set(err, WP_ELIMIT, "%s: more than %d pages", what,
					  MAX_PAGES);
			break;
		}
		rc = wp_registry_call_send(r, &c, &resp, err);
		if (rc == 0)
			rc = page(ctx, n, &resp, err);
		after = rc == 0 ? wp_http_next_link(&resp) : NULL;
		if (after) {
			/* relative to the page that named it ("</v2/...>"), so a
			 * target can never be glued onto the registry's host name */
			char *full = NULL;

			rc = wp_url_resolve(resp.url, after, &full, err);
			free(after);
			after = full;
		}
		wp_http_response_release(&resp);
		/* a registry pointing at the same page again would loop */
		if (after && strcmp(after, next) == 0) {
			free(after);
			after = NULL;
		}
		free(next);
		next = after;
	}
	free(next);
	free(s.text);
	return rc < 0 ? rc : 0;
}

typedef struct tag_pages {
	wp_registry *r;
	const char *what;
	wp_strv tags;
} tag_pages;

static int tag_page(void *ctx, int n, const wp_http_response *resp, wp_error **err)
{
	tag_pages *tp = ctx;

	(void)n;
	if (resp->status != 200)
		return wp_registry_fail(tp->r, resp, tp->what, err);
	return add_tags(resp, tp->what, &tp->tags, err);
}

int wp_remote_list_tags(wp_registry *r, const char *repo, int page, wp_strv *out, wp_error **err)
{
	_cleanup_free_ char *what = wp_strdup_printf("tag list of %s", repo);
	_cleanup_free_ char *path = page > 0 ? wp_strdup_printf("/v2/%s/tags/list?n=%d", repo, page)
					     : wp_strdup_printf("/v2/%s/tags/list", repo);
	tag_pages tp = {r, what, {0}};
	int rc = path && what ? 0 : wp_error_oom(err);

	if (rc == 0)
		rc = wp_remote_get_paged(r, repo, path, NULL, TAGS_PAGE_MAX, what, tag_page, &tp,
					 err);
	if (rc < 0) {
		wp_strv_release(&tp.tags);
		return rc;
	}
	*out = tp.tags;
	return 0;
}

int wp_remote_delete_manifest(wp_registry *r, const char *repo, const char *digest, wp_error **err)
{
	_cleanup_free_ char *path = wp_strdup_printf("/v2/%s/manifests/%s", repo, digest);
	_cleanup_free_ char *what = wp_strdup_printf("delete %s@%s", repo, digest);
	wp_http_response resp = {0};
	scope s = {0};
	int rc = path && what ? 0 : wp_error_oom(err);

	if (rc == 0)
		rc = scope_init(&s, repo, "delete", err);
	if (rc == 0)
		rc = call(r, "DELETE", path, &s, NULL, &resp, err);
	if (rc == 0 && resp.status == 405)
		rc = wp_error_set(err, WP_EUNSUPPORTED,
				  "%s: registry \"%s\" does not allow deleting (405); on a "
				  "distribution registry, set REGISTRY_STORAGE_DELETE_ENABLED=true",
				  what, wp_registry_name(r));
	else if (rc == 0 && resp.status != 202 && resp.status != 200)
		rc = wp_registry_fail(r, &resp, what, err);
	wp_http_response_release(&resp);
	free(s.text);
	return rc;
}
