/* oci/manifest and oci/descriptor: canonical serialization against golden
 * files, parsing back, and the parsers' refusals. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/descriptor.h"
#include "../../oci/manifest.h"
#include "../../oci/mediatype.h"
#include "../../lib/common.h"

#define GOLDEN "../data/golden/"
#define D_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D_JSON "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define D_LONG "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

/* A manifest document with `layers` spliced in. */
#define MANIFEST_WITH_LAYERS(layers)                                              \
	"{\"schemaVersion\":2,\"mediaType\":\"" WP_MT_OCI_MANIFEST "\","          \
	"\"config\":{\"mediaType\":\"" WP_MT_OCI_CONFIG "\",\"digest\":\"" D_JSON \
	"\",\"size\":2},"                                                         \
	"\"layers\":" layers "}"
#define LAYER(digest, size) \
	"{\"mediaType\":\"" WP_MT_OCI_LAYER_GZIP "\",\"digest\":\"" digest "\",\"size\":" size "}"

static void set_desc(wp_descriptor *d, const char *mt, const char *digest, int64_t size)
{
	wp_error *err = NULL;
	int r = wp_descriptor_set(d, mt, digest, size, &err);

	assert_ok(r, err);
}

static wp_platform *platform(const char *s)
{
	wp_platform *p = calloc(1, sizeof(*p));
	wp_error *err = NULL;
	int r;

	cr_assert_not_null(p);
	r = wp_platform_parse(p, s, &err);
	assert_ok(r, err);
	return p;
}

static void build_oci_manifest(wp_manifest *m)
{
	wp_descriptor l1, l2;
	wp_error *err = NULL;
	int r;

	memset(m, 0, sizeof(*m));
	m->media_type = test_xstrdup(WP_MT_OCI_MANIFEST);
	m->artifact_type = test_xstrdup("application/vnd.example.wasm");
	set_desc(&m->config, WP_MT_OCI_CONFIG, D_JSON, 2);
	set_desc(&l1, WP_MT_OCI_LAYER_GZIP, D_EMPTY, 4567);
	test_kv_set(&l1.annotations, "org.opencontainers.image.title", "app.wasm");
	set_desc(&l2, WP_MT_OCI_LAYER_ZSTD, D_ABC, 3);
	l2.artifact_type = test_xstrdup("application/vnd.example.part");
	test_strv_push(&l2.urls, "https://example.com/layer");
	l2.platform = platform("wasip1/wasm");
	r = wp_manifest_add_layer(m, &l1, &err);
	assert_ok(r, err);
	r = wp_manifest_add_layer(m, &l2, &err);
	assert_ok(r, err);
	wp_descriptor_release(&l1);
	wp_descriptor_release(&l2);
	m->subject = calloc(1, sizeof(*m->subject));
	cr_assert_not_null(m->subject);
	set_desc(m->subject, WP_MT_OCI_MANIFEST, D_LONG, 789);
	/* inserted out of order on purpose */
	test_kv_set(&m->annotations, "org.opencontainers.image.created", "2024-01-02T03:04:05Z");
	test_kv_set(&m->annotations, "com.example.key", "value");
}

Test(manifest, oci_manifest_matches_golden)
{
	wp_manifest m;

	build_oci_manifest(&m);
	assert_serializes_to_golden(wp_manifest_serialize, &m, WP_MANIFEST_MAX,
				    GOLDEN "manifest.json");
	wp_manifest_release(&m);
}

Test(manifest, docker_manifest_matches_golden)
{
	wp_manifest m = {0};
	wp_descriptor layer;
	wp_error *err = NULL;
	int r;

	m.media_type = test_xstrdup(WP_MT_DOCKER_MANIFEST);
	set_desc(&m.config, WP_MT_DOCKER_CONFIG, D_JSON, 2);
	set_desc(&layer, WP_MT_DOCKER_LAYER_GZIP, D_EMPTY, 4567);
	r = wp_manifest_add_layer(&m, &layer, &err);
	assert_ok(r, err);
	wp_descriptor_release(&layer);
	assert_serializes_to_golden(wp_manifest_serialize, &m, WP_MANIFEST_MAX,
				    GOLDEN "docker-manifest.json");
	wp_manifest_release(&m);
}

