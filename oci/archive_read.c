#include <fcntl.h>
#include <sys/stat.h>

#include "archive_read.h"
#include "config.h"
#include "layer.h"
#include "manifest.h"
#include "mediatype.h"
#include "reference.h"
#include "../lib/fileio.h"
#include "../lib/tar_reader.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/common.h"

#define DOCKER_MANIFEST_MAX (4u << 20)

/* Strips "./" and checks a relative path made of real names. */
static const char *clean_name(const char *name)
{
	const char *c;

	if (!name)
		return NULL;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (!*name || name[0] == '/')
		return NULL;
	for (c = name; *c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.') ||
		    (n == 0 && slash && slash[1]))
			return NULL;
		if (!slash)
			break;
		c = slash + 1;
	}
	return name;
}

/* Which entries an OCI archive may put where: the layout's own files. */
static bool oci_layout_member(const char *name)
{
	const char *hex;

	if (strcmp(name, "oci-layout") == 0 || strcmp(name, "index.json") == 0)
		return true;
	if (!wp_str_has_prefix(name, "blobs/"))
		return false;
	hex = strchr(name + 6, '/');
	return hex && hex > name + 6 && hex[1] && !strchr(hex + 1, '/');
}

typedef bool (*member_filter)(const char *name);

/* Extracts regular files accepted by `accept` (and the directories they
 * need) into dir. Links, devices and everything else are skipped. */
static int extract(const char *archive_path, const char *dir, member_filter accept, wp_error **err)
{
	wp_tar_reader tr = WP_TAR_READER_INIT;
	int r = wp_tar_reader_open(&tr, archive_path, WP_TAR_READ_ANY_FILTER, err);

	while (r == 0 && (r = wp_tar_reader_next(&tr, err)) == 1) {
		const char *name = clean_name(wp_la.archive_entry_pathname(tr.entry));
		_cleanup_free_ char *path = NULL, *parent = NULL;
		wp_atomic_file f = WP_ATOMIC_FILE_INIT;

		r = 0;
		if (!name || wp_la.archive_entry_filetype(tr.entry) != AE_IFREG || !accept(name)) {
			wp_log_debug("archive \"%s\": skipping \"%s\"", archive_path,
				     wp_la.archive_entry_pathname(tr.entry));
			continue;
		}
		if (!(path = wp_path_join(dir, name)) || !(parent = wp_path_dirname(path)))
			r = wp_error_oom(err);
		if (r == 0)
			r = wp_mkdir_p(parent, 0755, NULL, err);
		if (r == 0)
			r = wp_atomic_file_open(&f, path, 0644, err);
		if (r == 0)
			r = wp_tar_reader_copy(&tr, f.fd, UINT64_MAX, path, NULL, err);
		if (r == 0)
			r = wp_atomic_file_commit(&f, err);
		wp_atomic_file_abort(&f);
	}
	wp_tar_reader_release(&tr);
	return r;
}

int wp_oci_archive_extract(const char *archive, const char *dir, wp_error **err)
{
	_cleanup_free_ char *marker = wp_path_join(dir, "oci-layout");
	int r = marker ? extract(archive, dir, oci_layout_member, err) : wp_error_oom(err);

	if (r == 0 && access(marker, F_OK) < 0)
		r = wp_error_set(err, WP_EINVALID,
				 "\"%s\" is not an oci-archive (it has no oci-layout file)",
				 archive);
	return r;
}

static bool any_member(const char *name)
{
	(void)name;
	return true;
}

/* Picks the manifest.json entry tagged `tag` (familiar or full form), or
 * the only entry. */
static int pick_entry(json_t *list, const char *archive, const char *tag, json_t **out,
		      wp_error **err)
{
	_cleanup_free_ char *want = NULL;
	size_t i;
	json_t *entry;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return wp_error_set(err, WP_EINVALID, "\"%s\": manifest.json lists no image",
				    archive);
	if (!tag) {
		if (json_array_size(list) > 1)
			return wp_error_set(err, WP_EINVALID,
					    "\"%s\" holds %zu images; name one with "
					    "docker-archive:FILE:NAME:TAG",
					    archive, json_array_size(list));
		*out = json_array_get(list, 0);
		return 0;
	}
	{
		wp_reference ref;

		if (wp_reference_parse(&ref, tag, NULL) == 0) {
			want = wp_reference_familiar(&ref);
			wp_reference_release(&ref);
		}
	}
	json_array_foreach (list, i, entry) {
		json_t *tags = json_object_get(entry, "RepoTags"), *t;
		size_t k;

		json_array_foreach (tags, k, t) {
			const char *s = json_string_value(t);

			if (s && (strcmp(s, tag) == 0 || wp_str_eq(s, want))) {
				*out = entry;
				return 0;
			}
		}
	}
	return wp_error_set(err, WP_ENOTFOUND, "\"%s\" has no image tagged \"%s\"", archive, tag);
}

