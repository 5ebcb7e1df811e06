#include <pthread.h>

#include "pull.h"
#include "config.h"
#include "mediatype.h"
#include "remote.h"
#include "../lib/fileio.h"
#include "../lib/jobs.h"
#include "../lib/log.h"
#include "../lib/common.h"

#define DEFAULT_JOBS 4

/* What Wasm images are published as, in the order they are preferred. */
static const char *const wasm_platforms[] = {"wasi/wasm", "wasip1/wasm", "wasip2/wasm"};

static bool is_attestation(const wp_descriptor *d)
{
	const char *type = wp_kv_get(&d->annotations, "vnd.docker.reference.type");

	if (type && strcmp(type, "attestation-manifest") == 0)
		return true;
	return d->platform && wp_str_eq(d->platform->os, "unknown") &&
	       wp_str_eq(d->platform->architecture, "unknown");
}

/* want's variant, when it names one, must be there too. */
static bool platform_fits(const wp_platform *have, const wp_platform *want)
{
	return have && wp_str_eq(have->os, want->os) &&
	       wp_str_eq(have->architecture, want->architecture) &&
	       (!want->variant || wp_str_eq(have->variant, want->variant));
}

static const wp_descriptor *find_platform(const wp_index *idx, const wp_platform *want)
{
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (!is_attestation(&idx->manifests[i]) &&
		    platform_fits(idx->manifests[i].platform, want))
			return &idx->manifests[i];
	return NULL;
}

/* "linux/amd64, linux/arm64" for the message of a failed pick. */
static char *platforms_listed(const wp_index *idx)
{
	wp_buf b = WP_BUF_INIT(64 * 1024);

	for (size_t i = 0; i < idx->n_manifests; i++) {
		const wp_descriptor *d = &idx->manifests[i];
		_cleanup_free_ char *p = d->platform ? wp_platform_format(d->platform) : NULL;

		if (is_attestation(d))
			continue;
		wp_buf_appendf(&b, NULL, "%s%s", b.len ? ", " : "", p ? p : "(no platform)");
	}
	if (b.len == 0)
		wp_buf_append_str(&b, "none", NULL);
	return b.data ? (char *)b.data : strdup("none");
}

int wp_index_pick(const wp_index *idx, const wp_platform *platform, const char *what,
		  const wp_descriptor **out, wp_error **err)
{
	_cleanup_free_ char *wanted = platform ? wp_platform_format(platform) : NULL;
	_cleanup_free_ char *listed = NULL;
	const wp_descriptor *d = NULL;

	if (platform)
		d = find_platform(idx, platform);
	for (size_t i = 0; !platform && !d && i < WP_ARRAY_SIZE(wasm_platforms); i++) {
		wp_platform p;
		int r = wp_platform_parse(&p, wasm_platforms[i], err);

		if (r < 0)
			return r;
		d = find_platform(idx, &p);
		wp_platform_release(&p);
	}
	if (d) {
		*out = d;
		return 0;
	}
	listed = platforms_listed(idx);
	return wp_error_set(err, WP_ENOTFOUND,
			    "%s has no image for %s (it has: %s); choose one with --platform", what,
			    wanted ? wanted : "wasi/wasm, wasip1/wasm or wasip2/wasm",
			    listed ? listed : "?");
}

struct pull {
	wp_registry *r;
	const char *repo;
	wp_layout *l;
	const wp_pull_options *o;
	wp_descriptor *blobs; /* borrowed from the manifest */
	size_t n_blobs;
	pthread_mutex_t lock; /* the layout's list of new blobs, res */
	wp_pull_result *res;
};

static void emit(const struct pull *p, wp_pull_event_kind kind, const char *digest,
		 const char *media_type, int64_t size, const char *how, const char *platform)
{
	wp_pull_event e = {kind, digest, media_type, size, how, platform};

	if (p->o && p->o->event)
		p->o->event(p->o->event_ctx, &e);
}

