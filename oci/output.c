#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "output.h"
#include "archive.h"
#include "config.h"
#include "manifest.h"
#include "../lib/decompress.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

struct wp_output {
	wp_dest_kind kind;
	char *path;
	int64_t mtime;
	wp_layout *layout;
	char *staging;	    /* archives, new layouts: temporary directory, removed by free */
	bool staged_layout; /* a new layout, made in staging and renamed to path */
	char *tee_path;
	int tee_fd;
	bool committed;
};

static bool is_stdout(const char *path)
{
	return strcmp(path, "-") == 0;
}

/* How old a staging directory must be before it may be taken for a dead
 * one: its maker creates the layout in it and locks that a moment after
 * mkdtemp, and a sweeper must not come in between. */
#define STAGING_GRACE_SECONDS 60

/* Whether a staging directory (dirfd's entry name) belongs to no live
 * process: older than the grace period, and the layout every staging
 * directory holds, locked by its writer for as long as it lives (the lock
 * goes with the process), is missing or not locked. */
static bool staging_is_stale(int dirfd, const char *name)
{
	_cleanup_free_ char *layout = wp_strdup_printf("%s/layout", name);
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!layout || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    time(NULL) - st.st_mtime <= STAGING_GRACE_SECONDS)
		return false;
	fd = openat(dirfd, layout, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	return flock(fd, LOCK_EX | LOCK_NB) == 0;
}

/* Removes the staging directories of earlier writes of path that were
 * killed (".<name>.wasmpack-XXXXXX" in dir): nothing else would. */
static void sweep_staging(const char *dir, const char *name)
{
	_cleanup_free_ char *prefix = wp_strdup_printf(".%s.wasmpack-", name);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 && prefix ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
		    strlen(e->d_name) != strlen(prefix) + 6 || !staging_is_stale(fd, e->d_name) ||
		    !(path = wp_path_join(dir, e->d_name)))
			continue;
		if (wp_remove_tree(path, NULL) == 0)
			wp_log_debug("removed \"%s\", left by a write that did not finish", path);
	}
	fd = -1; /* closedir closes it */
	closedir(d);
}

/* A temporary directory beside the archive (same filesystem, so the final
 * rename is atomic), or in $TMPDIR for standard output. */
static int make_staging(wp_output *o, wp_error **err)
{
	_cleanup_free_ char *dir = NULL, *tmpl = NULL;
	struct stat st;

	if (is_stdout(o->path)) {
		const char *tmp = getenv("TMPDIR");

		tmpl = wp_strdup_printf("%s/wasmpack-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	} else {
		if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))
			return wp_error_set(err, WP_EEXISTS,
					    "output \"%s\" is a directory, not a file", o->path);
		if (!(dir = wp_path_dirname(o->path)))
			return wp_error_oom(err);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return wp_error_set(err, WP_ENOTFOUND,
					    "cannot write \"%s\": directory \"%s\" does not exist",
					    o->path, dir);
		sweep_staging(dir, wp_path_basename(o->path));
		tmpl = wp_strdup_printf("%s/.%s.wasmpack-XXXXXX", dir, wp_path_basename(o->path));
	}
	if (!tmpl)
		return wp_error_oom(err);
	if (!mkdtemp(tmpl))
		return wp_error_set_errno(
			err, errno, "cannot create a temporary directory for \"%s\"", o->path);
	o->staging = TAKE_PTR(tmpl);
	return 0;
}

/* A layout directory that does not exist yet (its parent does) is made in
 * a temporary directory beside it and renamed into place once complete: a
 * build or pull that is killed leaves no empty or half-made layout. */
