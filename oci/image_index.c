#include "image_index.h"
#include "manifest.h"
#include "mediatype.h"
#include "../lib/buf.h"
#include "../lib/common.h"

int wp_image_index_build(wp_layout *l, const wp_descriptor *images, size_t n,
			 const wp_kv *annotations, bool docker_media_types, wp_descriptor *out,
			 wp_error **err)
{
	const char *mt = docker_media_types ? WP_MT_DOCKER_MANIFEST_LIST : WP_MT_OCI_INDEX;
	wp_index idx = {0};
	wp_buf bytes = WP_BUF_INIT(WP_MANIFEST_MAX);
	char digest[WP_DIGEST_SIZE];
	int r = 0;

	if (n == 0)
		return wp_error_set(err, WP_EINVALID, "an image index needs at least one image");
	if (!(idx.media_type = strdup(mt)))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!images[i].platform)
			r = wp_error_set(err, WP_EINVALID,
					 "image %s has no platform: an index entry needs one",
					 images[i].digest);
		else
			r = wp_index_add_manifest(&idx, &images[i], err);
	}
	for (size_t i = 0; r == 0 && annotations && i < annotations->len; i++)
		r = wp_kv_set(&idx.annotations, annotations->items[i].key,
			      annotations->items[i].value, err);
	if (r == 0)
		r = wp_index_serialize(&idx, &bytes, err);
	if (r == 0)
		r = wp_layout_put_blob(l, bytes.data, bytes.len, digest, err);
	if (r == 0)
		r = wp_descriptor_set(out, mt, digest, (int64_t)bytes.len, err);
	wp_index_release(&idx);
	wp_buf_release(&bytes);
	return r;
}
