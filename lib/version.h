#ifndef WP_VERSION_H
#define WP_VERSION_H

#define WASMPACK_VERSION "0.1.0"

/* "libarchive 3.6.2, jansson 2.14, ..." for `wasmpack version`; owned,
 * NULL when out of memory. */
char *wp_dependency_versions(void);

#endif