/* One try: into a fresh temporary file, renamed only once verified. */
static int fetch_once(struct pull *p, const wp_descriptor *d, wp_error **err)
{
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_fd_sink fs;
	wp_sink sink;
	int r = wp_layout_blob_begin(p->l, &f, err);

	if (r == 0) {
		fs = (wp_fd_sink){f.fd, f.tmp_path};
		sink = wp_fd_sink_as_sink(&fs);
		r = wp_remote_get_blob(p->r, p->repo, d, &sink, NULL, NULL, err);
	}
	if (r == 0) {
		pthread_mutex_lock(&p->lock);
		r = wp_layout_blob_commit(p->l, &f, d->digest, d->size, err);
		pthread_mutex_unlock(&p->lock);
	}
	wp_atomic_file_abort(&f);
	return r;
}

static int fetch_blob(void *ctx, size_t i, wp_error **err)
{
	struct pull *p = ctx;
	const wp_descriptor *d = &p->blobs[i];
	int r = 0;

	if (wp_layout_has_blob(p->l, d->digest, d->size)) {
		pthread_mutex_lock(&p->lock);
		p->res->blobs_present++;
		pthread_mutex_unlock(&p->lock);
		emit(p, WP_PULL_BLOB_DONE, d->digest, d->media_type, d->size, "present", NULL);
		return 0;
	}
	for (int attempt = 0;; attempt++) {
		wp_error *e = NULL;

		if ((r = fetch_once(p, d, &e)) == 0)
			break;
		/* a cut connection is worth another try; wrong bytes are not */
		if (r != WP_ENETWORK || attempt >= wp_registry_retries(p->r))
			return wp_error_move(err, e, r);
		wp_log_debug("download of %s failed (%s); starting it again", d->digest,
			     e->message);
		wp_error_free(e);
		wp_registry_wait(attempt, -1);
	}
	pthread_mutex_lock(&p->lock);
	p->res->blobs_fetched++;
	p->res->bytes_fetched += d->size;
	pthread_mutex_unlock(&p->lock);
	emit(p, WP_PULL_BLOB_DONE, d->digest, d->media_type, d->size, "fetched", NULL);
	return 0;
}

/* A manifest the index lists, fetched and checked against its entry. */
static int get_listed_manifest(struct pull *p, const wp_descriptor *entry,
			       wp_remote_manifest *image, wp_error **err)
{
	int r = wp_remote_get_manifest(p->r, p->repo, entry->digest, image, err);

	if (r < 0)
		return r;
	if ((int64_t)image->bytes.len != entry->size)
		return wp_error_set(err, WP_EDIGEST,
				    "manifest %s: %zu bytes, the index says %" PRId64,
				    image->digest, image->bytes.len, entry->size);
	if (!wp_media_type_is_manifest(image->media_type))
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "manifest %s: a %s inside an index is not an image",
				    image->digest, image->media_type);
	return 0;
}

/* The image manifest: top itself, or the one the index picks. *picked:
 * the index entry, NULL for a manifest. */
static int resolve_image(struct pull *p, const char *ref, wp_remote_manifest *top, wp_index *idx,
			 const wp_descriptor **picked, wp_remote_manifest *image, wp_error **err)
{
	_cleanup_free_ char *what = wp_strdup_printf("index %s:%s", p->repo, ref);
	int r;

	*picked = NULL;
	if (!wp_media_type_is_index(top->media_type)) {
		*image = *top;
		*top = (wp_remote_manifest){0};
		return 0;
	}
	if (!what)
		return wp_error_oom(err);
	if ((r = wp_index_parse(idx, top->bytes.data, top->bytes.len, what, err)) < 0)
		return r;
	if ((r = wp_index_pick(idx, p->o ? p->o->platform : NULL, what, picked, err)) < 0)
		return r;
	{
		_cleanup_free_ char *pf = wp_platform_format((*picked)->platform);

		emit(p, WP_PULL_INDEX, top->digest, top->media_type, (int64_t)top->bytes.len, NULL,
		     pf);
	}
	return get_listed_manifest(p, *picked, image, err);
}

/* An image manifest's config and layers, several at a time, then the
 * manifest itself: a layout never holds a manifest it lacks parts of. */
