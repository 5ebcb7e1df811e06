#include <fcntl.h>
#include <pthread.h>

#include "push.h"
#include "manifest.h"
#include "mediatype.h"
#include "../lib/http.h"
#include "../lib/jobs.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define DEFAULT_JOBS 4
#define MAX_DEPTH 4

struct blob {
	char digest[WP_DIGEST_SIZE];
	int64_t size;
};

struct pushed_manifest {
	char digest[WP_DIGEST_SIZE];
	char *media_type;
	wp_buf bytes;
};

struct push {
	wp_registry *r;
	const char *repo;
	const wp_push_source *src;
	const wp_push_options *o;
	char *scope_push;
	char *scope_from;
	const char *scopes[2];
	const char *mount_scopes[3];
	struct blob *blobs;
	size_t n_blobs;
	struct pushed_manifest *manifests; /* children first, the image last */
	size_t n_manifests;
	pthread_mutex_t lock; /* res, from several threads */
	wp_push_result *res;
};

static void emit(struct push *p, wp_push_event_kind kind, const char *digest, int64_t size,
		 int64_t done, const char *how, const char *tag)
{
	wp_push_event e = {kind, digest, NULL, size, done, how, tag};

	if (p->o && p->o->event)
		p->o->event(p->o->event_ctx, &e);
}

static char *repo_path(const struct push *p, const char *kind, const char *what)
{
	return wp_strdup_printf("/v2/%s/%s/%s", p->repo, kind, what);
}

static int add_blob(struct push *p, const wp_descriptor *d, wp_error **err)
{
	struct blob *grown;
	int r;

	for (size_t i = 0; i < p->n_blobs; i++)
		if (strcmp(p->blobs[i].digest, d->digest) == 0)
			return 0;
	if ((r = p->src->check_blob(p->src->ctx, d, err)) < 0)
		return r;
	if (!(grown = realloc(p->blobs, (p->n_blobs + 1) * sizeof(*grown))))
		return wp_error_oom(err);
	p->blobs = grown;
	memcpy(grown[p->n_blobs].digest, d->digest, WP_DIGEST_SIZE);
	grown[p->n_blobs].size = d->size;
	p->n_blobs++;
	return 0;
}

/* Lists the blobs and manifests of an image, children before parents. */
static int collect(struct push *p, const wp_descriptor *d, int depth, wp_error **err)
{
	wp_buf bytes = WP_BUF_INIT(WP_MANIFEST_MAX);
	struct pushed_manifest *grown;
	int r;

	if (depth > MAX_DEPTH)
		return wp_error_set(err, WP_ELIMIT, "image indexes nested deeper than %d",
				    MAX_DEPTH);
	if ((r = p->src->read_manifest(p->src->ctx, d, &bytes, err)) < 0) {
		wp_buf_release(&bytes);
		return r;
	}
	if (wp_media_type_is_index(d->media_type)) {
		wp_index idx = {0};

		r = wp_index_parse(&idx, wp_buf_cstr(&bytes), bytes.len, d->digest, err);
		for (size_t i = 0; r == 0 && i < idx.n_manifests; i++)
			r = collect(p, &idx.manifests[i], depth + 1, err);
		wp_index_release(&idx);
	} else if (wp_media_type_is_manifest(d->media_type)) {
		wp_manifest m = {0};

		r = wp_manifest_parse(&m, wp_buf_cstr(&bytes), bytes.len, d->digest, err);
		if (r == 0)
			r = add_blob(p, &m.config, err);
		for (size_t i = 0; r == 0 && i < m.n_layers; i++)
			r = add_blob(p, &m.layers[i], err);
		wp_manifest_release(&m);
	} else {
		r = wp_error_set(err, WP_EUNSUPPORTED, "%s: media type \"%s\" is not an image",
				 d->digest, d->media_type);
	}
	/* r < 0 first, then the realloc: the analyzer takes a parser of
	 * another file to return positive codes too, skipping both */
	if (r < 0 || !(grown = realloc(p->manifests, (p->n_manifests + 1) * sizeof(*grown)))) {
		wp_buf_release(&bytes);
		return r < 0 ? r : wp_error_oom(err);
	}
	p->manifests = grown;
	memcpy(grown[p->n_manifests].digest, d->digest, WP_DIGEST_SIZE);
	grown[p->n_manifests].bytes = bytes;
	if (!(grown[p->n_manifests].media_type = strdup(d->media_type))) {
		wp_buf_release(&bytes);
		return wp_error_oom(err);
	}
	p->n_manifests++;
	return 0;
}

