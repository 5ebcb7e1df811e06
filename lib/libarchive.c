#include "libarchive.h"
#include "dynlib.h"
#include "common.h"

wp_libarchive wp_la;

static int load(char *error, size_t error_size)
{
	static const wp_dynlib_symbol symbols[] = {
#define WP_LA_SYMBOL(f) {#f, offsetof(wp_libarchive, f)},
		WP_LIBARCHIVE_FUNCTIONS(WP_LA_SYMBOL)
#undef WP_LA_SYMBOL
	};

	return wp_dynlib_load("libarchive.so.13", "libarchive13", symbols, WP_ARRAY_SIZE(symbols),
			      &wp_la, error, error_size);
}

int wp_libarchive_load(wp_error **err)
{
	static wp_dynlib_once once = WP_DYNLIB_ONCE_INIT;

	return wp_dynlib_once_load(&once, load, err);
}
