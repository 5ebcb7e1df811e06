#include <archive.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <zlib.h>
#include <zstd.h>

#include "version.h"
#include "str.h"
#include "common.h"

char *wp_dependency_versions(void)
{
	return wp_strdup_printf("%s, jansson %s, zlib %s, zstd %s, %s", archive_version_string(),
				jansson_version_str(), zlibVersion(), ZSTD_versionString(),
				OpenSSL_version(OPENSSL_VERSION));
}