static int open_layout(wp_output *o, wp_error **err)
{
	_cleanup_free_ char *dir = NULL, *layout_dir = NULL;
	struct stat st;
	int r;

	if (lstat(o->path, &st) == 0 || errno != ENOENT || !(dir = wp_path_dirname(o->path)) ||
	    stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || !*wp_path_basename(o->path))
		return wp_layout_open(&o->layout, o->path, WP_LAYOUT_WRITE, err);
	if ((r = make_staging(o, err)) < 0)
		return r;
	if (!(layout_dir = wp_path_join(o->staging, "layout")))
		return wp_error_oom(err);
	o->staged_layout = true;
	return wp_layout_open(&o->layout, layout_dir, WP_LAYOUT_WRITE, err);
}

int wp_output_open(wp_output **out, const wp_destination *dest, int64_t mtime, wp_error **err)
{
	_cleanup_free_ char *layout_dir = NULL;
	wp_output *o = calloc(1, sizeof(*o));
	int r = 0;

	if (!o || !(o->path = strdup(dest->path))) {
		free(o);
		return wp_error_oom(err);
	}
	o->kind = dest->kind;
	o->mtime = mtime;
	o->tee_fd = -1;
	if (o->kind == WP_DEST_LAYOUT) {
		r = open_layout(o, err);
		goto done;
	}
	if (is_stdout(o->path) && isatty(STDOUT_FILENO)) {
		r = wp_error_set(err, WP_EINVALID,
				 "refusing to write a tar archive to a terminal; redirect standard "
				 "output");
		goto done;
	}
	if ((r = make_staging(o, err)) < 0)
		goto done;
	if (!(layout_dir = wp_path_join(o->staging, "layout"))) {
		r = wp_error_oom(err);
		goto done;
	}
	if ((r = wp_layout_open(&o->layout, layout_dir, WP_LAYOUT_WRITE, err)) < 0)
		goto done;
	if (o->kind == WP_DEST_DOCKER_ARCHIVE) {
		if (!(o->tee_path = wp_path_join(o->staging, "layer.tar"))) {
			r = wp_error_oom(err);
			goto done;
		}
		o->tee_fd = open(o->tee_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (o->tee_fd < 0)
			r = wp_error_set_errno(err, errno, "cannot create \"%s\"", o->tee_path);
	}
done:
	if (r < 0) {
		wp_output_free(o);
		return r;
	}
	*out = o;
	return 0;
}

wp_layout *wp_output_layout(wp_output *o)
{
	return o->layout;
}

int wp_output_layer_tee(wp_output *o, const char **name)
{
	if (name)
		*name = o->tee_path;
	return o->tee_fd;
}

static int layout_tags(wp_output *o, const wp_descriptor *manifest, const wp_reference *tags,
		       size_t n, wp_error **err)
{
	_cleanup_free_ wp_layout_tag *lt = calloc(n ? n : 1, sizeof(*lt));
	wp_strv names = {0};
	int r = lt ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *full = wp_reference_string(&tags[i]);

		r = full ? wp_strv_push(&names, full, err) : wp_error_oom(err);
		if (r == 0) {
			lt[i].image_name = names.items[i];
			lt[i].ref_name = tags[i].tag ? tags[i].tag : WP_DEFAULT_TAG;
		}
	}
	if (r == 0)
		r = wp_layout_add_tags(o->layout, manifest, lt, n, err);
	wp_strv_release(&names);
	return r;
}

/* A pulled image's layers, uncompressed into the staging directory and
 * checked against the config's diff_ids, as docker-archive holds them. */
