#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "libarchive.h"
#include "common.h"

wp_libarchive wp_la;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void)
{
	static const struct {
		const char *name;
		size_t offset;
	} symbols[] = {
#define WP_LA_SYMBOL(f) {#f, offsetof(wp_libarchive, f)},
		WP_LIBARCHIVE_FUNCTIONS(WP_LA_SYMBOL)
#undef WP_LA_SYMBOL
	};
	void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(load_error, sizeof(load_error),
			 "cannot load libarchive (%s); install it (Debian: apt-get install "
			 "libarchive13)",
			 dlerror());
		return;
	}
	for (size_t i = 0; i < WP_ARRAY_SIZE(symbols); i++) {
		void *f = dlsym(lib, symbols[i].name);

		if (!f) {
			snprintf(load_error, sizeof(load_error),
				 "libarchive lacks %s: it is too old", symbols[i].name);
			return;
		}
		memcpy((char *)&wp_la + symbols[i].offset, &f, sizeof(f));
	}
}

int wp_libarchive_load(wp_error **err)
{
	pthread_once(&load_once, load);
	if (load_error[0])
		return wp_error_set(err, WP_EUNSUPPORTED, "%s", load_error);
	return 0;
}
