#include "manifest.h"
#include "mediatype.h"
#include "../lib/json.h"
#include "../lib/common.h"

static int append_descriptor(wp_descriptor **arr, size_t *n, const wp_descriptor *d, wp_error **err)
{
	wp_descriptor *grown = realloc(*arr, (*n + 1) * sizeof(**arr));
	int r;

	if (!grown)
		return wp_error_oom(err);
	*arr = grown;
	r = wp_descriptor_copy(&grown[*n], d, err);
	if (r == 0)
		(*n)++;
	return r;
}

static void release_descriptors(wp_descriptor *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wp_descriptor_release(&arr[i]);
	free(arr);
}

int wp_manifest_add_layer(wp_manifest *m, const wp_descriptor *d, wp_error **err)
{
	return append_descriptor(&m->layers, &m->n_layers, d, err);
}

int wp_index_add_manifest(wp_index *idx, const wp_descriptor *d, wp_error **err)
{
	return append_descriptor(&idx->manifests, &idx->n_manifests, d, err);
}

void wp_manifest_release(wp_manifest *m)
{
	free(m->media_type);
	free(m->artifact_type);
	wp_descriptor_release(&m->config);
	release_descriptors(m->layers, m->n_layers);
	if (m->subject) {
		wp_descriptor_release(m->subject);
		free(m->subject);
	}
	wp_kv_release(&m->annotations);
	memset(m, 0, sizeof(*m));
}

void wp_index_release(wp_index *idx)
{
	free(idx->media_type);
	free(idx->artifact_type);
	release_descriptors(idx->manifests, idx->n_manifests);
	if (idx->subject) {
		wp_descriptor_release(idx->subject);
		free(idx->subject);
	}
	wp_kv_release(&idx->annotations);
	memset(idx, 0, sizeof(*idx));
}

static int descriptors_to_json(const wp_descriptor *arr, size_t n, json_t **out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_array();

	if (!j)
		return wp_error_oom(err);
	for (size_t i = 0; i < n; i++) {
		json_t *d;
		int r = wp_descriptor_to_json(&arr[i], &d, err);

		if (r == 0)
			r = wp_json_append_new(j, d, err);
		if (r < 0)
			return r;
	}
	*out = TAKE_PTR(j);
	return 0;
}

/* The fields manifests and indexes share: annotations, artifactType,
 * subject, mediaType and schemaVersion. */
static int common_to_json(json_t *j, const char *media_type, const char *artifact_type,
			  const wp_descriptor *subject, const wp_kv *annotations, wp_error **err)
{
	json_t *sub;
	int r = wp_json_set_new(j, "schemaVersion", json_integer(2), err);

	if (r == 0 && media_type)
		r = wp_json_set_string(j, "mediaType", media_type, "media type", err);
	if (r == 0 && artifact_type)
		r = wp_json_set_string(j, "artifactType", artifact_type, "artifact type", err);
	if (r == 0 && subject && (r = wp_descriptor_to_json(subject, &sub, err)) == 0)
		r = wp_json_set_new(j, "subject", sub, err);
	if (r == 0 && annotations->len &&
	    (r = wp_kv_to_json(annotations, &sub, "annotation", err)) == 0)
		r = wp_json_set_new(j, "annotations", sub, err);
	return r;
}

static int serialize(json_t *j, wp_buf *out, const char *what, wp_error **err)
{
	wp_buf b = WP_BUF_INIT(WP_MANIFEST_MAX);
	int r = wp_json_dump_canonical(j, &b, err);

	if (r < 0) {
		wp_buf_release(&b);
		return wp_error_prefix(err, "%s", what);
	}
	r = wp_buf_append(out, b.data, b.len, err);
	wp_buf_release(&b);
	return r;
}

int wp_manifest_serialize(const wp_manifest *m, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	json_t *sub;
	int r;

	if (!j)
		return wp_error_oom(err);
	if (wp_str_eq(m->media_type, WP_MT_DOCKER_MANIFEST) &&
	    (m->annotations.len || m->artifact_type || m->subject))
		return wp_error_set(
			err, WP_EINVALID,
			"Docker schema2 manifests cannot carry annotations, an artifact "
			"type or a subject; use OCI media types");
	r = common_to_json(j, m->media_type, m->artifact_type, m->subject, &m->annotations, err);
	if (r == 0 && (r = wp_descriptor_to_json(&m->config, &sub, err)) == 0)
		r = wp_json_set_new(j, "config", sub, err);
	if (r == 0 && (r = descriptors_to_json(m->layers, m->n_layers, &sub, err)) == 0)
		r = wp_json_set_new(j, "layers", sub, err);
	return r < 0 ? r : serialize(j, out, "image manifest", err);
}

int wp_index_serialize(const wp_index *idx, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	json_t *sub;
	int r;

	if (!j)
		return wp_error_oom(err);
	r = common_to_json(j, idx->media_type, idx->artifact_type, idx->subject, &idx->annotations,
			   err);
	if (r == 0 && (r = descriptors_to_json(idx->manifests, idx->n_manifests, &sub, err)) == 0)
		r = wp_json_set_new(j, "manifests", sub, err);
	return r < 0 ? r : serialize(j, out, "image index", err);
}

