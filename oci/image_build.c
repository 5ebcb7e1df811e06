#include "image_build.h"
#include "config.h"
#include "manifest.h"
#include "mediatype.h"
#include "../lib/buf.h"
#include "../lib/log.h"
#include "../lib/common.h"

int wp_image_spec_check(const wp_image_spec *spec, wp_error **err)
{
	if (!spec->docker_media_types)
		return 0;
	if (spec->layer.compression == WP_COMPRESSION_ZSTD)
		return wp_error_set(err, WP_EINVALID,
				    "zstd layers need OCI media types (Docker schema2 has no zstd "
				    "layer type); drop --media-types docker or use gzip");
	if (spec->annotations.len)
		return wp_error_set(err, WP_EINVALID,
				    "Docker schema2 manifests cannot carry annotations; drop "
				    "--media-types docker or the annotations");
	return 0;
}

static const char *layer_media_type(const wp_image_spec *spec)
{
	switch (spec->layer.compression) {
	case WP_COMPRESSION_GZIP:
		return spec->docker_media_types ? WP_MT_DOCKER_LAYER_GZIP : WP_MT_OCI_LAYER_GZIP;
	case WP_COMPRESSION_ZSTD:
		return WP_MT_OCI_LAYER_ZSTD;
	default:
		return spec->docker_media_types ? WP_MT_DOCKER_LAYER : WP_MT_OCI_LAYER;
	}
}

static int copy_strv(wp_strv *dst, const wp_strv *src, wp_error **err)
{
	for (size_t i = 0; i < src->len; i++) {
		int r = wp_strv_push(dst, src->items[i], err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int build_config(const wp_image_spec *spec, const wp_image_layer *layers,
			const wp_built_image *img, wp_buf *out, wp_error **err)
{
	wp_image_config c = {0};
	wp_history h = {0};
	char created[32];
	int r = wp_platform_copy(&c.platform, &spec->platform, err);

	if (r == 0 && spec->created >= 0 &&
	    (r = wp_format_rfc3339(spec->created, created, err)) == 0) {
		if (!(c.created = strdup(created)))
			r = wp_error_oom(err);
		h.created = created;
	}
	if (r == 0 && ((spec->author && !(c.author = strdup(spec->author))) ||
		       (spec->user && !(c.user = strdup(spec->user))) ||
		       (spec->working_dir && !(c.working_dir = strdup(spec->working_dir)))))
		r = wp_error_oom(err);
	if (r == 0)
		r = copy_strv(&c.entrypoint, &spec->entrypoint, err);
	c.has_entrypoint = spec->entrypoint.len > 0;
	if (r == 0)
		r = copy_strv(&c.cmd, &spec->cmd, err);
	c.has_cmd = spec->has_cmd;
	if (r == 0)
		r = copy_strv(&c.env, &spec->env, err);
	if (r == 0)
		r = copy_strv(&c.exposed_ports, &spec->exposed_ports, err);
	for (size_t i = 0; r == 0 && i < spec->labels.len; i++)
		r = wp_kv_set(&c.labels, spec->labels.items[i].key, spec->labels.items[i].value,
			      err);
	for (size_t i = 0; r == 0 && i < img->n_layers; i++)
		r = wp_strv_push(&c.diff_ids, img->layers[i].diff_id, err);
	h.comment = (char *)"wasmpack";
	for (size_t i = 0; r == 0 && i < img->n_layers; i++) {
		h.created_by = (char *)layers[i].history;
		if (layers[i].history)
			r = wp_image_config_add_history(&c, &h, err);
	}
	if (r == 0)
		r = wp_image_config_serialize(&c, out, err);
	wp_image_config_release(&c);
	return r;
}

int wp_image_store_manifest(wp_layout *l, const wp_manifest *m, wp_descriptor *out, wp_error **err)
{
	wp_buf bytes = WP_BUF_INIT(WP_MANIFEST_MAX);
	char digest[WP_DIGEST_SIZE];
	int r = wp_manifest_serialize(m, &bytes, err);

	if (r == 0)
		r = wp_layout_put_blob(l, bytes.data, bytes.len, digest, err);
	if (r == 0)
		r = wp_descriptor_set(out, m->media_type, digest, (int64_t)bytes.len, err);
	wp_buf_release(&bytes);
	return r;
}

int wp_image_build(wp_layout *l, const wp_image_spec *spec, wp_built_image *out, wp_error **err)
{
	wp_built_image img = {0};
	wp_manifest m = {0};
	wp_descriptor layer_desc = {0};
	wp_buf config = WP_BUF_INIT(WP_CONFIG_MAX);
	const wp_image_layer one = {spec->files, spec->history};
	const wp_image_layer *layers = spec->n_layers ? spec->layers : &one;
	size_t n = spec->n_layers ? spec->n_layers : 1;
	wp_layer_options lo = spec->layer;
	char digest[WP_DIGEST_SIZE];
	int r = wp_image_spec_check(spec, err);

	if (n > 1)
		lo.tee_fd = -1;
	if (r == 0 && !(img.layers = calloc(n, sizeof(*img.layers))))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = wp_layer_write(l, layers[i].files, &lo, &img.layers[i], err);
		if (r == 0)
			img.n_layers++;
	}
	if (r == 0)
		img.layer = img.layers[0];
	if (r == 0)
		r = build_config(spec, layers, &img, &config, err);
	if (r == 0)
		r = wp_layout_put_blob(l, config.data, config.len, digest, err);
	if (r == 0)
		r = wp_descriptor_set(&img.config,
				      spec->docker_media_types ? WP_MT_DOCKER_CONFIG
							       : WP_MT_OCI_CONFIG,
				      digest, (int64_t)config.len, err);
	if (r == 0 && !(m.media_type = strdup(spec->docker_media_types ? WP_MT_DOCKER_MANIFEST
								       : WP_MT_OCI_MANIFEST)))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_descriptor_copy(&m.config, &img.config, err);
	for (size_t i = 0; r == 0 && i < img.n_layers; i++) {
		r = wp_descriptor_set(&layer_desc, layer_media_type(spec), img.layers[i].digest,
				      img.layers[i].size, err);
		if (r == 0)
			r = wp_manifest_add_layer(&m, &layer_desc, err);
		wp_descriptor_release(&layer_desc);
	}
	for (size_t i = 0; r == 0 && i < spec->annotations.len; i++)
		r = wp_kv_set(&m.annotations, spec->annotations.items[i].key,
			      spec->annotations.items[i].value, err);
	if (r == 0)
		r = wp_image_store_manifest(l, &m, &img.manifest, err);
	wp_manifest_release(&m);
	wp_buf_release(&config);
	if (r < 0) {
		wp_built_image_release(&img);
		return r;
	}
	wp_log_debug("manifest %s, config %s", img.manifest.digest, img.config.digest);
	*out = img;
	return 0;
}

void wp_built_image_release(wp_built_image *img)
{
	wp_descriptor_release(&img->manifest);
	wp_descriptor_release(&img->config);
	free(img->layers);
	img->layers = NULL;
	img->n_layers = 0;
}
