/* oci/image_build: a layer, its config and the manifest, written into a
 * layout, consistent with each other and reproducible. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/config.h"
#include "../../oci/image_build.h"
#include "../../oci/image_index.h"
#include "../../oci/layer.h"
#include "../../oci/layout.h"
#include "../../oci/manifest.h"
#include "../../oci/mediatype.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(image_build);

struct fixture {
	wp_layer_plan plan;
	wp_image_spec spec;
};

static void fixture_init(struct fixture *f, wp_compression c, bool docker)
{
	_cleanup_free_ char *wasm = test_write_file(tmp, "app.wasm", "\0asm\1\0\0\0", 8, 0644);
	wp_error *err = NULL;
	int r;

	memset(f, 0, sizeof(*f));
	r = wp_layer_plan_add_file(&f->plan, "/app.wasm", wasm, 0755, &err);
	assert_ok(r, err);
	r = wp_layer_plan_finish(&f->plan, &err);
	assert_ok(r, err);
	r = wp_platform_parse(&f->spec.platform, "wasip1/wasm", &err);
	assert_ok(r, err);
	r = wp_strv_push(&f->spec.entrypoint, "/app.wasm", &err);
	assert_ok(r, err);
	f->spec.docker_media_types = docker;
	f->spec.created = 1704164645;
	f->spec.history = "COPY app.wasm /app.wasm # wasmpack";
	f->spec.files = &f->plan;
	f->spec.layer.compression = c;
	f->spec.layer.threads = 2;
	f->spec.layer.mtime = 0;
	f->spec.layer.tee_fd = -1;
}

static void fixture_release(struct fixture *f)
{
	wp_layer_plan_release(&f->plan);
	wp_platform_release(&f->spec.platform);
	wp_strv_release(&f->spec.entrypoint);
	wp_kv_release(&f->spec.annotations);
}

static void build(wp_layout *l, const wp_image_spec *spec, wp_built_image *img)
{
	wp_error *err = NULL;
	int r = wp_image_build(l, spec, img, &err);

	assert_ok(r, err);
}

/* Reads the image's manifest back from the layout; returns its size. */
static size_t read_manifest(wp_layout *l, const wp_built_image *img, wp_manifest *m)
{
	wp_buf text = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_error *err = NULL;
	size_t len;
	int r = wp_layout_read_blob(l, img->manifest.digest, &text, &err);

	assert_ok(r, err);
	r = wp_manifest_parse(m, text.data, text.len, "manifest", &err);
	assert_ok(r, err);
	len = text.len;
	wp_buf_release(&text);
	return len;
}

Test(image_build, manifest_config_and_layer_agree)
{
	struct fixture f;
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_built_image img;
	wp_buf ctext = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_manifest m;
	wp_image_config c;
	wp_error *err = NULL;
	int r;

	fixture_init(&f, WP_COMPRESSION_GZIP, false);
	build(l, &f.spec, &img);
	cr_assert_str_eq(img.manifest.media_type, WP_MT_OCI_MANIFEST);
	cr_assert_eq((int64_t)read_manifest(l, &img, &m), img.manifest.size);
	cr_assert_str_eq(m.media_type, WP_MT_OCI_MANIFEST);
	cr_assert_str_eq(m.config.media_type, WP_MT_OCI_CONFIG);
	cr_assert_str_eq(m.config.digest, img.config.digest);
	cr_assert_eq(m.config.size, img.config.size);
	cr_assert_eq(m.n_layers, 1);
	cr_assert_str_eq(m.layers[0].media_type, WP_MT_OCI_LAYER_GZIP);
	cr_assert_str_eq(m.layers[0].digest, img.layer.digest);
	cr_assert_eq(m.layers[0].size, img.layer.size);
	cr_assert(wp_layout_has_blob(l, img.layer.digest, img.layer.size));
	r = wp_layout_read_blob(l, img.config.digest, &ctext, &err);
	assert_ok(r, err);
	r = wp_image_config_parse(&c, ctext.data, ctext.len, "config", &err);
	assert_ok(r, err);
	cr_assert_str_eq(c.platform.os, "wasip1");
	cr_assert_str_eq(c.platform.architecture, "wasm");
	cr_assert_str_eq(c.created, "2024-01-02T03:04:05Z");
	cr_assert_eq(c.entrypoint.len, 1);
	cr_assert_str_eq(c.entrypoint.items[0], "/app.wasm");
	cr_assert_eq(c.diff_ids.len, 1);
	cr_assert_str_eq(c.diff_ids.items[0], img.layer.diff_id);
	cr_assert_eq(c.n_history, 1);
	cr_assert_str_eq(c.history[0].created_by, "COPY app.wasm /app.wasm # wasmpack");
	cr_assert_str_eq(c.history[0].created, "2024-01-02T03:04:05Z");
	wp_image_config_release(&c);
	wp_manifest_release(&m);
	wp_buf_release(&ctext);
	wp_built_image_release(&img);
	fixture_release(&f);
	wp_layout_close(l);
}

Test(image_build, builds_are_reproducible)
{
	struct fixture f;
	wp_layout *a = test_open_layout(tmp, "a"), *b = test_open_layout(tmp, "b");
	wp_built_image ia, ib;

	fixture_init(&f, WP_COMPRESSION_ZSTD, false);
	build(a, &f.spec, &ia);
	f.spec.layer.threads = 1;
	build(b, &f.spec, &ib);
	cr_assert_str_eq(ia.manifest.digest, ib.manifest.digest);
	cr_assert_str_eq(ia.config.digest, ib.config.digest);
	cr_assert_str_eq(ia.layer.digest, ib.layer.digest);
	wp_built_image_release(&ia);
	wp_built_image_release(&ib);
	fixture_release(&f);
	wp_layout_close(a);
	wp_layout_close(b);
}

