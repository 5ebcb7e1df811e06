#include <fcntl.h>

#include "push_run.h"
#include "progress.h"
#include "output_format.h"
#include "../lib/json.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/manifest.h"
#include "../oci/mediatype.h"
#include "../oci/push.h"
#include "../oci/reference.h"
#include "../oci/source.h"
#include "../lib/common.h"

struct session {
	char *registry;
	wp_registry *r;
	char *first_repo; /* pushed first: later repositories mount from it */
};

static int parse_refs(const struct push_request *req, wp_reference *refs, wp_error **err)
{
	for (size_t i = 0; i < req->n_refs; i++) {
		int r = remote_parse_reference(req->refs[i], &refs[i], err);

		if (r < 0)
			return r;
		if (refs[i].digest)
			return wp_error_set(err, WP_EUSAGE,
					    "\"%s\": push to a tag, not a digest (the digest is "
					    "printed when the push is done)",
					    req->refs[i]);
		if (!refs[i].tag && !(refs[i].tag = strdup(WP_DEFAULT_TAG)))
			return wp_error_oom(err);
	}
	return 0;
}

/* The config digest of the image (docker's image ID), "" for an index. */
static void image_id(const wp_source *src, char out[WP_DIGEST_SIZE])
{
	wp_buf b = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_manifest m = {0};

	memcpy(out, src->manifest.digest, WP_DIGEST_SIZE);
	if (wp_media_type_is_manifest(src->manifest.media_type) &&
	    wp_layout_read_blob(src->layout, src->manifest.digest, &b, NULL) == 0 &&
	    wp_manifest_parse(&m, wp_buf_cstr(&b), b.len, "manifest", NULL) == 0)
		memcpy(out, m.config.digest, WP_DIGEST_SIZE);
	wp_manifest_release(&m);
	wp_buf_release(&b);
}

static int append_github_output(const char *digest, const char *id, wp_error **err)
{
	const char *path = getenv("GITHUB_OUTPUT");
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;

	if (!path || !*path)
		return 0;
	if (!(text = wp_strdup_printf("digest=%s\nimageid=%s\n", digest, id)))
		return wp_error_oom(err);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return wp_error_set_errno(err, errno, "cannot open GITHUB_OUTPUT \"%s\"", path);
	return wp_write_all(fd, text, strlen(text), path, err);
}

static struct session *session_for(struct session *sessions, size_t *n, const wp_reference *ref,
				   const struct push_request *req, const wp_credential *cred,
				   wp_error **err)
{
	wp_registry_options ro;

	for (size_t i = 0; i < *n; i++)
		if (strcmp(sessions[i].registry, ref->registry) == 0)
			return &sessions[i];
	remote_args_registry_options(req->remote, cred, &ro);
	sessions[*n].registry = strdup(ref->registry);
	if (!sessions[*n].registry) {
		wp_error_oom(err);
		return NULL;
	}
	if (wp_registry_open(&sessions[*n].r, ref->registry, &ro, err) < 0) {
		free(sessions[*n].registry);
		return NULL;
	}
	return &sessions[(*n)++];
}

/* Pushes the image to every repository named, tags grouped per repository. */
static int push_all(const struct push_request *req, const wp_source *src, wp_reference *refs,
		    const wp_credential *cred, struct session *sessions, size_t *n_sessions,
		    struct push_progress *progress, wp_error **err)
{
	_cleanup_free_ bool *done = calloc(req->n_refs, sizeof(bool));
	_cleanup_free_ const char **tags = calloc(req->n_refs, sizeof(char *));