static int call(struct push *p, const char *method, const char *path, const char *const *scopes,
		const wp_strv *headers, const wp_http_body *body, bool retry,
		wp_http_response *resp, wp_error **err)
{
	wp_registry_call c = {.method = method,
			      .path = path,
			      .scopes = scopes,
			      .headers = headers,
			      .retry = retry};

	if (body) {
		c.has_body = true;
		c.body = *body;
	}
	return wp_registry_call_send(p->r, &c, resp, err);
}

static int blob_exists(struct push *p, const struct blob *b, bool *exists, wp_error **err)
{
	_cleanup_free_ char *path = repo_path(p, "blobs", b->digest);
	wp_http_response resp = {0};
	int r = path ? call(p, "HEAD", path, p->scopes, NULL, NULL, true, &resp, err)
		     : wp_error_oom(err);

	if (r < 0)
		return r;
	*exists = resp.status == 200;
	if (resp.status != 200 && resp.status != 404)
		r = wp_registry_fail(p->r, &resp, "HEAD blob", err);
	wp_http_response_release(&resp);
	return r;
}

/* The Location of an upload session, resolved against the request URL. */
static int location(struct push *p, const wp_http_response *resp, char **out, wp_error **err)
{
	const char *loc = wp_http_header(resp, "location");

	if (!loc || !*loc)
		return wp_error_set(err, WP_EREMOTE,
				    "registry \"%s\" started an upload without a Location",
				    wp_registry_name(p->r));
	return wp_url_resolve(resp->url, loc, out, err);
}

/* Opens an upload session, or mounts the blob from p->o->mount_from. */
static int start_upload(struct push *p, const struct blob *b, char **loc, bool *mounted,
			int64_t *min_chunk, wp_error **err)
{
	static const wp_http_body empty = {.fd = -1};
	_cleanup_free_ char *path = wp_strdup_printf("/v2/%s/blobs/uploads/", p->repo);
	wp_http_response resp = {0};
	int r;

	*mounted = false;
	if (!path)
		return wp_error_oom(err);
	if (p->scope_from) {
		_cleanup_free_ char *mount = strdup(path);
		wp_error *e = NULL;

		r = mount ? wp_url_add_query(&mount, "mount", b->digest, err) : wp_error_oom(err);
		if (r == 0)
			r = wp_url_add_query(&mount, "from", p->o->mount_from, err);
		if (r < 0)
			return r;
		/* any failure of a mount is answered by a normal upload */
		r = call(p, "POST", mount, p->mount_scopes, NULL, &empty, true, &resp, &e);
		if (r == 0 && resp.status == 201) {
			*mounted = true;
			wp_http_response_release(&resp);
			return 0;
		}
		if (r == 0 && resp.status == 202 && wp_http_header(&resp, "location")) {
			r = location(p, &resp, loc, err);
			wp_http_response_release(&resp);
			return r;
		}
		wp_log_debug("mount of %s from %s failed (%s); uploading", b->digest,
			     p->o->mount_from, e ? e->message : "not mounted");
		wp_error_free(e);
		wp_http_response_release(&resp);
	}
	if ((r = call(p, "POST", path, p->scopes, NULL, &empty, true, &resp, err)) < 0)
		return r;
	if (resp.status == 202) {
		const char *min = wp_http_header(&resp, "oci-chunk-min-length");

		*min_chunk = min ? strtoll(min, NULL, 10) : 0;
		r = location(p, &resp, loc, err);
	} else {
		r = wp_registry_fail(p->r, &resp, "start of a blob upload", err);
	}
	wp_http_response_release(&resp);
	return r;
}