static int uncompressed_layers(wp_output *o, const wp_descriptor *manifest, char **config,
			       wp_docker_layer **out, wp_strv *paths, wp_image_config *c, size_t *n,
			       wp_error **err)
{
	wp_buf mb = WP_BUF_INIT(WP_MANIFEST_MAX), cb = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_manifest m = {0};
	int r = wp_layout_read_blob(o->layout, manifest->digest, &mb, err);

	if (r == 0)
		r = wp_manifest_parse(&m, mb.data, mb.len, manifest->digest, err);
	if (r == 0)
		r = wp_layout_read_blob(o->layout, m.config.digest, &cb, err);
	if (r == 0)
		r = wp_image_config_parse(c, cb.data, cb.len, m.config.digest, err);
	if (r == 0 && c->diff_ids.len != m.n_layers)
		r = wp_error_set(err, WP_EINVALID,
				 "image %s: %zu layers but %zu diff_ids in its config",
				 manifest->digest, m.n_layers, c->diff_ids.len);
	if (r == 0 && !(*out = calloc(m.n_layers + 1, sizeof(**out))))
		r = wp_error_oom(err);
	if (r == 0 && !(*config = strdup(m.config.digest)))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < m.n_layers; i++) {
		_cleanup_free_ char *blob = wp_layout_blob_path(o->layout, m.layers[i].digest);
		_cleanup_free_ char *tar = wp_strdup_printf("%s/layer-%zu.tar", o->staging, i);
		_cleanup_close_ int in = -1, fd = -1;
		wp_fd_sink fs;
		wp_hashing_sink hs;
		struct stat st;
		char got[WP_DIGEST_SIZE];

		if (!blob || !tar || wp_strv_push(paths, tar, err) < 0) {
			r = wp_error_oom(err);
			break;
		}
		if ((in = wp_open_read(blob, &st, err)) < 0) {
			r = in;
			break;
		}
		fd = open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = wp_error_set_errno(err, errno, "cannot create \"%s\"", tar);
			break;
		}
		fs = (wp_fd_sink){fd, tar};
		if ((r = wp_hashing_sink_init(&hs, wp_fd_sink_as_sink(&fs), err)) < 0)
			break;
		r = wp_decompress_fd(in, blob, wp_hashing_sink_as_sink(&hs), err);
		if (r == 0)
			r = wp_hashing_sink_final(&hs, got, err);
		wp_hashing_sink_release(&hs);
		if (r == 0 && strcmp(got, c->diff_ids.items[i]) != 0)
			r = wp_error_set(err, WP_EDIGEST,
					 "layer %s uncompressed has digest %s, the config says %s",
					 m.layers[i].digest, got, c->diff_ids.items[i]);
		(*out)[i] = (wp_docker_layer){paths->items[i], c->diff_ids.items[i]};
	}
	*n = m.n_layers;
	wp_manifest_release(&m);
	wp_buf_release(&mb);
	wp_buf_release(&cb);
	return r;
}

static int write_archive(wp_output *o, const wp_descriptor *manifest, const wp_built_image *img,
			 const wp_reference *tags, size_t n, wp_fd_sink *fs, wp_error **err)
{
	wp_strv repo_tags = {0}, paths = {0};
	wp_image_config c = {0};
	wp_docker_layer one, *layers = NULL;
	_cleanup_free_ char *config = NULL;
	size_t n_layers = 1;
	int r = 0;

	if (o->kind == WP_DEST_OCI_ARCHIVE)
		return wp_oci_archive_write(o->layout, wp_fd_sink_as_sink(fs), o->mtime, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *t = wp_reference_familiar(&tags[i]);

		r = t ? wp_strv_push(&repo_tags, t, err) : wp_error_oom(err);
	}
	if (r == 0 && img && img->n_layers <= 1) {
		/* a build: its layer was written uncompressed alongside */
		one = (wp_docker_layer){o->tee_path, img->layer.diff_id};
		layers = &one;
		if (!(config = strdup(img->config.digest)))
			r = wp_error_oom(err);
	} else if (r == 0) {
		r = uncompressed_layers(o, manifest, &config, &layers, &paths, &c, &n_layers, err);
	}
	if (r == 0)
		r = wp_docker_archive_write(o->layout, config, layers, n_layers, &repo_tags,
					    wp_fd_sink_as_sink(fs), o->mtime, err);
	if (layers != &one)
		free(layers);
	for (size_t i = 0; i < paths.len; i++)
		unlink(paths.items[i]);
	wp_strv_release(&paths);
	wp_image_config_release(&c);
	wp_strv_release(&repo_tags);
	return r;
}

/* Another process made the layout meanwhile: the staged blobs are moved
 * into it and the image is tagged there. */
