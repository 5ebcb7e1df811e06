#ifndef WP_VERSION_H
#define WP_VERSION_H

#include "str.h"

#define WASMPACK_VERSION "0.1.0"

/* "libarchive 3.6.2, jansson 2.14, ..." for `wasmpack version`; owned,
 * NULL when out of memory. */
char *wp_dependency_versions(void);

/* The same, one entry a library, appended to out. */
int wp_dependency_version_list(wp_strv *out, wp_error **err);

#endif
