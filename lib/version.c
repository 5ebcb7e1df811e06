#include <jansson.h>
#include <zlib.h>
#include <zstd.h>

#include "version.h"
#include "libarchive.h"
#include "buf.h"
#include "libcrypto.h"
#include "str.h"
#include "common.h"

/* libarchive and libcrypto are loaded at run time: a missing one is named,
 * not an error. */
static const char *archive_version(void)
{
	wp_error *ignored = NULL;
	const char *v = wp_libarchive_load(&ignored) == 0 ? wp_la.archive_version_string()
							  : "libarchive not found";

	wp_error_free(ignored);
	return v;
}

static const char *crypto_version(void)
{
	wp_error *ignored = NULL;
	const char *v = wp_libcrypto_load(&ignored) == 0
				? wp_crypto.OpenSSL_version(OPENSSL_VERSION)
				: "libcrypto not found";

	wp_error_free(ignored);
	return v;
}

int wp_dependency_version_list(wp_strv *out, wp_error **err)
{
	_cleanup_free_ char *jansson = wp_strdup_printf("jansson %s", jansson_version_str());
	_cleanup_free_ char *zlib = wp_strdup_printf("zlib %s", zlibVersion());
	_cleanup_free_ char *zstd = wp_strdup_printf("zstd %s", ZSTD_versionString());
	const char *const all[] = {archive_version(), jansson, zlib, zstd, crypto_version()};
	int r = jansson && zlib && zstd ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(all); i++)
		r = wp_strv_push(out, all[i], err);
	return r;
}

char *wp_dependency_versions(void)
{
	wp_strv list = {0};
	wp_buf text = WP_BUF_INIT(4096);
	int r = wp_dependency_version_list(&list, NULL);

	for (size_t i = 0; r == 0 && i < list.len; i++)
		r = wp_buf_appendf(&text, NULL, "%s%s", i ? ", " : "", list.items[i]);
	wp_strv_release(&list);
	if (r < 0)
		wp_buf_release(&text);
	return r < 0 ? NULL : wp_buf_detach(&text, NULL);
}
