#include <fcntl.h>
#include <sys/stat.h>

#include "output.h"
#include "archive.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

struct wp_output {
	wp_dest_kind kind;
	char *path;
	int64_t mtime;
	wp_layout *layout;
	char *staging; /* archives: temporary directory, removed by free */
	char *tee_path;
	int tee_fd;
	bool committed;
};

static bool is_stdout(const char *path)
{
	return strcmp(path, "-") == 0;
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
		r = wp_layout_open(&o->layout, o->path, WP_LAYOUT_WRITE, err);
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

static int write_archive(wp_output *o, const wp_built_image *img, const wp_reference *tags,
			 size_t n, wp_fd_sink *fs, wp_error **err)
{
	wp_strv repo_tags = {0};
	int r = 0;

	if (o->kind == WP_DEST_OCI_ARCHIVE)
		return wp_oci_archive_write(o->layout, wp_fd_sink_as_sink(fs), o->mtime, err);
	if (!img)
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "\"%s\": writing a docker-archive of a pulled image is not "
				    "supported yet; use oci-archive: or a layout directory",
				    o->path);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *t = wp_reference_familiar(&tags[i]);

		r = t ? wp_strv_push(&repo_tags, t, err) : wp_error_oom(err);
	}
	if (r == 0 && lseek(o->tee_fd, 0, SEEK_SET) < 0)
		r = wp_error_set_errno(err, errno, "cannot rewind \"%s\"", o->tee_path);
	if (r == 0)
		r = wp_docker_archive_write(o->layout, img, o->tee_path, &repo_tags,
					    wp_fd_sink_as_sink(fs), o->mtime, err);
	wp_strv_release(&repo_tags);
	return r;
}

static int commit(wp_output *o, const wp_descriptor *manifest, const wp_built_image *img,
		  const wp_reference *tags, size_t n_tags, wp_error **err)
{
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_fd_sink fs = {STDOUT_FILENO, "standard output"};
	int r = layout_tags(o, manifest, tags, n_tags, err);

	if (r < 0 || o->kind == WP_DEST_LAYOUT)
		goto done;
	if (!is_stdout(o->path)) {
		if ((r = wp_atomic_file_open(&f, o->path, 0644, err)) < 0)
			goto done;
		fs.fd = f.fd;
		fs.what = o->path;
	}
	r = write_archive(o, img, tags, n_tags, &fs, err);
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