Test(manifest, docker_manifest_with_annotations_refuses_to_serialize)
{
	wp_manifest m = {0};
	wp_buf out = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_error *err = NULL;
	int r;

	m.media_type = test_xstrdup(WP_MT_DOCKER_MANIFEST);
	set_desc(&m.config, WP_MT_DOCKER_CONFIG, D_JSON, 2);
	test_kv_set(&m.annotations, "org.opencontainers.image.created", "2024-01-02T03:04:05Z");
	r = wp_manifest_serialize(&m, &out, &err);
	assert_error(r, err, WP_EINVALID, "Docker schema2 manifests cannot carry annotations");
	cr_assert_eq(out.len, 0, "nothing is written");
	wp_kv_release(&m.annotations);

	m.artifact_type = test_xstrdup("application/vnd.example");
	r = wp_manifest_serialize(&m, &out, &err);
	assert_error(r, err, WP_EINVALID, "use OCI media types");
	free(m.artifact_type);
	m.artifact_type = NULL;

	m.subject = calloc(1, sizeof(*m.subject));
	cr_assert_not_null(m.subject);
	set_desc(m.subject, WP_MT_DOCKER_MANIFEST, D_ABC, 1);
	r = wp_manifest_serialize(&m, &out, &err);
	assert_error(r, err, WP_EINVALID, "Docker schema2");
	cr_assert_eq(out.len, 0);
	wp_manifest_release(&m);
	wp_buf_release(&out);
}

Test(manifest, serialize_appends_and_respects_the_output_limit)
{
	wp_manifest m;
	wp_buf small = WP_BUF_INIT(100);
	wp_error *err = NULL;
	int r;

	build_oci_manifest(&m);
	r = wp_manifest_serialize(&m, &small, &err);
	assert_error(r, err, WP_ELIMIT, "more than 100 bytes");
	wp_manifest_release(&m);
	wp_buf_release(&small);
}

Test(manifest, parse_golden_back)
{
	wp_manifest m;

	parse_file_ok(wp_manifest_parse, &m, GOLDEN "manifest.json");
	cr_assert_str_eq(m.media_type, WP_MT_OCI_MANIFEST);
	cr_assert_str_eq(m.artifact_type, "application/vnd.example.wasm");
	cr_assert_str_eq(m.config.media_type, WP_MT_OCI_CONFIG);
	cr_assert_str_eq(m.config.digest, D_JSON);
	cr_assert_eq(m.config.size, 2);
	cr_assert_eq(m.n_layers, 2);
	cr_assert_str_eq(m.layers[0].media_type, WP_MT_OCI_LAYER_GZIP);
	cr_assert_str_eq(m.layers[0].digest, D_EMPTY);
	cr_assert_eq(m.layers[0].size, 4567);
	cr_assert_str_eq(wp_kv_get(&m.layers[0].annotations, "org.opencontainers.image.title"),
			 "app.wasm");
	cr_assert_null(m.layers[0].platform);
	cr_assert_null(m.layers[0].artifact_type);
	cr_assert_str_eq(m.layers[1].media_type, WP_MT_OCI_LAYER_ZSTD);
	cr_assert_str_eq(m.layers[1].digest, D_ABC);
	cr_assert_eq(m.layers[1].size, 3);
	cr_assert_str_eq(m.layers[1].artifact_type, "application/vnd.example.part");
	cr_assert_eq(m.layers[1].urls.len, 1);
	cr_assert_str_eq(m.layers[1].urls.items[0], "https://example.com/layer");
	cr_assert_not_null(m.layers[1].platform);
	cr_assert_str_eq(m.layers[1].platform->os, "wasip1");
	cr_assert_str_eq(m.layers[1].platform->architecture, "wasm");
	cr_assert_null(m.layers[1].platform->variant);
	cr_assert_not_null(m.subject);
	cr_assert_str_eq(m.subject->digest, D_LONG);
	cr_assert_eq(m.subject->size, 789);
	cr_assert_eq(m.annotations.len, 2);
	cr_assert_str_eq(wp_kv_get(&m.annotations, "com.example.key"), "value");
	cr_assert_str_eq(wp_kv_get(&m.annotations, "org.opencontainers.image.created"),
			 "2024-01-02T03:04:05Z");
	wp_manifest_release(&m);
}