static int descriptors_from_json(wp_descriptor **arr, size_t *n, const json_t *j, const char *doc,
				 const char *name, wp_error **err)
{
	size_t i;
	json_t *item;

	json_array_foreach (j, i, item) {
		wp_descriptor d;
		_cleanup_free_ char *where = wp_strdup_printf("%s[%zu]", name, i);
		int r;

		if (!where)
			return wp_error_oom(err);
		r = wp_descriptor_from_json(&d, item, doc, where, err);
		if (r == 0) {
			r = append_descriptor(arr, n, &d, err);
			wp_descriptor_release(&d);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Parses what manifests and indexes share. */
static int common_from_json(const json_t *j, const char *what, char **media_type,
			    char **artifact_type, wp_descriptor **subject, wp_kv *annotations,
			    wp_error **err)
{
	const char *mt = NULL, *at = NULL;
	json_t *sub = NULL, *ann = NULL;
	int64_t version = 0;
	int r;

	if (!json_is_object(j))
		return wp_error_set(err, WP_EINVALID, "%s: expected a JSON object", what);
	r = wp_json_get_int64(j, "schemaVersion", true, what, "", &version, err);
	if (r == 0 && version != 2)
		r = wp_error_set(err, WP_EINVALID,
				 "%s: schemaVersion: %" PRId64 " is not supported "
				 "(expected 2)",
				 what, version);
	if (r == 0)
		r = wp_json_get_string(j, "mediaType", false, what, "", &mt, err);
	if (r == 0)
		r = wp_json_get_string(j, "artifactType", false, what, "", &at, err);
	if (r == 0)
		r = wp_json_get_object(j, "subject", false, what, "", &sub, err);
	if (r == 0)
		r = wp_json_get_object(j, "annotations", false, what, "", &ann, err);
	if (r < 0)
		return r;
	if ((mt && !(*media_type = strdup(mt))) || (at && !(*artifact_type = strdup(at))))
		return wp_error_oom(err);
	if (sub) {
		*subject = calloc(1, sizeof(**subject));
		if (!*subject)
			return wp_error_oom(err);
		if ((r = wp_descriptor_from_json(*subject, sub, what, "subject", err)) < 0) {
			free(*subject);
			*subject = NULL;
			return r;
		}
	}
	return ann ? wp_kv_from_json(annotations, ann, what, "annotations", err) : 0;
}

int wp_manifest_parse(wp_manifest *out, const char *data, size_t len, const char *what,
		      wp_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	wp_manifest m = {0};
	json_t *config = NULL, *layers = NULL;
	int r;

	if (len > WP_MANIFEST_MAX)
		return wp_error_set(err, WP_ELIMIT, "%s: larger than %u bytes", what,
				    WP_MANIFEST_MAX);
	if ((r = wp_json_parse(&j, data, len, what, err)) < 0)
		return r;
	r = common_from_json(j, what, &m.media_type, &m.artifact_type, &m.subject, &m.annotations,
			     err);
	if (r == 0 && m.media_type && !wp_media_type_is_manifest(m.media_type))
		r = wp_error_set(err, WP_EINVALID,
				 "%s: mediaType \"%s\" is not an image manifest%s", what,
				 m.media_type,
				 wp_media_type_is_index(m.media_type) ? " (it is an index)" : "");
	if (r == 0 && !m.media_type && json_object_get(j, "manifests"))
		r = wp_error_set(err, WP_EINVALID, "%s: has \"manifests\": it is an index", what);
	if (r == 0)
		r = wp_json_get_object(j, "config", true, what, "", &config, err);
	if (r == 0)
		r = wp_json_get_array(j, "layers", true, what, "", &layers, err);
	if (r == 0)
		r = wp_descriptor_from_json(&m.config, config, what, "config", err);
	if (r == 0)
		r = descriptors_from_json(&m.layers, &m.n_layers, layers, what, "layers", err);
	if (r < 0) {
		wp_manifest_release(&m);
		return r;
	}
	*out = m;
	return 0;
}

int wp_index_parse(wp_index *out, const char *data, size_t len, const char *what, wp_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	wp_index idx = {0};
	json_t *manifests = NULL;
	int r;

	if (len > WP_MANIFEST_MAX)
		return wp_error_set(err, WP_ELIMIT, "%s: larger than %u bytes", what,
				    WP_MANIFEST_MAX);
	if ((r = wp_json_parse(&j, data, len, what, err)) < 0)
		return r;
	r = common_from_json(j, what, &idx.media_type, &idx.artifact_type, &idx.subject,
			     &idx.annotations, err);
	if (r == 0 && idx.media_type && !wp_media_type_is_index(idx.media_type))
		r = wp_error_set(err, WP_EINVALID, "%s: mediaType \"%s\" is not an image index",
				 what, idx.media_type);
	if (r == 0)
		r = wp_json_get_array(j, "manifests", true, what, "", &manifests, err);
	if (r == 0)
		r = descriptors_from_json(&idx.manifests, &idx.n_manifests, manifests, what,
					  "manifests", err);
	if (r < 0) {
		wp_index_release(&idx);
		return r;
	}
	*out = idx;
	return 0;
}