struct progress_ctx {
	struct push *p;
	const struct blob *b;
	int64_t base;
};

static void on_progress(void *ctx, int64_t sent, int64_t received)
{
	struct progress_ctx *pc = ctx;

	(void)received;
	emit(pc->p, WP_PUSH_BLOB_PROGRESS, pc->b->digest, pc->b->size, pc->base + sent, NULL, NULL);
}

static int check_digest_header(struct push *p, const wp_http_response *resp, const char *digest,
			       const char *what, wp_error **err)
{
	const char *got = wp_http_header(resp, "docker-content-digest");

	if (got && strcmp(got, digest) != 0)
		return wp_error_set(err, WP_EDIGEST, "%s: registry \"%s\" stored %s as %s", what,
				    wp_registry_name(p->r), digest, got);
	return 0;
}

/* Whether a failed upload may start again, and when: the Retry-After of a
 * 429 or 503 that refused it, in seconds (-1: none, back off as usual). */
struct retry {
	bool again;
	long after;
};

/* Records a refused upload's verdict from its response. A 404 on the
 * upload's Location means the registry dropped the session (distribution
 * does when a chunk it took is sent again, as after a connection that broke
 * before its answer): a new upload may well work. */
static void retry_from(struct retry *rt, const wp_http_response *resp)
{
	rt->again = wp_registry_retryable_status(resp->status) || resp->status == 404;
	rt->after = wp_http_retry_after(wp_http_header(resp, "retry-after"));
}

/* PUT Location?digest=... with the rest of the blob from offset (or
 * nothing); offset < 0: all of it, read once from a stream. */
static int finish_upload(struct push *p, const struct blob *b, const char *loc, int fd,
			 int64_t offset, struct retry *again, wp_error **err)
{
	_cleanup_free_ char *url = strdup(loc);
	wp_strv headers = {0};
	wp_http_body body = {
		.fd = fd, .offset = offset, .size = offset < 0 ? b->size : b->size - offset};
	struct progress_ctx pc = {p, b, offset < 0 ? 0 : offset};
	wp_registry_call c = {.method = "PUT",
			      .scopes = p->scopes,
			      .headers = &headers,
			      .has_body = true,
			      .progress = on_progress,
			      .progress_ctx = &pc};
	wp_http_response resp = {0};
	int r = url ? wp_url_add_query(&url, "digest", b->digest, err) : wp_error_oom(err);

	if (r == 0)
		r = wp_strv_push(&headers, "Content-Type: application/octet-stream", err);
	c.path = url;
	c.body = body;
	if (r == 0)
		r = wp_registry_call_send(p->r, &c, &resp, err);
	wp_strv_release(&headers);
	if (r < 0) {
		again->again = r == WP_ENETWORK;
		return r;
	}
	if (resp.status == 201 || resp.status == 204) {
		r = check_digest_header(p, &resp, b->digest, "blob upload", err);
	} else {
		retry_from(again, &resp);
		r = wp_registry_fail(p->r, &resp, "blob upload", err);
	}
	wp_http_response_release(&resp);
	return r;
}

/* Where an interrupted upload stands: GET Location → 204 + Range 0-N.
 * "0-0" is what distribution answers for 0 bytes and for 1 byte alike:
 * WP_ENOTFOUND then, as for an upload the registry no longer knows, and
 * the caller starts the blob again. */