Test(manifest, parse_then_serialize_round_trips)
{
	static const char *const files[] = {GOLDEN "manifest.json", GOLDEN "docker-manifest.json"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(files); i++) {
		wp_manifest m;

		parse_file_ok(wp_manifest_parse, &m, files[i]);
		assert_serializes_to_golden(wp_manifest_serialize, &m, WP_MANIFEST_MAX, files[i]);
		wp_manifest_release(&m);
	}
}

Test(manifest, parse_accepts_whitespace_and_unknown_fields)
{
	static const char text[] =
		"{ \"schemaVersion\" : 2,\n \"x-extra\": [1, {\"y\": null}],\n"
		" \"config\": {\"mediaType\": \"" WP_MT_OCI_CONFIG "\", \"digest\": \"" D_JSON
		"\", \"size\": 2},\n \"layers\": []\n}\n";
	wp_manifest m;
	wp_error *err = NULL;
	int r = wp_manifest_parse(&m, text, strlen(text), "m", &err);

	assert_ok(r, err);
	cr_assert_null(m.media_type, "a manifest without mediaType is read as such");
	cr_assert_eq(m.n_layers, 0);
	cr_assert_null(m.subject);
	wp_manifest_release(&m);
}

static void expect_manifest_error(const char *text, size_t len, int code, const char *needle)
{
	wp_manifest m = {0};
	wp_error *err = NULL;
	int r = wp_manifest_parse(&m, text, len, "image manifest", &err);

	assert_error(r, err, code, needle);
	cr_assert_null(m.media_type, "out untouched on failure");
	cr_assert_null(m.layers);
}

Test(manifest, refuses_schema_version_1)
{
	static const char text[] = "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}";

	expect_manifest_error(text, strlen(text), WP_EINVALID,
			      "image manifest: schemaVersion: 1 is not supported (expected 2)");
}

Test(manifest, refuses_missing_schema_version)
{
	static const char text[] = "{\"config\":{},\"layers\":[]}";

	expect_manifest_error(text, strlen(text), WP_EINVALID, "schemaVersion: missing");
}

Test(manifest, refuses_an_index)
{
	wp_buf text;

	test_read_file(GOLDEN "index.json", &text, 1 << 20);
	expect_manifest_error(text.data, text.len, WP_EINVALID,
			      "mediaType \"" WP_MT_OCI_INDEX
			      "\" is not an image manifest (it is an index)");
	wp_buf_release(&text);
}

Test(manifest, refuses_an_index_without_media_type)
{
	static const char text[] = "{\"schemaVersion\":2,\"manifests\":[]}";

	expect_manifest_error(text, strlen(text), WP_EINVALID,
			      "image manifest: has \"manifests\": it is an index");
}

Test(manifest, refuses_other_media_types)
{
	static const char text[] = "{\"schemaVersion\":2,\"mediaType\":\"" WP_MT_OCI_CONFIG
				   "\",\"config\":{},\"layers\":[]}";

	expect_manifest_error(text, strlen(text), WP_EINVALID,
			      "mediaType \"" WP_MT_OCI_CONFIG "\" is not an image manifest");
}

Test(manifest, bad_digest_names_the_layer)
{
	static const char text[] =
		MANIFEST_WITH_LAYERS("[" LAYER(D_EMPTY, "1") "," LAYER("sha256:NOTHEX", "2") "]");

	expect_manifest_error(
		text, strlen(text), WP_EINVALID,
		"image manifest: layers[1]: digest: invalid digest \"sha256:NOTHEX\"");
}

Test(manifest, negative_size_is_refused)
{
	static const char text[] = MANIFEST_WITH_LAYERS("[" LAYER(D_EMPTY, "-5") "]");

	expect_manifest_error(text, strlen(text), WP_EINVALID,
			      "image manifest: layers[0].size: negative size -5");
}

