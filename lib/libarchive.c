#include <pthread.h>

#include "libarchive.h"
#include "dynlib.h"
#include "common.h"

wp_libarchive wp_la;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void)
{
	static const wp_dynlib_symbol symbols[] = {
#define WP_LA_SYMBOL(f) {#f, offsetof(wp_libarchive, f)},
		WP_LIBARCHIVE_FUNCTIONS(WP_LA_SYMBOL)
#undef WP_LA_SYMBOL
	};

	wp_dynlib_load("libarchive.so.13", "libarchive13", symbols, WP_ARRAY_SIZE(symbols), &wp_la,
		       load_error, sizeof(load_error));
}

int wp_libarchive_load(wp_error **err)
{
	pthread_once(&load_once, load);
	if (load_error[0])
		return wp_error_set(err, WP_EUNSUPPORTED, "%s", load_error);
	return 0;
}