static int upload_offset(struct push *p, char **loc, int64_t *offset, wp_error **err)
{
	wp_http_response resp = {0};
	const char *range;
	long long end;
	int r = call(p, "GET", *loc, p->scopes, NULL, NULL, true, &resp, err);

	if (r < 0)
		return r;
	range = wp_http_header(&resp, "range");
	if (resp.status == 204 && range && sscanf(range, "%*[^-]-%lld", &end) == 1 && end == 0) {
		r = wp_error_set(err, WP_ENOTFOUND,
				 "registry \"%s\" holds 0 or 1 byte of the upload (Range: %s)",
				 wp_registry_name(p->r), range);
	} else if (resp.status == 204 && range && sscanf(range, "%*[^-]-%lld", &end) == 1) {
		*offset = end + 1;
		if (wp_http_header(&resp, "location")) {
			char *fresh = NULL;

			if ((r = location(p, &resp, &fresh, err)) == 0) {
				free(*loc);
				*loc = fresh;
			}
		}
	} else if (resp.status == 204) {
		*offset = 0;
	} else {
		r = wp_registry_fail(p->r, &resp, "upload status", err);
	}
	wp_http_response_release(&resp);
	return r;
}

/* PATCH the blob in chunks; a broken or refused (416) chunk resumes from
 * the offset the registry reports. Ends with the PUT. */
static int upload_chunked(struct push *p, const struct blob *b, char **loc, int fd, int64_t chunk,
			  struct retry *again, wp_error **err)
{
	int64_t offset = 0;
	int resumes = 0;
	int r = 0;

	while (offset < b->size) {
		int64_t n = b->size - offset < chunk ? b->size - offset : chunk;
		_cleanup_free_ char *range = wp_strdup_printf("Content-Range: %" PRId64 "-%" PRId64,
							      offset, offset + n - 1);
		wp_strv headers = {0};
		struct progress_ctx pc = {p, b, offset};
		wp_registry_call c = {.method = "PATCH",
				      .path = *loc,
				      .scopes = p->scopes,
				      .headers = &headers,
				      .has_body = true,
				      .body = {.fd = fd, .offset = offset, .size = n},
				      .progress = on_progress,
				      .progress_ctx = &pc};
		wp_http_response resp = {0};
		wp_error *e = NULL;
		const char *got;
		long long end;

		r = range ? wp_strv_push(&headers, range, err) : wp_error_oom(err);
		if (r == 0)
			r = wp_strv_push(&headers, "Content-Type: application/octet-stream", err);
		if (r == 0)
			r = wp_registry_call_send(p->r, &c, &resp, &e);
		wp_strv_release(&headers);
		if (r < 0 && r != WP_ENETWORK) {
			return wp_error_move(err, e, r);
		}
		if ((r == WP_ENETWORK || resp.status == 416) &&
		    resumes < wp_registry_retries(p->r)) {
			/* resume where the registry says the upload stands */
			wp_log_debug("chunk at %" PRId64 " of %s failed (%s); resuming", offset,
				     b->digest, e ? e->message : "416");
			wp_error_free(e);
			wp_http_response_release(&resp);
			wp_registry_backoff(resumes++, NULL);
			if ((r = upload_offset(p, loc, &offset, err)) < 0) {
				/* the registry dropped the upload (distribution does
				 * when a chunk arrived that we saw fail): start anew */
				again->again = r == WP_ENETWORK || r == WP_ENOTFOUND;
				return r;
			}
			continue;
		}
		if (r < 0) {
			again->again = true;
			return wp_error_move(err, e, r);
		}
		if (resp.status != 202 && resp.status != 201 && resp.status != 204) {
			retry_from(again, &resp);
			r = wp_registry_fail(p->r, &resp, "blob chunk upload", err);
			wp_http_response_release(&resp);
			return r;
		}
		got = wp_http_header(&resp, "range");
		offset = got && sscanf(got, "%*[^-]-%lld", &end) == 1 ? end + 1 : offset + n;
		if (wp_http_header(&resp, "location")) {
			char *fresh = NULL;

			if ((r = location(p, &resp, &fresh, err)) < 0) {
				wp_http_response_release(&resp);
				return r;
			}
			free(*loc);
			*loc = fresh;
		}
		wp_http_response_release(&resp);
	}
	return finish_upload(p, b, *loc, fd, b->size, again, err);
}