static int pull_manifest_parts(struct pull *p, const wp_remote_manifest *image, wp_error **err)
{
	wp_manifest m = {0};
	char stored[WP_DIGEST_SIZE];
	int r = wp_manifest_parse(&m, image->bytes.data, image->bytes.len, image->digest, err);

	/* no image config is read past WP_CONFIG_MAX: not fetched either */
	if (r == 0 && m.config.size > (int64_t)WP_CONFIG_MAX)
		r = wp_error_set(err, WP_ELIMIT,
				 "manifest %s: config %s of %" PRId64
				 " bytes is larger than %u bytes: refused",
				 image->digest, m.config.digest, m.config.size, WP_CONFIG_MAX);
	if (r == 0 && !(p->blobs = calloc(m.n_layers + 1, sizeof(*p->blobs))))
		r = wp_error_oom(err);
	if (r == 0) {
		p->blobs[0] = m.config;
		memcpy(p->blobs + 1, m.layers, m.n_layers * sizeof(*m.layers));
		p->n_blobs = m.n_layers + 1;
		r = wp_jobs_run(p->o && p->o->jobs > 0 ? p->o->jobs : DEFAULT_JOBS, p->n_blobs,
				fetch_blob, p, err);
	}
	if (r == 0)
		r = wp_layout_put_blob(p->l, image->bytes.data, image->bytes.len, stored, err);
	if (r == 0)
		emit(p, WP_PULL_MANIFEST, image->digest, image->media_type,
		     (int64_t)image->bytes.len, NULL, NULL);
	free(p->blobs); /* the descriptors belong to m */
	p->blobs = NULL;
	wp_manifest_release(&m);
	return r;
}

/* o->whole_index: every image the index lists, then the index itself, its
 * bytes as the registry has them. */
static int pull_whole_index(struct pull *p, const char *ref, const wp_remote_manifest *top,
			    wp_index *idx, wp_error **err)
{
	_cleanup_free_ char *what = wp_strdup_printf("index %s:%s", p->repo, ref);
	char stored[WP_DIGEST_SIZE];
	int r = what ? wp_index_parse(idx, top->bytes.data, top->bytes.len, what, err)
		     : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < idx->n_manifests; i++) {
		wp_remote_manifest image = {0};

		r = get_listed_manifest(p, &idx->manifests[i], &image, err);
		if (r == 0)
			r = pull_manifest_parts(p, &image, err);
		wp_remote_manifest_release(&image);
	}
	if (r == 0)
		r = wp_layout_put_blob(p->l, top->bytes.data, top->bytes.len, stored, err);
	return r;
}

int wp_pull_image(wp_registry *r, const char *repo, const char *ref, wp_layout *dest,
		  const wp_pull_options *o, wp_pull_result *res, wp_error **err)
{
	struct pull p = {.r = r, .repo = repo, .l = dest, .o = o};
	wp_remote_manifest top = {0}, image = {0};
	wp_index idx = {0};
	const wp_descriptor *picked = NULL;
	wp_pull_result result = {0};
	const wp_remote_manifest *stored;
	int rc;

	p.res = &result;
	pthread_mutex_init(&p.lock, NULL);
	rc = wp_remote_get_manifest(r, repo, ref, &top, err);
	if (rc == 0 && o && o->whole_index && wp_media_type_is_index(top.media_type)) {
		rc = pull_whole_index(&p, ref, &top, &idx, err);
		stored = &top;
	} else {
		if (rc == 0)
			rc = resolve_image(&p, ref, &top, &idx, &picked, &image, err);
		if (rc == 0 && picked)
			memcpy(result.index_digest, top.digest, WP_DIGEST_SIZE);
		if (rc == 0)
			rc = pull_manifest_parts(&p, &image, err);
		stored = &image;
	}
	if (rc == 0)
		rc = wp_descriptor_set(&result.image, stored->media_type, stored->digest,
				       (int64_t)stored->bytes.len, err);
	if (rc == 0 && picked && picked->platform)
		rc = (result.image.platform = calloc(1, sizeof(wp_platform)))
			     ? wp_platform_copy(result.image.platform, picked->platform, err)
			     : wp_error_oom(err);
	if (rc == 0)
		*res = result;
	else
		wp_pull_result_release(&result);
	wp_index_release(&idx);
	wp_remote_manifest_release(&top);
	wp_remote_manifest_release(&image);
	pthread_mutex_destroy(&p.lock);
	return rc;
}

void wp_pull_result_release(wp_pull_result *res)
{
	wp_descriptor_release(&res->image);
}