Test(image_build, no_timestamps_when_created_is_negative)
{
	struct fixture f;
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_built_image img;
	wp_buf ctext = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_error *err = NULL;
	int r;

	fixture_init(&f, WP_COMPRESSION_GZIP, false);
	f.spec.created = -1;
	build(l, &f.spec, &img);
	r = wp_layout_read_blob(l, img.config.digest, &ctext, &err);
	assert_ok(r, err);
	cr_assert_null(strstr(ctext.data, "created\":"), "%s", ctext.data);
	wp_buf_release(&ctext);
	wp_built_image_release(&img);
	fixture_release(&f);
	wp_layout_close(l);
}

Test(image_build, docker_media_types)
{
	struct fixture f;
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_built_image img;
	wp_manifest m;

	fixture_init(&f, WP_COMPRESSION_GZIP, true);
	build(l, &f.spec, &img);
	read_manifest(l, &img, &m);
	cr_assert_str_eq(m.media_type, WP_MT_DOCKER_MANIFEST);
	cr_assert_str_eq(m.config.media_type, WP_MT_DOCKER_CONFIG);
	cr_assert_str_eq(m.layers[0].media_type, WP_MT_DOCKER_LAYER_GZIP);
	wp_manifest_release(&m);
	wp_built_image_release(&img);
	fixture_release(&f);
	wp_layout_close(l);
}

Test(image_build, docker_refusals_write_nothing)
{
	struct fixture f;
	_cleanup_free_ char *blobs = test_path(tmp, "layout/blobs/sha256");
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_built_image img = {0};
	wp_error *err = NULL;
	int r;

	fixture_init(&f, WP_COMPRESSION_ZSTD, true);
	r = wp_image_build(l, &f.spec, &img, &err);
	assert_error(r, err, WP_EINVALID, "zstd layers need OCI media types");
	f.spec.layer.compression = WP_COMPRESSION_GZIP;
	r = wp_kv_set(&f.spec.annotations, "org.opencontainers.image.source", "x", &err);
	assert_ok(r, err);
	r = wp_image_build(l, &f.spec, &img, &err);
	assert_error(r, err, WP_EINVALID, "cannot carry annotations");
	cr_assert_eq(test_count_entries(blobs, NULL), 0);
	fixture_release(&f);
	wp_layout_close(l);
}

Test(image_build, oci_annotations_go_on_the_manifest)
{
	struct fixture f;
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_built_image img;
	wp_manifest m;
	wp_error *err = NULL;
	int r;

	fixture_init(&f, WP_COMPRESSION_NONE, false);
	r = wp_kv_set(&f.spec.annotations, "org.opencontainers.image.source", "https://x", &err);
	assert_ok(r, err);
	build(l, &f.spec, &img);
	cr_assert_str_eq(img.layer.digest, img.layer.diff_id);
	read_manifest(l, &img, &m);
	cr_assert_str_eq(wp_kv_get(&m.annotations, "org.opencontainers.image.source"), "https://x");
	cr_assert_str_eq(m.layers[0].media_type, WP_MT_OCI_LAYER);
	wp_manifest_release(&m);
	wp_built_image_release(&img);
	fixture_release(&f);
	wp_layout_close(l);
}

/* Two images of one module under two platforms, in an index, in order. */
Test(image_build, an_index_lists_its_images_with_their_platforms)
{
	static const char *const platforms[] = {"wasi/wasm", "linux/amd64"};
	_cleanup_free_ char *dir = test_path(tmp, "layout");
	struct fixture f;
	wp_layout *l = NULL;
	wp_descriptor images[2] = {{0}}, index = {0};
	wp_buf bytes = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_index parsed = {0};
	wp_error *err = NULL;

	fixture_init(&f, WP_COMPRESSION_GZIP, false);
	assert_ok(wp_layout_open(&l, dir, WP_LAYOUT_WRITE, &err), err);
	for (size_t i = 0; i < 2; i++) {
		wp_built_image img;

		wp_platform_release(&f.spec.platform);
		assert_ok(wp_platform_parse(&f.spec.platform, platforms[i], &err), err);
		assert_ok(wp_image_build(l, &f.spec, &img, &err), err);
		assert_ok(wp_descriptor_copy(&images[i], &img.manifest, &err), err);
		images[i].platform = calloc(1, sizeof(wp_platform));
		assert_ok(wp_platform_copy(images[i].platform, &f.spec.platform, &err), err);
		wp_built_image_release(&img);
	}
	assert_ok(wp_image_index_build(l, images, 2, NULL, false, &index, &err), err);
	cr_assert_str_eq(index.media_type, WP_MT_OCI_INDEX);
	assert_ok(wp_layout_read_blob(l, index.digest, &bytes, &err), err);
	assert_ok(wp_index_parse(&parsed, bytes.data, bytes.len, "index", &err), err);
	cr_assert_eq(parsed.n_manifests, 2);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *p = wp_platform_format(parsed.manifests[i].platform);

		cr_assert_str_eq(parsed.manifests[i].digest, images[i].digest);
		cr_assert_str_eq(p, platforms[i]);
	}
	wp_descriptor_release(&images[0]);
	wp_descriptor_release(&images[1]);
	{
		int r = wp_image_index_build(l, images, 0, NULL, false, &index, &err);

		assert_error(r, err, WP_EINVALID, "at least one image");
	}
	wp_descriptor_release(&index);
	wp_index_release(&parsed);
	wp_buf_release(&bytes);
	wp_layout_close(l);
	fixture_release(&f);
}
