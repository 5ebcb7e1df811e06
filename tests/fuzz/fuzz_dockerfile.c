/* The Dockerfile subset, with a build argument and an earlier stage's
 * output given, as build --dockerfile passes them. */
#include "fuzz.h"
#include "../../oci/dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_kv args = {NULL, 0}, stages = {NULL, 0};
	wp_dockerfile df = {0};
	wp_error *err = NULL;

	FUZZ_CHECK(wp_kv_set(&args, "VERSION", "1.2", NULL) == 0);
	FUZZ_CHECK(wp_kv_set(&stages, "build", "/tmp/stage-build", NULL) == 0);
	if (wp_dockerfile_parse((const char *)data, size, "Dockerfile", &args, &stages, &df, &err) <
	    0)
		FUZZ_CHECK(err != NULL);
	else
		FUZZ_CHECK(df.workdir && df.workdir[0] == '/');
	fuzz_clear(&err);
	wp_dockerfile_release(&df);
	wp_kv_release(&args);
	wp_kv_release(&stages);
	return 0;
}
