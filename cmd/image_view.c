#include "image_view.h"
#include "remote_cmd.h"
#include "../lib/str.h"
#include "../oci/image_wasm.h"
#include "../oci/mediatype.h"
#include "../oci/pull.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static void init_bufs(struct image_view *v)
{
	v->top_bytes = (wp_buf)WP_BUF_INIT(WP_MANIFEST_MAX);
	v->config_bytes = (wp_buf)WP_BUF_INIT(WP_CONFIG_MAX);
}

void image_view_release(struct image_view *v)
{
	wp_source_close(&v->src);
	wp_descriptor_release(&v->top);
	wp_buf_release(&v->top_bytes);
	wp_descriptor_release(&v->image);
	wp_manifest_release(&v->m);
	wp_buf_release(&v->config_bytes);
	wp_image_config_release(&v->config);
	free(v->platform);
	memset(v, 0, sizeof(*v));
}

/* Everything below the top: the image, its manifest and config. */
static int open_image(struct image_view *v, const wp_platform *platform, wp_error **err)
{
	wp_buf image_bytes = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_index idx = {0};
	const wp_descriptor *picked = NULL;
	int r = 0;

	if (wp_media_type_is_index(v->top.media_type)) {
		r = wp_index_parse(&idx, v->top_bytes.data, v->top_bytes.len, v->top.digest, err);
		if (r == 0)
			r = wp_index_pick(&idx, platform, "the index", &picked, err);
		if (r == 0)
			r = wp_descriptor_copy(&v->image, picked, err);
		if (r == 0 && picked->platform &&
		    !(v->platform = wp_platform_format(picked->platform)))
			r = wp_error_oom(err);
		if (r == 0)
			r = wp_layout_read_blob(v->l, v->image.digest, &image_bytes, err);
	} else {
		r = wp_descriptor_copy(&v->image, &v->top, err);
		if (r == 0)
			r = wp_buf_append(&image_bytes, v->top_bytes.data, v->top_bytes.len, err);
	}
	if (r == 0)
		r = wp_manifest_parse(&v->m, image_bytes.data, image_bytes.len, v->image.digest,
				      err);
	if (r == 0)
		r = wp_layout_read_blob(v->l, v->m.config.digest, &v->config_bytes, err);
	v->has_config = r == 0 && (strcmp(v->m.config.media_type, WP_MT_OCI_CONFIG) == 0 ||
				   strcmp(v->m.config.media_type, WP_MT_DOCKER_CONFIG) == 0);
	if (r == 0 && v->has_config)
		r = wp_image_config_parse(&v->config, v->config_bytes.data, v->config_bytes.len,
					  v->m.config.digest, err);
	wp_index_release(&idx);
	wp_buf_release(&image_bytes);
	return r;
}

int image_view_open_layout(struct image_view *v, const wp_layout *l, const wp_descriptor *top,
			   const wp_platform *platform, wp_error **err)
{
	int r;

	*v = (struct image_view){0};
	init_bufs(v);
	v->l = l;
	r = wp_descriptor_copy(&v->top, top, err);
	if (r == 0)
		r = wp_layout_read_blob(l, top->digest, &v->top_bytes, err);
	if (r == 0)
		r = open_image(v, platform, err);
	return r;
}

/* A registry image, pulled (verified) into a temporary layout that
 * wp_source_close removes. */
static int open_remote(struct image_view *v, const char *source, const wp_platform *platform,
		       const struct remote_args *remote, bool top_only, wp_error **err)
{
	wp_reference ref = {0};
	wp_registry *reg = NULL;
	wp_remote_manifest top = {0};
	wp_pull_options po = {.platform = platform};
	wp_pull_result res = {0};
	const char *tmp = getenv("TMPDIR");
	int r = remote_parse_reference(source, &ref, err);

	if (r == 0 && !(v->src.staging = wp_strdup_printf("%s/wasmpack-image-XXXXXX",
							  tmp && *tmp ? tmp : "/tmp")))
		r = wp_error_oom(err);
	if (r == 0 && !mkdtemp(v->src.staging)) {
		r = wp_error_set_errno(err, errno, "cannot create a temporary directory");
		free(v->src.staging);
		v->src.staging = NULL;
	}
	if (r == 0)
		r = wp_layout_open(&v->src.layout, v->src.staging, WP_LAYOUT_WRITE, err);
	v->l = v->src.layout;
	if (r == 0)
		r = remote_args_open(remote, ref.registry, &reg, err);
	if (r == 0)
		r = wp_remote_get_manifest(reg, ref.repository, remote_ref_target(&ref), &top, err);
	if (r == 0)
		r = wp_descriptor_set(&v->top, top.media_type, top.digest, (int64_t)top.bytes.len,
				      err);
	/* the bytes as the registry holds them: an index is not pulled */
	if (r == 0)
		r = wp_buf_append(&v->top_bytes, top.bytes.data, top.bytes.len, err);
	if (r == 0 && !top_only)
		r = wp_pull_image(reg, ref.repository, top.digest, v->src.layout, &po, &res, err);
	wp_pull_result_release(&res);
	wp_remote_manifest_release(&top);
	wp_registry_free(reg);
	wp_reference_release(&ref);
	return r;
}

int image_view_open(struct image_view *v, const char *source, const wp_platform *platform,
		    const struct remote_args *remote, bool top_only, wp_error **err)
{
	int r;

	*v = (struct image_view){0};
	init_bufs(v);
	if (wp_source_is_spec(source)) {
		r = wp_source_open(&v->src, source, NULL, err);
		v->l = v->src.layout;
		if (r == 0)
			r = wp_descriptor_copy(&v->top, &v->src.manifest, err);
		if (r == 0)
			r = wp_layout_read_blob(v->l, v->top.digest, &v->top_bytes, err);
	} else {
		r = open_remote(v, source, platform, remote, top_only, err);
	}
	if (r == 0 && !top_only)
		r = open_image(v, platform, err);
	return r;
}

int image_view_write_wasm(const struct image_view *v, const char *out_path, uint64_t max_size,
			  wp_error **err)
{
	wp_image_wasm w = {0};
	int r = wp_image_find_wasm(&v->m, v->has_config ? &v->config : NULL, &w, err);

	if (r == 0)
		r = wp_image_write_wasm(v->l, &v->m, &w, out_path, max_size, err);
	wp_image_wasm_release(&w);
	return r;
}