static int import_layers(const char *dir, json_t *layers, const wp_image_config *config,
			 wp_layout *l, wp_manifest *m, wp_error **err)
{
	wp_layer_options o = {.compression = WP_COMPRESSION_GZIP, .tee_fd = -1};
	size_t i;
	json_t *name;

	if (!json_is_array(layers) || json_array_size(layers) != config->diff_ids.len)
		return wp_error_set(
			err, WP_EINVALID,
			"manifest.json lists %zu layers but the config has %zu diff_ids",
			json_array_size(layers), config->diff_ids.len);
	json_array_foreach (layers, i, name) {
		const char *rel =
			json_string_value(name) ? clean_name(json_string_value(name)) : NULL;
		_cleanup_free_ char *path = rel ? wp_path_join(dir, rel) : NULL;
		_cleanup_close_ int fd = -1;
		wp_layer_result res;
		wp_descriptor d;
		int r;

		if (!rel)
			return wp_error_set(err, WP_EINVALID, "manifest.json: bad layer name");
		if (!path)
			return wp_error_oom(err);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return wp_error_set_errno(err, errno, "docker-archive layer \"%s\"", rel);
		if ((r = wp_layer_write_tar(l, fd, path, &o, &res, err)) < 0)
			return r;
		if (strcmp(res.diff_id, config->diff_ids.items[i]) != 0)
			return wp_error_set(
				err, WP_EDIGEST,
				"docker-archive layer \"%s\" has digest %s but the config "
				"says %s",
				rel, res.diff_id, config->diff_ids.items[i]);
		if ((r = wp_descriptor_set(&d, WP_MT_OCI_LAYER_GZIP, res.digest, res.size, err)) <
		    0)
			return r;
		r = wp_manifest_add_layer(m, &d, err);
		wp_descriptor_release(&d);
		if (r < 0)
			return r;
	}
	return 0;
}

int wp_docker_archive_import(const char *archive, const char *tag, wp_layout *l,
			     wp_descriptor *manifest, wp_strv *repo_tags, wp_error **err)
{
	_cleanup_free_ char *dir = NULL, *tmpl = NULL, *list_path = NULL, *config_path = NULL;
	_cleanup_json_ json_t *list = NULL;
	wp_buf list_buf = WP_BUF_INIT(DOCKER_MANIFEST_MAX), config_buf = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_buf mbuf = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_image_config config = {0};
	wp_manifest m = {0};
	json_t *entry = NULL, *tags;
	const char *config_name;
	char digest[WP_DIGEST_SIZE];
	size_t i;
	json_t *t;
	int r;

	tmpl = wp_strdup_printf("%s/.docker-archive-XXXXXX", wp_layout_dir(l));
	if (!tmpl)
		return wp_error_oom(err);
	if (!mkdtemp(tmpl))
		return wp_error_set_errno(err, errno, "cannot make a directory in \"%s\"",
					  wp_layout_dir(l));
	dir = TAKE_PTR(tmpl);
	r = extract(archive, dir, any_member, err);
	if (r == 0 && !(list_path = wp_path_join(dir, "manifest.json")))
		r = wp_error_oom(err);
	if (r == 0 && access(list_path, F_OK) < 0)
		r = wp_error_set(err, WP_EINVALID,
				 "\"%s\" is not a docker-archive (no manifest.json)", archive);
	if (r == 0)
		r = wp_read_file(list_path, &list_buf, err);
	if (r == 0)
		r = wp_json_parse(&list, wp_buf_cstr(&list_buf), list_buf.len, "manifest.json",
				  err);
	if (r == 0)
		r = pick_entry(list, archive, tag, &entry, err);
	config_name = entry ? json_string_value(json_object_get(entry, "Config")) : NULL;
	if (r == 0 && (!config_name || !clean_name(config_name)))
		r = wp_error_set(err, WP_EINVALID, "\"%s\": manifest.json has no Config", archive);
	if (r == 0 && !(config_path = wp_path_join(dir, clean_name(config_name))))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_read_file(config_path, &config_buf, err);
	if (r == 0)
		r = wp_image_config_parse(&config, wp_buf_cstr(&config_buf), config_buf.len,
					  "docker-archive config", err);
	if (r == 0)
		r = wp_layout_put_blob(l, config_buf.data, config_buf.len, digest, err);
	if (r == 0)
		r = wp_descriptor_set(&m.config, WP_MT_OCI_CONFIG, digest, (int64_t)config_buf.len,
				      err);
	if (r == 0 && !(m.media_type = strdup(WP_MT_OCI_MANIFEST)))
		r = wp_error_oom(err);
	if (r == 0)
		r = import_layers(dir, json_object_get(entry, "Layers"), &config, l, &m, err);
	if (r == 0)
		r = wp_manifest_serialize(&m, &mbuf, err);
	if (r == 0)
		r = wp_layout_put_blob(l, mbuf.data, mbuf.len, digest, err);
	if (r == 0)
		r = wp_descriptor_set(manifest, WP_MT_OCI_MANIFEST, digest, (int64_t)mbuf.len, err);
	tags = entry ? json_object_get(entry, "RepoTags") : NULL;
	json_array_foreach (tags, i, t) {
		if (r == 0 && repo_tags && json_is_string(t))
			r = wp_strv_push(repo_tags, json_string_value(t), err);
	}
	wp_remove_tree(dir, NULL);
	wp_image_config_release(&config);
	wp_manifest_release(&m);
	wp_buf_release(&list_buf);
	wp_buf_release(&config_buf);
	wp_buf_release(&mbuf);
	return r;
}
