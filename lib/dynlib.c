#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"

int wp_dynlib_load(const char *soname, const char *package, const wp_dynlib_symbol *symbols,
		   size_t n, void *table, char *error, size_t error_size)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(error, error_size,
			 "cannot load %s (%s); install it (Debian: apt-get install %s)", soname,
			 dlerror(), package);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(lib, symbols[i].name);

		if (!f) {
			snprintf(error, error_size, "%s lacks %s: it is too old", soname,
				 symbols[i].name);
			return -1;
		}
		memcpy((char *)table + symbols[i].offset, &f, sizeof(f));
	}
	return 0;
}

int wp_dynlib_once_load(wp_dynlib_once *o, int (*load)(char *error, size_t error_size),
			wp_error **err)
{
	int state;

	pthread_mutex_lock(&o->lock);
	if (o->state == 0)
		o->state = load(o->error, sizeof(o->error)) < 0 ? -1 : 1;
	state = o->state;
	pthread_mutex_unlock(&o->lock);
	if (state < 0)
		return wp_error_set(err, WP_EUNSUPPORTED, "%s", o->error);
	return 0;
}
