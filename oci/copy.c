#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include "copy.h"
#include "manifest.h"
#include "mediatype.h"
#include "pull.h"
#include "referrers.h"
#include "remote.h"
#include "../lib/log.h"
#include "../lib/common.h"

/* The source repository, as a wp_push_source. */
typedef struct source {
	wp_registry *r;
	const char *repo;
	const wp_remote_manifest *top; /* already read: not read again */
} source;

static int read_manifest(void *ctx, const wp_descriptor *d, wp_buf *out, wp_error **err)
{
	source *s = ctx;
	wp_remote_manifest m = {0};
	int r;

	if (strcmp(d->digest, s->top->digest) == 0)
		return wp_buf_append(out, s->top->bytes.data, s->top->bytes.len, err);
	if ((r = wp_remote_get_manifest(s->r, s->repo, d->digest, &m, err)) == 0)
		r = wp_buf_append(out, m.bytes.data, m.bytes.len, err);
	wp_remote_manifest_release(&m);
	return r;
}

static int check_blob(void *ctx, const wp_descriptor *d, wp_error **err)
{
	/* asked for when it is streamed */
	(void)ctx;
	(void)d;
	(void)err;
	return 0;
}

/* One blob on its way: GET into the pipe on a thread of its own. */
typedef struct stream {
	source *s;
	wp_descriptor d; /* digest and size only */
	int write_fd;
	pthread_t thread;
	int rc;
	wp_error *err;
} stream;

static void *download(void *arg)
{
	stream *st = arg;
	wp_fd_sink fs = {st->write_fd, "the copy pipe"};
	wp_sink sink = wp_fd_sink_as_sink(&fs);
	sigset_t pipe_set;

	/* a reader that gave up makes write fail with EPIPE, not kill us */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	st->rc = wp_remote_get_blob(st->s->r, st->s->repo, &st->d, &sink, NULL, NULL, &st->err);
	close(st->write_fd);
	return NULL;
}

static int open_blob(void *ctx, const char *digest, int64_t size, int *fd, bool *seekable,
		     void **state, wp_error **err)
{
	stream *st = calloc(1, sizeof(*st));
	int fds[2];

	if (!st)
		return wp_error_oom(err);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(st);
		return wp_error_set_errno(err, errno, "cannot create a pipe for blob %s", digest);
	}
	st->s = ctx;
	memcpy(st->d.digest, digest, WP_DIGEST_SIZE);
	st->d.size = size;
	st->write_fd = fds[1];
	if (pthread_create(&st->thread, NULL, download, st) != 0) {
		close(fds[0]);
		close(fds[1]);
		free(st);
		return wp_error_set(err, WP_EGENERIC, "cannot start a thread for blob %s", digest);
	}
	*fd = fds[0];
	*seekable = false;
	*state = st;
	return 0;
}

static int close_blob(void *ctx, int fd, void *state, wp_error **err)
{
	stream *st = state;
	int r;

	(void)ctx;
	/* a download still writing stops at the closed pipe */
	close(fd);
	pthread_join(st->thread, NULL);
	r = st->rc < 0 ? wp_error_move(err, st->err, st->rc) : 0;
	if (r == 0)
		wp_error_free(st->err);
	free(st);
	return r;
}

/* The destination lists what was copied as referrers of digest: by itself
 * (OCI-Subject, or its referrers API), else in the referrers tag. */
static int index_referrers(wp_registry *dst, const char *dst_repo, const char *digest,
			   const wp_index *copied, bool indexed, wp_error **err)
{
	bool api = indexed;
	int r = 0;

	if (!api)
		r = wp_referrers_probe(dst, dst_repo, digest, &api, err);
	if (r == 0 && !api)
		r = wp_referrers_tag_add(dst, dst_repo, digest, copied->manifests,
					 copied->n_manifests, err);
	return r;
}