	if (!done || !tags)
		return wp_error_oom(err);
	for (size_t i = 0; i < req->n_refs; i++) {
		wp_push_options po = {.jobs = req->jobs,
				      .chunk_size = req->chunk_size,
				      .event = push_progress_event,
				      .event_ctx = progress};
		wp_push_result res;
		struct session *s;
		size_t n_tags = 0;
		int r;

		if (done[i])
			continue;
		for (size_t k = i; k < req->n_refs; k++) {
			if (!done[k] && strcmp(refs[k].registry, refs[i].registry) == 0 &&
			    strcmp(refs[k].repository, refs[i].repository) == 0) {
				bool dup = false;

				for (size_t t = 0; t < n_tags; t++)
					dup |= strcmp(tags[t], refs[k].tag) == 0;
				if (!dup)
					tags[n_tags++] = refs[k].tag;
				done[k] = true;
			}
		}
		if (!(s = session_for(sessions, n_sessions, &refs[i], req, cred, err)))
			return wp_error_code(err ? *err : NULL);
		po.mount_from = req->from_repo ? req->from_repo : s->first_repo;
		r = wp_push_image(s->r, refs[i].repository, src->layout, &src->manifest, tags,
				  n_tags, &po, &res, err);
		push_progress_finish(progress);
		if (r < 0) {
			_cleanup_free_ char *name = wp_reference_familiar(&refs[i]);

			return wp_error_prefix(err, "push \"%s\"", name ? name : req->refs[i]);
		}
		wp_log_debug("%s/%s: %d blobs pushed (%" PRId64 " bytes), %d present, %d mounted",
			     refs[i].registry, refs[i].repository, res.blobs_pushed,
			     res.bytes_pushed, res.blobs_existing, res.blobs_mounted);
		if (!s->first_repo && !(s->first_repo = strdup(refs[i].repository)))
			return wp_error_oom(err);
	}
	return 0;
}

/* REF@DIGEST per reference, or the JSON document: the image, then
 * {"reference", "digest"} per reference. */
static int print_pushed(const struct push_request *req, const wp_reference *refs,
			const wp_source *src, const char *id, wp_error **err)
{
	_cleanup_json_ json_t *pushed = req->json ? json_array() : NULL;
	int r = !req->json || pushed ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < req->n_refs; i++) {
		_cleanup_free_ char *name = output_ref_name(&refs[i]);

		if (!name)
			r = wp_error_oom(err);
		else if (pushed)
			r = wp_json_append_new(pushed,
					       json_pack("{s:s,s:s}", "reference", name, "digest",
							 src->manifest.digest),
					       err);
		else
			r = output_name_digest(name, src->manifest.digest, err);
	}
	if (r == 0 && pushed)
		r = output_json_pack_print(
			err, "{s:s,s:s,s:I,s:s,s:O}", "digest", src->manifest.digest, "mediaType",
			src->manifest.media_type, "size", (json_int_t)src->manifest.size, "imageId",
			id, "pushed", pushed);
	return r;
}

int push_run(const struct push_request *req, wp_error **err)
{
	_cleanup_free_ wp_reference *refs = calloc(req->n_refs, sizeof(*refs));
	_cleanup_free_ struct session *sessions = calloc(req->n_refs, sizeof(*sessions));
	_cleanup_free_ char *want = NULL;
	struct push_progress *progress = NULL;
	wp_credential cred = {0};
	wp_source src = {0};
	size_t n_sessions = 0;
	bool have_cred = false;
	char id[WP_DIGEST_SIZE];
	int r;

	if (!refs || !sessions)
		return wp_error_oom(err);
	r = parse_refs(req, refs, err);
	if (r == 0)
		r = remote_args_credential(req->remote, &cred, &have_cred, err);
	if (r == 0 && !(want = wp_reference_string(&refs[0])))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_source_open(&src, req->source, want, err);
	if (r == 0 && !(progress = push_progress_new(req->quiet)))
		r = wp_error_oom(err);
	if (r == 0)
		r = push_all(req, &src, refs, have_cred ? &cred : NULL, sessions, &n_sessions,
			     progress, err);
	if (r == 0) {
		image_id(&src, id);
		r = req->no_stdout ? 0 : print_pushed(req, refs, &src, id, err);
		if (r == 0 && req->digest_file) {
			_cleanup_free_ char *line = wp_strdup_printf("%s\n", src.manifest.digest);

			r = line ? wp_write_file_atomic(req->digest_file, line, strlen(line), 0644,
							err)
				 : wp_error_oom(err);
		}
		if (r == 0)
			r = append_github_output(src.manifest.digest, id, err);
	}
	for (size_t i = 0; i < n_sessions; i++) {
		wp_registry_free(sessions[i].r);
		free(sessions[i].registry);
		free(sessions[i].first_repo);
	}
	for (size_t i = 0; i < req->n_refs; i++)
		wp_reference_release(&refs[i]);
	push_progress_free(progress);
	wp_source_close(&src);
	wp_credential_release(&cred);
	return r;
}
