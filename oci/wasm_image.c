#include "wasm_image.h"
#include "config.h"
#include "manifest.h"
#include "mediatype.h"
#include "../lib/buf.h"
#include "../lib/digest.h"
#include "../lib/json.h"
#include "../lib/common.h"

#define RUNWASI_LAYERS_LABEL "containerd.runwasi.layers"

static int set_strv_json(json_t *o, const char *key, const wp_strv *v, wp_error **err)
{
	json_t *arr = NULL;
	int r = v ? wp_strv_to_json(v, &arr, key, err) : 0;

	if (r == 0 && !arr && !(arr = json_array()))
		r = wp_error_oom(err);
	return r < 0 ? r : wp_json_set_new(o, key, arr, err);
}

/* application/vnd.wasm.config.v0+json, its keys sorted like every JSON
 * wasmpack writes. */
static int artifact_config(const wp_wasm_image_spec *spec, const char *created,
			   const char *layer_digest, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *c = json_object();
	json_t *digests = json_array(), *comp = NULL;
	int r = c && digests ? 0 : wp_error_oom(err);

	if (r == 0)
		r = wp_json_set_string(c, "created", created, "created", err);
	if (r == 0 && spec->author)
		r = wp_json_set_string(c, "author", spec->author, "author", err);
	if (r == 0)
		r = wp_json_set_string(c, "architecture", "wasm", "architecture", err);
	if (r == 0)
		r = wp_json_set_string(c, "os", spec->os, "os", err);
	if (r == 0)
		r = wp_json_append_string(digests, layer_digest, "layer digest", err);
	if (r == 0)
		r = wp_json_set_new(c, "layerDigests", TAKE_PTR(digests), err);
	if (r == 0 && spec->component) {
		if (!(comp = json_object()))
			r = wp_error_oom(err);
		if (r == 0)
			r = set_strv_json(comp, "exports", spec->component_exports, err);
		if (r == 0)
			r = set_strv_json(comp, "imports", spec->component_imports, err);
		if (r == 0 && spec->component_target)
			r = wp_json_set_string(comp, "target", spec->component_target, "target",
					       err);
		if (r == 0)
			r = wp_json_set_new(c, "component", TAKE_PTR(comp), err);
	}
	json_decref(digests);
	json_decref(comp);
	return r < 0 ? r : wp_json_dump_canonical(c, out, err);
}

/* A standard image config with no diff_ids (the layer is not a tar), as
 * runwasi's oci-tar-builder writes it. */
static int wasm_layer_config(const wp_wasm_image_spec *spec, const char *created,
			     const char *layer_digest, wp_buf *out, wp_error **err)
{
	wp_image_config c = {0};
	char unique[WP_DIGEST_SIZE];
	int r = wp_platform_parse(&c.platform, "wasip1/wasm", err);

	if (r == 0 && strcmp(spec->os, "wasip1") != 0)
		r = wp_error_set(err, WP_EINVALID,
				 "a wasm-layer image is for core modules (os wasip1), not %s",
				 spec->os);
	/* optional here, as in the default image: only with SOURCE_DATE_EPOCH */
	if (r == 0 && spec->created >= 0 && !(c.created = strdup(created)))
		r = wp_error_oom(err);
	if (r == 0 && spec->author && !(c.author = strdup(spec->author)))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_strv_push(&c.entrypoint, spec->title, err);
	c.has_entrypoint = true;
	for (size_t i = 0; r == 0 && spec->cmd && i < spec->cmd->len; i++)
		r = wp_strv_push(&c.cmd, spec->cmd->items[i], err);
	c.has_cmd = spec->cmd && spec->cmd->len;
	for (size_t i = 0; r == 0 && spec->env && i < spec->env->len; i++)
		r = wp_strv_push(&c.env, spec->env->items[i], err);
	for (size_t i = 0; r == 0 && spec->labels && i < spec->labels->len; i++)
		r = wp_kv_set(&c.labels, spec->labels->items[i].key, spec->labels->items[i].value,
			      err);
	/* runwasi: the hex SHA-256 of the layer digests joined, so that two
	 * images with equal configs but different modules differ */
	if (r == 0)
		r = wp_sha256_bytes(unique, layer_digest, strlen(layer_digest), err);
	if (r == 0)
		r = wp_kv_set(&c.labels, RUNWASI_LAYERS_LABEL, wp_digest_hex(unique), err);
	if (r == 0)
		r = wp_image_config_serialize(&c, out, err);
	wp_image_config_release(&c);
	return r;
}

int wp_wasm_image_build(wp_layout *l, const wp_wasm_image_spec *spec, wp_built_image *out,
			wp_error **err)
{
	wp_built_image img = {0};
	wp_manifest m = {0};
	wp_descriptor layer = {0};
	wp_buf config = WP_BUF_INIT(WP_CONFIG_MAX);
	char created[32], digest[WP_DIGEST_SIZE];
	int64_t size = 0;
	int r = wp_format_rfc3339(spec->created >= 0 ? spec->created : 0, created, err);

	if (r == 0 && !(img.layers = calloc(1, sizeof(*img.layers))))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_layout_put_file(l, spec->module_path, digest, &size, err);
	if (r == 0) {
		img.n_layers = 1;
		memcpy(img.layers[0].digest, digest, WP_DIGEST_SIZE);
		memcpy(img.layers[0].diff_id, digest, WP_DIGEST_SIZE);
		img.layers[0].size = img.layers[0].uncompressed_size = size;
		img.layers[0].compression = WP_COMPRESSION_NONE;
		img.layer = img.layers[0];
		r = spec->kind == WP_WASM_IMAGE_ARTIFACT
			    ? artifact_config(spec, created, digest, &config, err)
			    : wasm_layer_config(spec, created, digest, &config, err);
	}
	if (r == 0)
		r = wp_layout_put_blob(l, config.data, config.len, digest, err);
	if (r == 0)
		r = wp_descriptor_set(&img.config,
				      spec->kind == WP_WASM_IMAGE_ARTIFACT ? WP_MT_WASM_CONFIG
									   : WP_MT_OCI_CONFIG,
				      digest, (int64_t)config.len, err);
	if (r == 0 && !(m.media_type = strdup(WP_MT_OCI_MANIFEST)))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_descriptor_copy(&m.config, &img.config, err);
	if (r == 0)
		r = wp_descriptor_set(&layer, WP_MT_WASM_LAYER, img.layer.digest, size, err);
	if (r == 0)
		r = wp_kv_set(&layer.annotations, "org.opencontainers.image.title", spec->title,
			      err);
	if (r == 0)
		r = wp_manifest_add_layer(&m, &layer, err);
	for (size_t i = 0; r == 0 && spec->annotations && i < spec->annotations->len; i++)
		r = wp_kv_set(&m.annotations, spec->annotations->items[i].key,
			      spec->annotations->items[i].value, err);
	if (r == 0)
		r = wp_image_store_manifest(l, &m, &img.manifest, err);
	wp_descriptor_release(&layer);
	wp_manifest_release(&m);
	wp_buf_release(&config);
	if (r < 0) {
		wp_built_image_release(&img);
		return r;
	}
	*out = img;
	return 0;
}