/* Sends the blob's bytes from the source to an open upload. */
static int upload_bytes(struct push *p, const struct blob *b, char **loc, int64_t min_chunk,
			struct retry *again, wp_error **err)
{
	int64_t chunk = p->o ? p->o->chunk_size : 0;
	bool seekable = false;
	void *state = NULL;
	int fd = -1, r, closed;
	wp_error *e = NULL;

	if ((r = p->src->open_blob(p->src->ctx, b->digest, b->size, &fd, &seekable, &state, err)) <
	    0)
		return r;
	if (chunk > 0 && min_chunk > chunk)
		chunk = min_chunk;
	/* chunks resume at offsets: only a file can */
	if (seekable && chunk > 0 && b->size > chunk)
		r = upload_chunked(p, b, loc, fd, chunk, again, &e);
	else
		r = finish_upload(p, b, *loc, fd, seekable ? 0 : -1, again, &e);
	/* the source's own failure (a download cut short, wrong bytes)
	 * explains the upload's */
	if ((closed = p->src->close_blob(p->src->ctx, fd, state, err)) < 0) {
		again->again = closed == WP_ENETWORK;
		wp_error_free(e);
		return closed;
	}
	return r < 0 ? wp_error_move(err, e, r) : 0;
}

static int upload_once(struct push *p, const struct blob *b, const char **how, struct retry *again,
		       wp_error **err)
{
	_cleanup_free_ char *loc = NULL;
	bool exists = false, mounted = false;
	int64_t min_chunk = 0;
	int r = blob_exists(p, b, &exists, err);

	again->again = false;
	again->after = -1;
	if (r < 0) {
		again->again = r == WP_ENETWORK;
		return r;
	}
	if (exists) {
		*how = "exists";
		return 0;
	}
	if ((r = start_upload(p, b, &loc, &mounted, &min_chunk, err)) < 0) {
		again->again = r == WP_ENETWORK;
		return r;
	}
	if (mounted) {
		*how = "mounted";
		return 0;
	}
	*how = "pushed";
	return upload_bytes(p, b, &loc, min_chunk, again, err);
}

static int push_blob(struct push *p, const struct blob *b, wp_error **err)
{
	const char *how = NULL;
	int r;

	emit(p, WP_PUSH_BLOB_START, b->digest, b->size, 0, NULL, NULL);
	for (int attempt = 0;; attempt++) {
		wp_error *e = NULL;
		struct retry again = {false, -1};

		r = upload_once(p, b, &how, &again, &e);
		if (r == 0)
			break;
		if (!again.again || attempt >= wp_registry_retries(p->r)) {
			return wp_error_move(err, e, r);
		}
		wp_log_debug("upload of %s failed (%s); starting it again", b->digest, e->message);
		wp_error_free(e);
		wp_registry_wait(attempt, again.after);
	}
	pthread_mutex_lock(&p->lock);
	if (strcmp(how, "exists") == 0)
		p->res->blobs_existing++;
	else if (strcmp(how, "mounted") == 0)
		p->res->blobs_mounted++;
	else {
		p->res->blobs_pushed++;
		p->res->bytes_pushed += b->size;
	}
	pthread_mutex_unlock(&p->lock);
	emit(p, WP_PUSH_BLOB_DONE, b->digest, b->size, b->size, how, NULL);
	return 0;
}

static int push_one(void *ctx, size_t i, wp_error **err)
{
	struct push *p = ctx;

	return push_blob(p, &p->blobs[i], err);
}

static int push_blobs(struct push *p, wp_error **err)
{
	return wp_jobs_run(p->o && p->o->jobs > 0 ? p->o->jobs : DEFAULT_JOBS, p->n_blobs, push_one,
			   p, err);
}

