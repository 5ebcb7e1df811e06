/* The image configuration: the parser, and for what it accepts the
 * canonical serialization, which must parse again to the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "../../oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_image_config c = {0}, again = {0};
	wp_buf out = WP_BUF_INIT(WP_CONFIG_MAX), out2 = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_error *err = NULL;

	if (wp_image_config_parse(&c, (const char *)data, size, "config", &err) < 0) {
		FUZZ_CHECK(err != NULL);
		goto out;
	}
	if (wp_image_config_serialize(&c, &out, &err) < 0)
		goto out;
	FUZZ_CHECK(wp_image_config_parse(&again, out.data, out.len, "again", &err) == 0);
	FUZZ_CHECK(wp_image_config_serialize(&again, &out2, &err) == 0);
	FUZZ_CHECK(out.len == out2.len && memcmp(out.data, out2.data, out.len) == 0);
out:
	fuzz_clear(&err);
	wp_image_config_release(&c);
	wp_image_config_release(&again);
	wp_buf_release(&out);
	wp_buf_release(&out2);
	return 0;
}
