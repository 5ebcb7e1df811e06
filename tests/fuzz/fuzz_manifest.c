/* Image manifests and indexes: the parsers, and for what they accept the
 * canonical serialization, which must parse again to the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "../../oci/manifest.h"

static void check_manifest(const uint8_t *data, size_t size)
{
	wp_manifest m = {0}, again = {0};
	wp_buf out = WP_BUF_INIT(WP_MANIFEST_MAX), out2 = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_error *err = NULL;

	if (wp_manifest_parse(&m, (const char *)data, size, "manifest", &err) < 0) {
		FUZZ_CHECK(err != NULL);
		goto out;
	}
	/* a manifest read without a media type cannot be written back */
	if (wp_manifest_serialize(&m, &out, &err) < 0)
		goto out;
	FUZZ_CHECK(wp_manifest_parse(&again, out.data, out.len, "again", &err) == 0);
	FUZZ_CHECK(wp_manifest_serialize(&again, &out2, &err) == 0);
	FUZZ_CHECK(out.len == out2.len && memcmp(out.data, out2.data, out.len) == 0);
out:
	fuzz_clear(&err);
	wp_manifest_release(&m);
	wp_manifest_release(&again);
	wp_buf_release(&out);
	wp_buf_release(&out2);
}

static void check_index(const uint8_t *data, size_t size)
{
	wp_index idx = {0}, again = {0};
	wp_buf out = WP_BUF_INIT(WP_MANIFEST_MAX), out2 = WP_BUF_INIT(WP_MANIFEST_MAX);
	wp_error *err = NULL;

	if (wp_index_parse(&idx, (const char *)data, size, "index", &err) < 0) {
		FUZZ_CHECK(err != NULL);
		goto out;
	}
	if (wp_index_serialize(&idx, &out, &err) < 0)
		goto out;
	FUZZ_CHECK(wp_index_parse(&again, out.data, out.len, "again", &err) == 0);
	FUZZ_CHECK(wp_index_serialize(&again, &out2, &err) == 0);
	FUZZ_CHECK(out.len == out2.len && memcmp(out.data, out2.data, out.len) == 0);
out:
	fuzz_clear(&err);
	wp_index_release(&idx);
	wp_index_release(&again);
	wp_buf_release(&out);
	wp_buf_release(&out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_manifest(data, size);
	check_index(data, size);
	return 0;
}