static int put_manifest(struct push *p, const struct pushed_manifest *m, const char *ref,
			long *status, wp_error **err)
{
	_cleanup_free_ char *path = repo_path(p, "manifests", ref);
	_cleanup_free_ char *ct = wp_strdup_printf("Content-Type: %s", m->media_type);
	wp_strv headers = {0};
	wp_http_body body = {.data = m->bytes.data, .len = m->bytes.len, .fd = -1};
	wp_http_response resp = {0};
	int r = path && ct ? wp_strv_push(&headers, ct, err) : wp_error_oom(err);

	if (r == 0)
		r = call(p, "PUT", path, p->scopes, &headers, &body, true, &resp, err);
	wp_strv_release(&headers);
	if (r < 0)
		return r;
	*status = resp.status;
	if (resp.status == 201 || resp.status == 200 || resp.status == 202) {
		const char *subject = wp_http_header(&resp, "oci-subject");

		r = check_digest_header(p, &resp, m->digest, "manifest upload", err);
		if (r == 0 && subject && wp_digest_is_valid(subject) &&
		    strlen(subject) < WP_DIGEST_SIZE && m == &p->manifests[p->n_manifests - 1])
			memcpy(p->res->subject, subject, strlen(subject) + 1);
	} else {
		r = wp_registry_fail(
			p->r, &resp,
			ref[0] == 's' && strchr(ref, ':') ? "manifest upload" : "tag upload", err);
	}
	wp_http_response_release(&resp);
	return r;
}

static int push_manifests(struct push *p, const char *const *tags, size_t n_tags, wp_error **err)
{
	const struct pushed_manifest *image = &p->manifests[p->n_manifests - 1];
	long status = 0;
	int r;

	for (size_t i = 0; i < p->n_manifests; i++) {
		const struct pushed_manifest *m = &p->manifests[i];
		wp_error *e = NULL;

		r = put_manifest(p, m, m->digest, &status, &e);
		if (r < 0 && m == image && n_tags &&
		    (status == 400 || status == 404 || status == 405)) {
			/* a registry that takes manifests only by tag */
			wp_log_debug("%s: push by digest refused (%ld); pushing by tag", m->digest,
				     status);
			wp_error_free(e);
			break;
		}
		if (r < 0) {
			return wp_error_move(err, e, r);
		}
		emit(p, WP_PUSH_MANIFEST, m->digest, (int64_t)m->bytes.len, 0, NULL, NULL);
	}
	for (size_t i = 0; i < n_tags; i++) {
		if ((r = put_manifest(p, image, tags[i], &status, err)) < 0)
			return r;
		emit(p, WP_PUSH_TAG, image->digest, (int64_t)image->bytes.len, 0, NULL, tags[i]);
	}
	return 0;
}

/* True when every tag already names the image (a re-push): then nothing
 * needs to move. Any doubt (an error, a missing header) means false. */
static bool tags_current(struct push *p, const wp_descriptor *image, const char *const *tags,
			 size_t n_tags)
{
	wp_strv headers = {0};
	_cleanup_free_ char *accept = wp_strdup_printf("Accept: %s", image->media_type);
	bool current = n_tags > 0 && accept && wp_strv_push(&headers, accept, NULL) == 0;

	for (size_t i = 0; current && i < n_tags; i++) {
		_cleanup_free_ char *path = repo_path(p, "manifests", tags[i]);
		wp_http_response resp = {0};
		const char *got;

		current = path &&
			  call(p, "HEAD", path, p->scopes, &headers, NULL, true, &resp, NULL) == 0;
		got = current ? wp_http_header(&resp, "docker-content-digest") : NULL;
		current = current && resp.status == 200 && got && strcmp(got, image->digest) == 0;
		wp_http_response_release(&resp);
	}
	wp_strv_release(&headers);
	return current;
}