static int merge_staged(wp_output *o, const wp_descriptor *manifest, const wp_reference *tags,
			size_t n_tags, wp_error **err)
{
	_cleanup_free_ char *blobs = wp_strdup_printf("%s/layout/blobs/sha256", o->staging);
	wp_layout *target = NULL;
	struct dirent *e;
	DIR *d;
	int r = blobs ? wp_layout_open(&target, o->path, WP_LAYOUT_WRITE, err) : wp_error_oom(err);

	if (r < 0)
		return r;
	if (!(d = opendir(blobs))) {
		wp_layout_close(target);
		return wp_error_set_errno(err, errno, "cannot read \"%s\"", blobs);
	}
	while (r == 0 && (e = readdir(d))) {
		_cleanup_free_ char *digest = wp_strdup_printf("sha256:%s", e->d_name);
		_cleanup_free_ char *from = wp_strdup_printf("%s/%s", blobs, e->d_name);
		_cleanup_free_ char *to = digest ? wp_layout_blob_path(target, digest) : NULL;

		if (e->d_name[0] == '.')
			continue;
		if (!from || !to)
			r = wp_error_oom(err);
		else if (rename(from, to) < 0)
			r = wp_error_set_errno(err, errno, "cannot move a blob into \"%s\"",
					       o->path);
	}
	closedir(d);
	wp_layout_close(o->layout);
	o->layout = target;
	return r == 0 ? layout_tags(o, manifest, tags, n_tags, err) : r;
}

/* The staged new layout, complete, takes its place. */
static int place_staged(wp_output *o, const wp_descriptor *manifest, const wp_reference *tags,
			size_t n_tags, wp_error **err)
{
	_cleanup_free_ char *from = wp_path_join(o->staging, "layout");

	if (!from)
		return wp_error_oom(err);
	if (rename(from, o->path) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY)
		return merge_staged(o, manifest, tags, n_tags, err);
	return wp_error_set_errno(err, errno, "cannot rename \"%s\" to \"%s\"", from, o->path);
}

static int commit(wp_output *o, const wp_descriptor *manifest, const wp_built_image *img,
		  const wp_reference *tags, size_t n_tags, wp_error **err)
{
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_fd_sink fs = {STDOUT_FILENO, "standard output"};
	int r = layout_tags(o, manifest, tags, n_tags, err);

	if (r == 0 && o->staged_layout)
		r = place_staged(o, manifest, tags, n_tags, err);
	if (r < 0 || o->kind == WP_DEST_LAYOUT)
		goto done;
	if (!is_stdout(o->path)) {
		if ((r = wp_atomic_file_open(&f, o->path, 0644, err)) < 0)
			goto done;
		fs.fd = f.fd;
		fs.what = o->path;
	}
	r = write_archive(o, manifest, img, tags, n_tags, &fs, err);
	if (r == 0 && !is_stdout(o->path))
		r = wp_atomic_file_commit(&f, err);
	wp_atomic_file_abort(&f);
done:
	if (r == 0)
		o->committed = true;
	return r;
}

void wp_output_free(wp_output *o)
{
	if (!o)
		return;
	if (o->tee_fd >= 0)
		close(o->tee_fd);
	if (o->layout) {
		if (!o->committed)
			wp_layout_rollback(o->layout);
		wp_layout_close(o->layout);
	}
	if (o->staging)
		wp_remove_tree(o->staging, NULL);
	free(o->staging);
	free(o->tee_path);
	free(o->path);
	free(o);
}

int wp_output_commit(wp_output *o, const wp_built_image *img, const wp_reference *tags,
		     size_t n_tags, wp_error **err)
{
	return commit(o, &img->manifest, img, tags, n_tags, err);
}

int wp_output_commit_manifest(wp_output *o, const wp_descriptor *manifest, const wp_reference *tags,
			      size_t n_tags, wp_error **err)
{
	return commit(o, manifest, NULL, tags, n_tags, err);
}
