/* oci/referrers, the parts without a registry: the referrers tag, the
 * referrer manifest, its descriptor in a referrers list, merging into a
 * fallback index (idempotent) and filtering by artifact type. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/descriptor.h"
#include "../../oci/manifest.h"
#include "../../oci/mediatype.h"
#include "../../oci/referrers.h"
#include "../../lib/common.h"

#define D_SUBJECT "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D_LAYER "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D_REF1 "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define D_REF2 "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void set_desc(wp_descriptor *d, const char *mt, const char *digest, int64_t size)
{
	wp_error *err = NULL;
	int r = wp_descriptor_set(d, mt, digest, size, &err);

	assert_ok(r, err);
}

/* The canonical bytes of m, NUL-terminated; owned. */
static char *serialize(const wp_manifest *m)
{
	wp_buf b = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_error *err = NULL;
	int r = wp_manifest_serialize(m, &b, &err);
	char *s;

	assert_ok(r, err);
	s = strndup(b.data, b.len);
	wp_buf_release(&b);
	return s;
}

Test(referrers, tag_schema)
{
	_cleanup_free_ char *t = wp_referrers_tag(D_SUBJECT);
	_cleanup_free_ char *odd = wp_referrers_tag(
		"test+algorithm+using+algorithm+separators+and+lots+of+characters:"
		"alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharacters");

	cr_assert_str_eq(t,
			 "sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* the distribution-spec's example: 32 + 64 characters, '+' and '=' → '-' */
	cr_assert_str_eq(odd, "test-algorithm-using-algorithm-s-"
			      "alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot");
}

Test(referrers, guess_media_type)
{
	cr_assert_str_eq(wp_referrers_guess_media_type("dir/sbom.spdx.json"), "application/json");
	cr_assert_str_eq(wp_referrers_guess_media_type("app.sig"), "application/octet-stream");
	cr_assert_str_eq(wp_referrers_guess_media_type("json"), "application/octet-stream");
	cr_assert_str_eq(wp_referrers_guess_media_type(NULL), "application/octet-stream");
}

Test(referrers, manifest_json)
{
	wp_descriptor subject = {0}, layer = {0};
	wp_manifest m = {0};
	wp_kv ann = {0};
	wp_error *err = NULL;
	_cleanup_free_ char *json = NULL;
	int r;

	set_desc(&subject, WP_MT_OCI_MANIFEST, D_SUBJECT, 700);
	/* what a subject descriptor carries beyond mediaType, digest, size stays out */
	r = wp_kv_set(&subject.annotations, "x", "y", &err);
	assert_ok(r, err);
	set_desc(&layer, "application/json", D_LAYER, 0);
	r = wp_kv_set(&layer.annotations, "org.opencontainers.image.title", "sbom.json", &err);
	assert_ok(r, err);
	r = wp_kv_set(&ann, "org.example.k", "v", &err);
	assert_ok(r, err);
	r = wp_referrers_manifest_init(&m, &subject, "application/spdx+json", &layer, 1, &ann,
				       &err);
	assert_ok(r, err);
	json = serialize(&m);
	cr_assert_str_eq(
		json,
		"{\"annotations\":{\"org.example.k\":\"v\"},"
		"\"artifactType\":\"application/spdx+json\","
		"\"config\":{\"digest\":\"" WP_EMPTY_JSON_DIGEST "\","
		"\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"size\":2},"
		"\"layers\":[{\"annotations\":{\"org.opencontainers.image.title\":\"sbom.json\"},"
		"\"digest\":\"" D_LAYER "\",\"mediaType\":\"application/json\",\"size\":0}],"
		"\"mediaType\":\"" WP_MT_OCI_MANIFEST "\",\"schemaVersion\":2,"
		"\"subject\":{\"digest\":\"" D_SUBJECT "\",\"mediaType\":\"" WP_MT_OCI_MANIFEST
		"\",\"size\":700}}");
	wp_manifest_release(&m);
	wp_kv_release(&ann);
	wp_descriptor_release(&layer);
	wp_descriptor_release(&subject);
}

Test(referrers, manifest_without_files_has_the_empty_layer)
{
	wp_descriptor subject = {0};
	wp_manifest m = {0};
	wp_error *err = NULL;
	int r;

	set_desc(&subject, WP_MT_OCI_INDEX, D_SUBJECT, 300);
	r = wp_referrers_manifest_init(&m, &subject, "application/vnd.example", NULL, 0, NULL,
				       &err);
	assert_ok(r, err);
	cr_assert_eq(m.n_layers, 1);
	cr_assert_str_eq(m.layers[0].media_type, WP_MT_OCI_EMPTY);
	cr_assert_str_eq(m.layers[0].digest, WP_EMPTY_JSON_DIGEST);
	cr_assert_eq(m.annotations.len, 0);
	cr_assert_str_eq(m.subject->media_type, WP_MT_OCI_INDEX);
	wp_manifest_release(&m);
	wp_descriptor_release(&subject);
}

Test(referrers, descriptor_of_a_referrer)
{
	wp_manifest m = {0};
	wp_descriptor d = {0};
	wp_error *err = NULL;
	int r;

	/* no artifactType: the config's mediaType stands for it */
	set_desc(&m.config, "application/vnd.example.config", D_LAYER, 0);
	r = wp_kv_set(&m.annotations, "org.opencontainers.image.created", "2023-11-14T22:13:20Z",
		      &err);
	assert_ok(r, err);
	r = wp_referrers_descriptor(&d, &m, D_REF1, 512, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d.media_type, WP_MT_OCI_MANIFEST);
	cr_assert_str_eq(d.digest, D_REF1);
	cr_assert_eq(d.size, 512);
	cr_assert_str_eq(d.artifact_type, "application/vnd.example.config");
	cr_assert_str_eq(wp_kv_get(&d.annotations, "org.opencontainers.image.created"),
			 "2023-11-14T22:13:20Z");
	wp_descriptor_release(&d);
	r = wp_strdup(&m.artifact_type, "application/spdx+json", &err);
	assert_ok(r, err);
	r = wp_referrers_descriptor(&d, &m, D_REF1, 512, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d.artifact_type, "application/spdx+json");
	wp_descriptor_release(&d);
	wp_manifest_release(&m);
}

static void add(wp_index *idx, const char *digest, const char *artifact_type, bool want_added)
{
	wp_descriptor d = {0};
	wp_error *err = NULL;
	bool added = !want_added;
	int r;

	set_desc(&d, WP_MT_OCI_MANIFEST, digest, 100);
	r = wp_strdup(&d.artifact_type, artifact_type, &err);
	assert_ok(r, err);
	r = wp_referrers_index_add(idx, &d, &added, &err);
	assert_ok(r, err);
	cr_assert_eq(added, want_added, "%s added: %d", digest, added);
	wp_descriptor_release(&d);
}

Test(referrers, index_merge_is_idempotent)
{
	wp_index idx = {0};
	wp_buf b = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_error *err = NULL;
	int r;

	add(&idx, D_REF1, "application/spdx+json", true);
	add(&idx, D_REF2, "application/vnd.example.signature", true);
	add(&idx, D_REF1, "application/spdx+json", false);
	add(&idx, D_REF2, "something else", false); /* the digest decides */
	cr_assert_eq(idx.n_manifests, 2);
	cr_assert_str_eq(idx.media_type, WP_MT_OCI_INDEX);
	r = wp_index_serialize(&idx, &b, &err);
	assert_ok(r, err);
	cr_assert(wp_str_has_prefix(
		wp_buf_cstr(&b), "{\"manifests\":[{\"artifactType\":\"application/spdx+json\","));
	wp_buf_release(&b);
	wp_index_release(&idx);
}

Test(referrers, index_merge_keeps_what_was_there)
{
	const char *doc = "{\"schemaVersion\":2,\"mediaType\":\"" WP_MT_OCI_INDEX "\","
			  "\"manifests\":[{\"mediaType\":\"" WP_MT_OCI_MANIFEST "\","
			  "\"digest\":\"" D_REF1 "\",\"size\":10,\"artifactType\":\"a/b\"}]}";
	wp_index idx = {0};
	wp_error *err = NULL;
	int r = wp_index_parse(&idx, doc, strlen(doc), "referrers", &err);

	assert_ok(r, err);
	add(&idx, D_REF2, "c/d", true);
	cr_assert_eq(idx.n_manifests, 2);
	cr_assert_str_eq(idx.manifests[0].digest, D_REF1);
	cr_assert_eq(idx.manifests[0].size, 10);
	cr_assert_str_eq(idx.manifests[1].digest, D_REF2);
	wp_index_release(&idx);
}

Test(referrers, filter_by_artifact_type)
{
	wp_index idx = {0};

	add(&idx, D_REF1, "application/spdx+json", true);
	add(&idx, D_REF2, "application/vnd.example.signature", true);
	add(&idx, D_LAYER, "application/spdx+json", true);
	wp_referrers_filter(&idx, NULL);
	cr_assert_eq(idx.n_manifests, 3);
	wp_referrers_filter(&idx, "application/spdx+json");
	cr_assert_eq(idx.n_manifests, 2);
	cr_assert_str_eq(idx.manifests[0].digest, D_REF1);
	cr_assert_str_eq(idx.manifests[1].digest, D_LAYER);
	wp_referrers_filter(&idx, "application/none");
	cr_assert_eq(idx.n_manifests, 0);
	wp_index_release(&idx);
}

Test(referrers, mechanism_names)
{
	cr_assert_str_eq(wp_referrers_mechanism_name(WP_REFERRERS_API), "api");
	cr_assert_str_eq(wp_referrers_mechanism_name(WP_REFERRERS_TAG), "tag");
}
