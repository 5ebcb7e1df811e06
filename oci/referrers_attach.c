/* wp_referrers_attach: a referrer pushed as wp_push_image_from pushes an
 * image, from a source made of the files (or bytes) given, the empty config
 * and the manifest built here. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "referrers.h"
#include "mediatype.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

/* One blob of the referrer: where its bytes are. */
typedef struct item {
	char digest[WP_DIGEST_SIZE];
	int64_t size;
	const char *path; /* NULL: data */
	const void *data;
	size_t len;
} item;

typedef struct attach {
	item *items; /* the empty config, then each blob */
	size_t n_items;
	char digest[WP_DIGEST_SIZE]; /* of the manifest */
	wp_buf manifest;
} attach;

static int hash_item(item *it, wp_error **err)
{
	if (it->path)
		return wp_sha256_file(it->path, it->digest, &it->size, err);
	it->size = (int64_t)it->len;
	return wp_sha256_bytes(it->digest, it->data, it->len, err);
}

/* The layer descriptor of blob b, whose bytes are hashed into it. */
static int layer_of(const wp_referrer_blob *b, item *it, wp_descriptor *out, wp_error **err)
{
	const char *title = b->title ? b->title : b->path ? wp_path_basename(b->path) : NULL;
	const char *mt = b->media_type ? b->media_type
				       : wp_referrers_guess_media_type(b->path ? b->path : title);
	wp_descriptor d = {0};
	int r;

	*it = (item){.path = b->path, .data = b->data, .len = b->len};
	r = hash_item(it, err);
	if (r == 0)
		r = wp_descriptor_set(&d, mt, it->digest, it->size, err);
	if (r == 0 && title && *title)
		r = wp_kv_set(&d.annotations, "org.opencontainers.image.title", title, err);
	if (r < 0) {
		wp_descriptor_release(&d);
		return r;
	}
	*out = d;
	return 0;
}

/* Builds the manifest of subject, reading (hashing) every blob. */
static int prepare(attach *a, const wp_descriptor *subject, const wp_referrer_blob *blobs, size_t n,
		   const wp_attach_options *o, wp_manifest *m, wp_error **err)
{
	wp_descriptor *layers = calloc(n ? n : 1, sizeof(*layers));
	size_t done = 0;
	int r = layers && (a->items = calloc(n + 1, sizeof(*a->items))) ? 0 : wp_error_oom(err);

	if (r == 0) {
		a->items[0] = (item){.data = WP_EMPTY_JSON, .len = strlen(WP_EMPTY_JSON)};
		a->n_items = 1;
		r = hash_item(&a->items[0], err);
	}
	for (; r == 0 && done < n; done++) {
		r = layer_of(&blobs[done], &a->items[a->n_items], &layers[done], err);
		a->n_items += r == 0;
	}
	if (r == 0)
		r = wp_referrers_manifest_init(m, subject, o->artifact_type, layers, n,
					       o->annotations, err);
	if (r == 0)
		r = wp_manifest_serialize(m, &a->manifest, err);
	if (r == 0)
		r = wp_sha256_bytes(a->digest, a->manifest.data, a->manifest.len, err);
	for (size_t i = 0; layers && i < done; i++)
		wp_descriptor_release(&layers[i]);
	free(layers);
	return r;
}

/* ---- the push source ---- */

static int read_manifest(void *ctx, const wp_descriptor *d, wp_buf *out, wp_error **err)
{
	attach *a = ctx;

	if (strcmp(d->digest, a->digest) != 0)
		return wp_error_set(err, WP_ENOTFOUND, "manifest %s is not the referrer's",
				    d->digest);
	return wp_buf_append(out, a->manifest.data, a->manifest.len, err);
}

static int check_blob(void *ctx, const wp_descriptor *d, wp_error **err)
{
	(void)ctx;
	(void)d;
	(void)err;
	return 0;
}

/* Bytes in memory as a file (seekable: the upload can resume). */
static int memory_fd(const void *data, size_t len, wp_error **err)
{
	int fd = memfd_create("wasmpack-referrer", MFD_CLOEXEC);
	int r;

	if (fd < 0)
		return wp_error_set_errno(err, errno, "cannot create an in-memory file");
	if ((r = wp_write_all(fd, data, len, "an in-memory file", err)) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		if (r == 0)
			r = wp_error_set_errno(err, errno, "cannot rewind an in-memory file");
		close(fd);
		return r;
	}
	return fd;
}

static int open_blob(void *ctx, const char *digest, int64_t size, int *fd, bool *seekable,
		     void **state, wp_error **err)
{
	attach *a = ctx;
	const item *it = NULL;

	(void)size;
	*state = NULL;
	*seekable = true;
	for (size_t i = 0; !it && i < a->n_items; i++)
		if (strcmp(a->items[i].digest, digest) == 0)
			it = &a->items[i];
	if (!it)
		return wp_error_set(err, WP_ENOTFOUND, "blob %s is not the referrer's", digest);
	if (!it->path)
		*fd = memory_fd(it->data, it->len, err);
	else if ((*fd = open(it->path, O_RDONLY | O_CLOEXEC)) < 0)
		*fd = wp_error_set_errno(err, errno, "cannot open \"%s\"", it->path);
	return *fd < 0 ? *fd : 0;
}

static int close_blob(void *ctx, int fd, void *state, wp_error **err)
{
	(void)ctx;
	(void)state;
	(void)err;
	close(fd);
	return 0;
}

int wp_referrers_attach(wp_registry *r, const char *repo, const wp_descriptor *subject,
			const wp_referrer_blob *blobs, size_t n_blobs, const wp_attach_options *o,
			wp_attach_result *res, wp_error **err)
{
	attach a = {.manifest = WP_BUF_INIT(WP_MANIFEST_MAX)};
	const wp_push_source src = {read_manifest, check_blob, open_blob, close_blob, &a};
	wp_manifest m = {0};
	wp_descriptor d = {0};
	wp_push_result pushed = {0};
	wp_attach_result result = {.mechanism = WP_REFERRERS_API};
	bool api = false;
	int rc = o && o->artifact_type && *o->artifact_type
			 ? 0
			 : wp_error_set(err, WP_EUSAGE, "a referrer needs an artifact type");

	if (rc == 0)
		rc = prepare(&a, subject, blobs, n_blobs, o, &m, err);
	if (rc == 0)
		rc = wp_referrers_descriptor(&d, &m, a.digest, (int64_t)a.manifest.len, err);
	if (rc == 0)
		rc = wp_push_image_from(r, repo, &src, &d, NULL, 0, o->push, &pushed, err);
	/* no OCI-Subject (as from registries of the 1.1 release candidates):
	 * the registry may still list referrers itself */
	if (rc == 0 && strcmp(pushed.subject, subject->digest) == 0)
		api = true;
	else if (rc == 0)
		rc = wp_referrers_probe(r, repo, subject->digest, &api, err);
	if (rc == 0 && !api) {
		result.mechanism = WP_REFERRERS_TAG;
		rc = wp_referrers_tag_add(r, repo, subject->digest, &d, 1, err);
	}
	if (rc == 0) {
		memcpy(result.digest, a.digest, WP_DIGEST_SIZE);
		result.size = (int64_t)a.manifest.len;
		*res = result;
	}
	wp_descriptor_release(&d);
	wp_manifest_release(&m);
	wp_buf_release(&a.manifest);
	free(a.items);
	return rc;
}
