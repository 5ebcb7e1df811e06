/* Image references: what parses must print back to a string that parses to
 * the same reference. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../lib/str.h"
#include "../../oci/reference.h"

/* Docker's familiar form drops "docker.io/", so a Docker Hub repository
 * whose first component reads as a registry ("docker.io/a.b/c" shows as
 * "a.b/c") does not parse back to itself, or at all: Docker's FamiliarName has the same
 * ambiguity, and wasmpack follows it. */
static bool familiar_is_ambiguous(const wp_reference *ref)
{
	const char *repo = ref->repository;
	size_t n = strcspn(repo, "/");

	if (strcmp(ref->registry, WP_DEFAULT_REGISTRY) != 0 || !repo[n])
		return false;
	if ((n == 9 && strncmp(repo, "localhost", n) == 0) || strcspn(repo, ".:") < n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (repo[i] >= 'A' && repo[i] <= 'Z')
			return true;
	return false;
}

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
	if (!familiar_is_ambiguous(&ref)) {
		FUZZ_CHECK(wp_reference_parse(&again, familiar, &err) == 0);
		FUZZ_CHECK(wp_str_eq(ref.registry, again.registry));
		FUZZ_CHECK(wp_str_eq(ref.repository, again.repository));
	}
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