Test(manifest, size_must_be_an_integer)
{
	static const char text[] = MANIFEST_WITH_LAYERS("[" LAYER(D_EMPTY, "\"12\"") "]");
	static const char frac[] = MANIFEST_WITH_LAYERS("[" LAYER(D_EMPTY, "1.5") "]");

	expect_manifest_error(text, strlen(text), WP_EINVALID,
			      "layers[0].size: expected an integer");
	expect_manifest_error(frac, strlen(frac), WP_EINVALID,
			      "layers[0].size: expected an integer");
}

Test(manifest, missing_config_is_refused)
{
	static const char text[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" WP_MT_OCI_MANIFEST "\",\"layers\":[]}";

	expect_manifest_error(text, strlen(text), WP_EINVALID, "image manifest: config: missing");
}

Test(manifest, missing_layers_is_refused)
{
	static const char text[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" WP_MT_OCI_CONFIG
		"\",\"digest\":\"" D_JSON "\",\"size\":2}}";

	expect_manifest_error(text, strlen(text), WP_EINVALID, "image manifest: layers: missing");
}

Test(manifest, layers_must_be_objects)
{
	static const char text[] = MANIFEST_WITH_LAYERS("[\"" D_EMPTY "\"]");
	static const char obj[] = MANIFEST_WITH_LAYERS("{}");

	expect_manifest_error(text, strlen(text), WP_EINVALID, "layers[0]: expected an object");
	expect_manifest_error(obj, strlen(obj), WP_EINVALID, "layers: expected an array");
}

Test(manifest, config_descriptor_fields_are_checked)
{
	static const char no_mt[] = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D_JSON
				    "\",\"size\":2},\"layers\":[]}";
	static const char empty_mt[] = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"\","
				       "\"digest\":\"" D_JSON "\",\"size\":2},\"layers\":[]}";
	static const char no_digest[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":2},\"layers\":[]}";

	expect_manifest_error(no_mt, strlen(no_mt), WP_EINVALID, "config.mediaType: missing");
	expect_manifest_error(empty_mt, strlen(empty_mt), WP_EINVALID, "config.mediaType: empty");
	expect_manifest_error(no_digest, strlen(no_digest), WP_EINVALID, "config.digest: missing");
}

Test(manifest, non_string_annotation_is_refused)
{
	static const char text[] = "{\"schemaVersion\":2,\"annotations\":{\"a\":\"ok\",\"b\":1},"
				   "\"config\":{\"mediaType\":\"" WP_MT_OCI_CONFIG
				   "\",\"digest\":\"" D_JSON "\",\"size\":2},\"layers\":[]}";
	static const char in_layer[] =
		MANIFEST_WITH_LAYERS("[{\"mediaType\":\"x\",\"digest\":\"" D_EMPTY
				     "\",\"size\":0,\"annotations\":{\"k\":true}}]");

	expect_manifest_error(text, strlen(text), WP_EINVALID,
			      "image manifest: annotations.b: expected a string");
	expect_manifest_error(in_layer, strlen(in_layer), WP_EINVALID,
			      "layers[0].annotations.k: expected a string");
}

Test(manifest, bad_subject_is_refused)
{
	static const char text[] = "{\"schemaVersion\":2,\"subject\":{\"mediaType\":\"x\","
				   "\"digest\":\"sha256:1\",\"size\":1},"
				   "\"config\":{\"mediaType\":\"" WP_MT_OCI_CONFIG
				   "\",\"digest\":\"" D_JSON "\",\"size\":2},\"layers\":[]}";

	expect_manifest_error(text, strlen(text), WP_EINVALID, "image manifest: subject: digest");
}

Test(manifest, invalid_json_is_refused)
{
	static const char text[] = "{\"schemaVersion\":2,";

	expect_manifest_error(text, strlen(text), WP_EINVALID, "image manifest: invalid JSON");
	expect_manifest_error("[]", 2, WP_EINVALID, "image manifest: expected a JSON object");
}

Test(manifest, over_4_mib_is_refused)
{
	static const char body[] = MANIFEST_WITH_LAYERS("[]");
	size_t len = WP_MANIFEST_MAX + 1;
	/* a valid document padded with whitespace */
	char *text = test_padded(body, len, "");

	expect_manifest_error(text, len, WP_ELIMIT, "image manifest: larger than 4194304 bytes");
	free(text);
}

Test(manifest, exactly_4_mib_is_accepted)
{
	static const char body[] = MANIFEST_WITH_LAYERS("[]");
	size_t len = WP_MANIFEST_MAX;
	char *text = test_padded(body, len, "");
	wp_manifest m;
	wp_error *err = NULL;
	int r = wp_manifest_parse(&m, text, len, "m", &err);

	assert_ok(r, err);
	cr_assert_str_eq(m.config.digest, D_JSON);
	wp_manifest_release(&m);
	free(text);
}

static void build_index(wp_index *idx)
{
	wp_descriptor a, b;
	wp_error *err = NULL;
	int r;

	memset(idx, 0, sizeof(*idx));
	idx->media_type = test_xstrdup(WP_MT_OCI_INDEX);
	test_kv_set(&idx->annotations, "org.opencontainers.image.ref.name", "multi");
	set_desc(&a, WP_MT_OCI_MANIFEST, D_EMPTY, 512);
	a.platform = platform("wasip1/wasm");
	test_kv_set(&a.annotations, "org.opencontainers.image.ref.name", "v1");
	test_kv_set(&a.annotations, "io.containerd.image.name", "docker.io/library/hello:v1");
	set_desc(&b, WP_MT_OCI_MANIFEST, D_ABC, 1024);
	b.platform = platform("linux/arm64/v8");
	b.platform->os_version = test_xstrdup("10.0.17763");
	test_strv_push(&b.platform->os_features, "sse4");
	r = wp_index_add_manifest(idx, &a, &err);
	assert_ok(r, err);
	r = wp_index_add_manifest(idx, &b, &err);
	assert_ok(r, err);
	wp_descriptor_release(&a);
	wp_descriptor_release(&b);
}

Test(manifest, index_matches_golden)
{
	wp_index idx;

	build_index(&idx);
	assert_serializes_to_golden(wp_index_serialize, &idx, WP_MANIFEST_MAX, GOLDEN "index.json");
	wp_index_release(&idx);
}

Test(manifest, index_parse_golden_back)
{
	wp_index idx;
	const wp_platform *p;

	parse_file_ok(wp_index_parse, &idx, GOLDEN "index.json");
	cr_assert_str_eq(idx.media_type, WP_MT_OCI_INDEX);
	cr_assert_str_eq(wp_kv_get(&idx.annotations, "org.opencontainers.image.ref.name"), "multi");
	cr_assert_eq(idx.n_manifests, 2);
	cr_assert_str_eq(idx.manifests[0].digest, D_EMPTY);
	cr_assert_eq(idx.manifests[0].size, 512);
	cr_assert_str_eq(wp_kv_get(&idx.manifests[0].annotations, "io.containerd.image.name"),
			 "docker.io/library/hello:v1");
	cr_assert_str_eq(
		wp_kv_get(&idx.manifests[0].annotations, "org.opencontainers.image.ref.name"),
		"v1");
	p = idx.manifests[1].platform;
	cr_assert_not_null(p);
	cr_assert_str_eq(p->os, "linux");
	cr_assert_str_eq(p->architecture, "arm64");
	cr_assert_str_eq(p->variant, "v8");
	cr_assert_str_eq(p->os_version, "10.0.17763");
	cr_assert_eq(p->os_features.len, 1);
	cr_assert_str_eq(p->os_features.items[0], "sse4");
	/* and back to the same bytes */
	assert_serializes_to_golden(wp_index_serialize, &idx, WP_MANIFEST_MAX, GOLDEN "index.json");
	wp_index_release(&idx);
}

Test(manifest, index_parser_refuses_a_manifest)
{
	static const char one_bad[] = "{\"schemaVersion\":2,\"manifests\":[{\"size\":1}]}";
	wp_buf text;
	wp_index idx = {0};
	wp_error *err = NULL;
	int r;

	test_read_file(GOLDEN "manifest.json", &text, 1 << 20);
	r = wp_index_parse(&idx, text.data, text.len, "index", &err);
	assert_error(r, err, WP_EINVALID,
		     "index: mediaType \"" WP_MT_OCI_MANIFEST "\" is not an image index");
	r = wp_index_parse(&idx, "{\"schemaVersion\":2}", 19, "index", &err);
	assert_error(r, err, WP_EINVALID, "index: manifests: missing");
	r = wp_index_parse(&idx, one_bad, strlen(one_bad), "index", &err);
	assert_error(r, err, WP_EINVALID, "index: manifests[0].mediaType: missing");
	cr_assert_null(idx.manifests);
	wp_buf_release(&text);
}

Test(descriptor, copy_is_deep)
{
	wp_descriptor d, c;
	wp_error *err = NULL;
	int r;

	set_desc(&d, WP_MT_OCI_LAYER, D_ABC, 3);
	test_kv_set(&d.annotations, "k", "v");
	d.platform = platform("linux/amd64");
	test_strv_push(&d.urls, "https://x");
	r = wp_descriptor_copy(&c, &d, &err);
	assert_ok(r, err);
	wp_descriptor_release(&d);
	cr_assert_str_eq(c.media_type, WP_MT_OCI_LAYER);
	cr_assert_str_eq(c.digest, D_ABC);
	cr_assert_eq(c.size, 3);
	cr_assert_str_eq(wp_kv_get(&c.annotations, "k"), "v");
	cr_assert_str_eq(c.platform->architecture, "amd64");
	cr_assert_str_eq(c.urls.items[0], "https://x");
	wp_descriptor_release(&c);
}

Test(descriptor, set_validates_the_digest)
{
	wp_descriptor d;
	wp_error *err = NULL;
	int r = wp_descriptor_set(&d, WP_MT_OCI_LAYER, "sha256:abc", 1, &err);

	assert_error(r, err, WP_EINVALID, "invalid digest");
	/* a sha256-length hex part under sha512 */
	r = wp_descriptor_set(
		&d, WP_MT_OCI_LAYER,
		"sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 1, &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
}

Test(descriptor, sha512_is_valid_but_unsupported)
{
	static const char text[] =
		"{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha512:"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}";
	json_t *j = json_loads(text, 0, NULL);
	wp_descriptor d;
	wp_error *err = NULL;
	int r;

	cr_assert_not_null(j);
	r = wp_descriptor_from_json(&d, j, "doc", "layers[0]", &err);
	assert_error(r, err, WP_EUNSUPPORTED, "only sha256 digests are supported");
	json_decref(j);
}

Test(descriptor, platform_parse_and_format)
{
	static const char *const good[] = {"linux/amd64", "linux/arm64/v8", "wasip1/wasm"};
	static const char *const bad[] = {"linux",   "/amd64", "linux/", "linux//v8",
					  "a/b/c/d", "a/b/",   ""};
	wp_error *err = NULL;

	for (size_t i = 0; i < WP_ARRAY_SIZE(good); i++) {
		wp_platform p;
		_cleanup_free_ char *s = NULL;
		int r = wp_platform_parse(&p, good[i], &err);

		assert_ok(r, err);
		s = wp_platform_format(&p);
		cr_assert_str_eq(s, good[i]);
		wp_platform_release(&p);
	}
	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		wp_platform p = {0};
		int r = wp_platform_parse(&p, bad[i], &err);

		assert_error(r, err, WP_EINVALID, "expected OS/ARCH[/VARIANT]");
	}
}

Test(descriptor, platform_equality_ignores_nothing_that_matters)
{
	wp_platform *a = platform("linux/arm64/v8"), *b = platform("linux/arm64/v8");
	wp_platform *c = platform("linux/arm64"), *d = platform("linux/arm/v8");

	cr_assert(wp_platform_equal(a, b));
	cr_assert_not(wp_platform_equal(a, c));
	cr_assert_not(wp_platform_equal(a, d));
	wp_platform_release(a);
	wp_platform_release(b);
	wp_platform_release(c);
	wp_platform_release(d);
	free(a);
	free(b);
	free(c);
	free(d);
}
