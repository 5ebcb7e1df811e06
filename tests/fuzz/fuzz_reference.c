/* Image references: what parses must print back to a string that parses to
 * the same reference. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../lib/str.h"
#include "../../oci/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	wp_reference ref = {0}, again = {0};
	char *name = NULL, *full = NULL, *familiar = NULL;
	wp_error *err = NULL;

	if (wp_tag_validate(s, &err) < 0)
		FUZZ_CHECK(err != NULL);
	fuzz_clear(&err);
	if (wp_reference_parse(&ref, s, &err) < 0) {
		FUZZ_CHECK(err != NULL);
		goto out;
	}
	name = wp_reference_name(&ref);
	full = wp_reference_string(&ref);
	familiar = wp_reference_familiar(&ref);
	FUZZ_CHECK(name && full && familiar && wp_reference_api_host(&ref));
	FUZZ_CHECK(wp_reference_parse(&again, full, &err) == 0);
	FUZZ_CHECK(wp_str_eq(ref.registry, again.registry));
	FUZZ_CHECK(wp_str_eq(ref.repository, again.repository));
	FUZZ_CHECK(wp_str_eq(ref.tag, again.tag));
	FUZZ_CHECK(wp_str_eq(ref.digest, again.digest));
	wp_reference_release(&again);
	FUZZ_CHECK(wp_reference_parse(&again, familiar, &err) == 0);
	FUZZ_CHECK(wp_str_eq(ref.registry, again.registry));
	FUZZ_CHECK(wp_str_eq(ref.repository, again.repository));
out:
	fuzz_clear(&err);
	wp_reference_release(&ref);
	wp_reference_release(&again);
	free(name);
	free(full);
	free(familiar);
	free(s);
	return 0;
}
