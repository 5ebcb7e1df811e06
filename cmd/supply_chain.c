#include "supply_chain.h"
#include "../lib/digest.h"
#include "../lib/str.h"
#include "../lib/common.h"

int supply_chain_sha256_hex(const char *digest, const char *what, const char **out, wp_error **err)
{
	if (!digest)
		return wp_error_set(err, WP_EINVALID, "%s: missing", what);
	if (!wp_str_has_prefix(digest, WP_DIGEST_PREFIX) || !wp_digest_is_valid(digest))
		return wp_error_set(err, WP_EINVALID, "%s \"%s\": expected sha256:<64 hex digits>",
				    what, digest);
	*out = wp_digest_hex(digest);
	return 0;
}