static int copy_referrers(source *s, wp_registry *dst, const char *dst_repo, const char *digest,
			  const wp_push_source *ps, const wp_push_options *po, int *n,
			  wp_error **err)
{
	wp_referrers refs = {0};
	bool indexed = true;
	int r = wp_referrers_list(s->r, s->repo, digest, NULL, &refs, err);

	for (size_t i = 0; r == 0 && i < refs.index.n_manifests; i++) {
		wp_remote_manifest m = {0};
		source rs = *s;
		wp_push_source rps = *ps;
		wp_push_result res;

		/* each referrer is a top of its own */
		r = wp_remote_get_manifest(s->r, s->repo, refs.index.manifests[i].digest, &m, err);
		rs.top = &m;
		rps.ctx = &rs;
		if (r == 0)
			r = wp_push_image_from(dst, dst_repo, &rps, &refs.index.manifests[i], NULL,
					       0, po, &res, err);
		if (r == 0) {
			(*n)++;
			indexed = indexed && strcmp(res.subject, digest) == 0;
		}
		wp_remote_manifest_release(&m);
	}
	if (r == 0 && refs.tag_index.media_type) {
		/* the source's referrers tag, byte for byte (its digest kept) */
		_cleanup_free_ char *tag = wp_referrers_tag(digest);

		r = tag ? wp_remote_put_manifest(dst, dst_repo, tag, refs.tag_index.media_type,
						 refs.tag_index.bytes.data,
						 refs.tag_index.bytes.len, err)
			: wp_error_oom(err);
	} else if (r == 0 && refs.index.n_manifests) {
		r = index_referrers(dst, dst_repo, digest, &refs.index, indexed, err);
	}
	wp_referrers_release(&refs);
	return r;
}

int wp_copy_image(wp_registry *src, const char *src_repo, const char *src_ref, wp_registry *dst,
		  const char *dst_repo, const char *dst_tag, const wp_copy_options *o,
		  wp_copy_result *res, wp_error **err)
{
	wp_remote_manifest top = {0}, picked_bytes = {0};
	wp_index idx = {0};
	source s = {src, src_repo, &top};
	const wp_push_source ps = {read_manifest, check_blob, open_blob, close_blob, &s};
	wp_push_options po = {.jobs = o ? o->jobs : 0,
			      .mount_from = o && o->same_registry ? src_repo : NULL,
			      .event = o ? o->event : NULL,
			      .event_ctx = o ? o->event_ctx : NULL};
	wp_copy_result result = {0};
	wp_descriptor image = {0};
	const wp_descriptor *picked = NULL;
	int r = wp_remote_get_manifest(src, src_repo, src_ref, &top, err);

	if (r == 0 && o && o->platform && wp_media_type_is_index(top.media_type)) {
		/* one image of the index: it becomes the top */
		r = wp_index_parse(&idx, top.bytes.data, top.bytes.len, src_ref, err);
		if (r == 0)
			r = wp_index_pick(&idx, o->platform, src_ref, &picked, err);
		if (r == 0)
			r = wp_remote_get_manifest(src, src_repo, picked->digest, &picked_bytes,
						   err);
		if (r == 0)
			s.top = &picked_bytes;
	}
	if (r == 0)
		r = wp_descriptor_set(&image, s.top->media_type, s.top->digest,
				      (int64_t)s.top->bytes.len, err);
	if (r == 0)
		r = wp_push_image_from(dst, dst_repo, &ps, &image, dst_tag ? &dst_tag : NULL,
				       dst_tag ? 1 : 0, &po, &result.push, err);
	if (r == 0 && o && o->referrers)
		r = copy_referrers(&s, dst, dst_repo, image.digest, &ps, &po, &result.referrers,
				   err);
	if (r == 0) {
		memcpy(result.digest, image.digest, WP_DIGEST_SIZE);
		*res = result;
	}
	wp_descriptor_release(&image);
	wp_index_release(&idx);
	wp_remote_manifest_release(&picked_bytes);
	wp_remote_manifest_release(&top);
	return r;
}
