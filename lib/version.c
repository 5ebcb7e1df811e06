#include <jansson.h>
#include <zlib.h>
#include <zstd.h>

#include "version.h"
#include "libarchive.h"
#include "libcrypto.h"
#include "str.h"
#include "common.h"

char *wp_dependency_versions(void)
{
	wp_error *err = NULL;
	const char *archive = "libarchive not found", *crypto = "libcrypto not found";

	if (wp_libarchive_load(&err) == 0)
		archive = wp_la.archive_version_string();
	wp_error_free(err);
	err = NULL;
	if (wp_libcrypto_load(&err) == 0)
		crypto = wp_crypto.OpenSSL_version(OPENSSL_VERSION);
	wp_error_free(err);
	return wp_strdup_printf("%s, jansson %s, zlib %s, zstd %s, %s", archive,
				jansson_version_str(), zlibVersion(), ZSTD_versionString(), crypto);
}
