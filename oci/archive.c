#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "archive.h"
#include "../lib/fileio.h"
#include "../lib/json.h"
#include "../lib/tar_writer.h"
#include "../lib/common.h"

static int add_file(wp_tar_writer *tw, const char *name, const char *path, int64_t mtime,
		    wp_error **err)
{
	struct stat st;
	_cleanup_close_ int fd = wp_open_read(path, &st, err);
	wp_tar_entry e = {name, WP_TAR_FILE, 0644, 0, mtime, NULL};

	if (fd < 0)
		return fd;
	e.size = (int64_t)st.st_size;
	return wp_tar_writer_add_fd(tw, &e, fd, path, err);
}

static int add_dir(wp_tar_writer *tw, const char *name, int64_t mtime, wp_error **err)
{
	wp_tar_entry e = {name, WP_TAR_DIR, 0755, 0, mtime, NULL};

	return wp_tar_writer_add_fd(tw, &e, -1, name, err);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The blob files of one algorithm directory, sorted. */
static int list_blobs(const char *dir, wp_strv *out, wp_error **err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return wp_error_set_errno(err, errno, "cannot read \"%s\"", dir);
	while (r == 0 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			r = wp_strv_push(out, e->d_name, err);
	closedir(d);
	if (r == 0 && out->len)
		qsort(out->items, out->len, sizeof(char *), name_cmp);
	return r;
}

int wp_oci_archive_write(const wp_layout *l, wp_sink sink, int64_t mtime, wp_error **err)
{
	const char *dir = wp_layout_dir(l);
	_cleanup_free_ char *marker = wp_path_join(dir, "oci-layout");
	_cleanup_free_ char *index = wp_path_join(dir, "index.json");
	_cleanup_free_ char *blobs = wp_path_join(dir, "blobs/sha256");
	wp_tar_writer *tw = NULL;
	wp_strv names = {0};
	int r;

	if (!marker || !index || !blobs)
		return wp_error_oom(err);
	r = list_blobs(blobs, &names, err);
	if (r == 0)
		r = wp_tar_writer_new(&tw, sink, err);
	if (r == 0)
		r = add_file(tw, "oci-layout", marker, mtime, err);
	if (r == 0)
		r = add_file(tw, "index.json", index, mtime, err);
	if (r == 0)
		r = add_dir(tw, "blobs", mtime, err);
	if (r == 0)
		r = add_dir(tw, "blobs/sha256", mtime, err);
	for (size_t i = 0; r == 0 && i < names.len; i++) {
		_cleanup_free_ char *name = wp_strdup_printf("blobs/sha256/%s", names.items[i]);
		_cleanup_free_ char *path = wp_path_join(blobs, names.items[i]);

		r = name && path ? add_file(tw, name, path, mtime, err) : wp_error_oom(err);
	}
	if (r == 0)
		r = wp_tar_writer_finish(tw, err);
	wp_tar_writer_free(tw);
	wp_strv_release(&names);
	return r;
}

static int docker_manifest_json(const char *config_name, const wp_strv *layer_names,
				const wp_strv *repo_tags, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *arr = NULL;
	json_t *tags = NULL, *layers = NULL;
	int r = wp_strv_to_json(repo_tags, &tags, "tag", err);

	if (r == 0)
		r = wp_strv_to_json(layer_names, &layers, "layer", err);
	if (r < 0) {
		json_decref(tags);
		return r;
	}
	/* "o" hands tags and layers over to the new array */
	arr = json_pack("[{s:s,s:o,s:o}]", "Config", config_name, "Layers", layers, "RepoTags",
			tags);
	if (!arr)
		return wp_error_oom(err);
	return wp_json_dump_canonical(arr, out, err);
}

int wp_docker_archive_write(const wp_layout *l, const char *config_digest,
			    const wp_docker_layer *layers, size_t n_layers,
			    const wp_strv *repo_tags, wp_sink sink, int64_t mtime, wp_error **err)
{
	_cleanup_free_ char *config_path = wp_layout_blob_path(l, config_digest);
	_cleanup_free_ char *config_name =
		wp_strdup_printf("%s.json", wp_digest_hex(config_digest));
	wp_buf manifest = WP_BUF_INIT(1024 * 1024);
	wp_strv names = {0};
	wp_tar_writer *tw = NULL;
	int r = config_path && config_name ? 0 : wp_error_oom(err);

	/* each layer once, however often the image lists it */
	for (size_t i = 0; r == 0 && i < n_layers; i++) {
		_cleanup_free_ char *name =
			wp_strdup_printf("%s.tar", wp_digest_hex(layers[i].diff_id));

		r = name ? wp_strv_push(&names, name, err) : wp_error_oom(err);
	}
	if (r == 0)
		r = docker_manifest_json(config_name, &names, repo_tags, &manifest, err);
	if (r == 0)
		r = wp_tar_writer_new(&tw, sink, err);
	for (size_t i = 0; r == 0 && i < n_layers; i++) {
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen |= strcmp(names.items[k], names.items[i]) == 0;
		if (!seen)
			r = add_file(tw, names.items[i], layers[i].tar_path, mtime, err);
	}
	if (r == 0)
		r = add_file(tw, config_name, config_path, mtime, err);
	if (r == 0) {
		wp_tar_entry e = {"manifest.json",	 WP_TAR_FILE, 0644,
				  (int64_t)manifest.len, mtime,	      NULL};

		r = wp_tar_writer_add_bytes(tw, &e, manifest.data, manifest.len, err);
	}
	if (r == 0)
		r = wp_tar_writer_finish(tw, err);
	wp_tar_writer_free(tw);
	wp_strv_release(&names);
	wp_buf_release(&manifest);
	return r;
}
