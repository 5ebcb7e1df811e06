/* Libraries loaded on first use (dlopen) rather than at start-up: a
 * table of function pointers filled by name. */
#ifndef WP_DYNLIB_H
#define WP_DYNLIB_H

#include <stddef.h>

typedef struct wp_dynlib_symbol {
	const char *name;
	size_t offset; /* of its pointer in the table */
} wp_dynlib_symbol;

/* Opens soname and stores each symbol's address at table + offset. On
 * failure, writes why into error (naming package, the Debian package to
 * install) and returns -1. The library is never closed. */
int wp_dynlib_load(const char *soname, const char *package, const wp_dynlib_symbol *symbols,
		   size_t n, void *table, char *error, size_t error_size);

#endif
