#include "libcrypto.h"
#include "dynlib.h"
#include "common.h"

wp_libcrypto wp_crypto;

static int load(char *error, size_t error_size)
{
	static const wp_dynlib_symbol symbols[] = {
#define WP_CRYPTO_SYMBOL(f) {#f, offsetof(wp_libcrypto, f)},
		WP_LIBCRYPTO_FUNCTIONS(WP_CRYPTO_SYMBOL)
#undef WP_CRYPTO_SYMBOL
	};

	return wp_dynlib_load("libcrypto.so.3", "libssl3", symbols, WP_ARRAY_SIZE(symbols),
			      &wp_crypto, error, error_size);
}

int wp_libcrypto_load(wp_error **err)
{
	static wp_dynlib_once once = WP_DYNLIB_ONCE_INIT;

	return wp_dynlib_once_load(&once, load, err);
}
