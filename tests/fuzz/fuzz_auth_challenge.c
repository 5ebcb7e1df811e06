/* WWW-Authenticate header values. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../oci/auth_challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_cstr(data, size);
	wp_auth_challenge *c = NULL;
	size_t n = 0;
	wp_error *err = NULL;

	if (wp_auth_challenges_parse(header, &c, &n, &err) < 0) {
		FUZZ_CHECK(err != NULL && c == NULL && n == 0);
	} else {
		/* a second header of the same response appends to the list */
		size_t first = n;

		if (wp_auth_challenges_parse(header, &c, &n, &err) == 0)
			FUZZ_CHECK(n == 2 * first);
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(c[i].scheme && *c[i].scheme);
			FUZZ_CHECK(wp_auth_challenge_find(c, n, c[i].scheme) != NULL);
		}
		wp_auth_challenge_find(c, n, "Bearer");
	}
	fuzz_clear(&err);
	wp_auth_challenges_free(c, n);
	free(header);
	return 0;
}
