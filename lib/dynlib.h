/* Libraries loaded on first use (dlopen) rather than at start-up: a
 * table of function pointers filled by name. */
#ifndef WP_DYNLIB_H
#define WP_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#include "error.h"

typedef struct wp_dynlib_symbol {
	const char *name;
	size_t offset; /* of its pointer in the table */
} wp_dynlib_symbol;

/* Opens soname and stores each symbol's address at table + offset. On
 * failure, writes why into error (naming package, the Debian package to
 * install) and returns -1. The library is never closed. */
int wp_dynlib_load(const char *soname, const char *package, const wp_dynlib_symbol *symbols,
		   size_t n, void *table, char *error, size_t error_size);

/* A library loaded once, on first use, from any thread. */
typedef struct wp_dynlib_once {
	pthread_mutex_t lock;
	int state; /* 0: not tried yet, 1: loaded, -1: failed (error says why) */
	char error[512];
} wp_dynlib_once;

#define WP_DYNLIB_ONCE_INIT                      \
	{                                        \
		PTHREAD_MUTEX_INITIALIZER, 0, "" \
	}

/* Calls load the first time (it returns -1 with the reason in error on
 * failure); every call returns 0 when it succeeded, else that reason as a
 * WP_EUNSUPPORTED error. */
int wp_dynlib_once_load(wp_dynlib_once *o, int (*load)(char *error, size_t error_size),
			wp_error **err);

#endif