int wp_push_image_from(wp_registry *r, const char *repository, const wp_push_source *src,
		       const wp_descriptor *image, const char *const *tags, size_t n_tags,
		       const wp_push_options *o, wp_push_result *res, wp_error **err)
{
	struct push p = {.r = r, .repo = repository, .src = src, .o = o};
	wp_push_result result = {0};
	int rc;

	p.res = &result;
	pthread_mutex_init(&p.lock, NULL);
	p.scope_push = wp_strdup_printf("repository:%s:pull,push", repository);
	rc = p.scope_push ? 0 : wp_error_oom(err);
	if (rc == 0 && o && o->mount_from && strcmp(o->mount_from, repository) != 0 &&
	    !(p.scope_from = wp_strdup_printf("repository:%s:pull", o->mount_from)))
		rc = wp_error_oom(err);
	p.scopes[0] = p.scope_push;
	p.mount_scopes[0] = p.scope_push;
	p.mount_scopes[1] = p.scope_from;
	/* reach the registry once, first: the tag check below drops errors,
	 * and after a failed ping every request would ping (and retry) again */
	if (rc == 0)
		rc = wp_registry_ping(r, err);
	if (rc == 0 && tags_current(&p, image, tags, n_tags)) {
		wp_log_debug("%s: every tag already names %s", repository, image->digest);
		for (size_t i = 0; i < n_tags; i++)
			emit(&p, WP_PUSH_TAG, image->digest, image->size, 0, "current", tags[i]);
	} else {
		if (rc == 0)
			rc = collect(&p, image, 0, err);
		if (rc == 0)
			rc = push_blobs(&p, err);
		if (rc == 0)
			rc = push_manifests(&p, tags, n_tags, err);
	}
	if (rc == 0) {
		memcpy(result.digest, image->digest, WP_DIGEST_SIZE);
		*res = result;
	}
	for (size_t i = 0; i < p.n_manifests; i++) {
		free(p.manifests[i].media_type);
		wp_buf_release(&p.manifests[i].bytes);
	}
	free(p.manifests);
	free(p.blobs);
	free(p.scope_push);
	free(p.scope_from);
	pthread_mutex_destroy(&p.lock);
	return rc;
}

/* ---- a layout as the source ---- */

static int layout_read_manifest(void *ctx, const wp_descriptor *d, wp_buf *out, wp_error **err)
{
	return wp_layout_read_blob(ctx, d->digest, out, err);
}

static int layout_check_blob(void *ctx, const wp_descriptor *d, wp_error **err)
{
	const wp_layout *l = ctx;

	if (wp_layout_has_blob(l, d->digest, d->size))
		return 0;
	return wp_error_set(err, WP_ENOTFOUND, "blob %s (%" PRId64 " bytes) is missing from \"%s\"",
			    d->digest, d->size, wp_layout_dir(l));
}

static int layout_open_blob(void *ctx, const char *digest, int64_t size, int *fd, bool *seekable,
			    void **state, wp_error **err)
{
	_cleanup_free_ char *path = wp_layout_blob_path(ctx, digest);

	(void)size;
	*state = NULL;
	*seekable = true;
	if (!path)
		return wp_error_oom(err);
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return wp_error_set_errno(err, errno, "cannot open \"%s\"", path);
	return 0;
}

static int layout_close_blob(void *ctx, int fd, void *state, wp_error **err)
{
	(void)ctx;
	(void)state;
	(void)err;
	close(fd);
	return 0;
}

int wp_push_image(wp_registry *r, const char *repository, const wp_layout *src,
		  const wp_descriptor *image, const char *const *tags, size_t n_tags,
		  const wp_push_options *o, wp_push_result *res, wp_error **err)
{
	const wp_push_source source = {layout_read_manifest, layout_check_blob, layout_open_blob,
				       layout_close_blob, (void *)src};

	return wp_push_image_from(r, repository, &source, image, tags, n_tags, o, res, err);
}
