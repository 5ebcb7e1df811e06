/* oci/pull: which image of an index a pull takes. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/pull.h"

/* An index of entries "os/arch[/variant]", "@" for a buildx attestation
 * (unknown/unknown with its annotation), "!" for an attestation marked only
 * by its annotation; digests count up. */
static void make_index(wp_index *idx, const char *const *entries, size_t n)
{
	wp_error *err = NULL;

	*idx = (wp_index){0};
	for (size_t i = 0; i < n; i++) {
		wp_descriptor d = {0};
		char digest[WP_DIGEST_SIZE];
		const char *e = entries[i];

		snprintf(digest, sizeof(digest), "sha256:%064zx", i + 1);
		assert_ok(wp_descriptor_set(&d, "application/vnd.oci.image.manifest.v1+json",
					    digest, 100, &err),
			  err);
		d.platform = calloc(1, sizeof(*d.platform));
		cr_assert(d.platform);
		if (e[0] == '@' || e[0] == '!') {
			assert_ok(wp_platform_parse(d.platform,
						    e[0] == '@' ? "unknown/unknown" : "wasi/wasm",
						    &err),
				  err);
			assert_ok(wp_kv_set(&d.annotations, "vnd.docker.reference.type",
					    "attestation-manifest", &err),
				  err);
		} else {
			assert_ok(wp_platform_parse(d.platform, e, &err), err);
		}
		assert_ok(wp_index_add_manifest(idx, &d, &err), err);
		wp_descriptor_release(&d);
	}
}

/* The index of the entry picked for platform (NULL: the defaults). */
static size_t pick(const char *const *entries, size_t n, const char *platform)
{
	wp_index idx;
	wp_platform p = {0};
	const wp_descriptor *d = NULL;
	wp_error *err = NULL;
	size_t at;

	make_index(&idx, entries, n);
	if (platform)
		assert_ok(wp_platform_parse(&p, platform, &err), err);
	assert_ok(wp_index_pick(&idx, platform ? &p : NULL, "index", &d, &err), err);
	at = (size_t)(d - idx.manifests);
	wp_platform_release(&p);
	wp_index_release(&idx);
	return at;
}

Test(pull_pick, wasi_first_then_wasip1_then_wasip2_attestations_skipped)
{
	static const char *const a[] = {"@", "linux/amd64", "wasip2/wasm", "wasip1/wasm",
					"wasi/wasm"};
	static const char *const b[] = {"!", "wasip2/wasm", "wasip1/wasm"};
	static const char *const c[] = {"@", "wasip2/wasm"};

	cr_assert_eq(pick(a, 5, NULL), 4);
	cr_assert_eq(pick(b, 3, NULL), 2);
	cr_assert_eq(pick(c, 2, NULL), 1);
}

Test(pull_pick, an_asked_platform_and_its_variant)
{
	static const char *const a[] = {"wasi/wasm", "linux/arm64/v8", "linux/amd64"};

	cr_assert_eq(pick(a, 3, "linux/amd64"), 2);
	cr_assert_eq(pick(a, 3, "linux/arm64"), 1);
	cr_assert_eq(pick(a, 3, "linux/arm64/v8"), 1);
}

Test(pull_pick, none_fits_lists_what_there_is)
{
	static const char *const a[] = {"@", "linux/amd64", "linux/arm64"};
	wp_index idx;
	wp_platform p = {0};
	const wp_descriptor *d = NULL;
	wp_error *err = NULL;
	int r;

	make_index(&idx, a, 3);
	r = wp_index_pick(&idx, NULL, "index x", &d, &err);
	assert_error(r, err, WP_ENOTFOUND, "it has: linux/amd64, linux/arm64");
	assert_ok(wp_platform_parse(&p, "linux/arm64/v7", &err), err);
	r = wp_index_pick(&idx, &p, "index x", &d, &err);
	assert_error(r, err, WP_ENOTFOUND, "index x has no image for linux/arm64/v7");
	wp_platform_release(&p);
	wp_index_release(&idx);
}
