/* A token server's JSON answer (registry bearer authentication). */
#include <stdlib.h>

#include "fuzz.h"
#include "../../oci/registry_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = NULL;
	long expires_in = 0;
	wp_error *err = NULL;

	if (wp_token_response_parse((const char *)data, size, &value, &expires_in, &err) == 0)
		FUZZ_CHECK(value && *value && expires_in > 0);
	else
		FUZZ_CHECK(err != NULL && value == NULL);
	fuzz_clear(&err);
	free(value);
	return 0;
}
