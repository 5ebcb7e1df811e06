/* --aot native: the module as a native executable for this machine
 * (docs/aot-native.md): written as C by libwabt's C writer (in-process),
 * compiled by the system C compiler with wasmpack's own WASI preview1 host
 * (wasmopt/wasi_host/, carried inside wasmpack) and wabt's wasm2c runtime,
 * linked statically where the C library allows. */
#ifndef WP_BUILD_NATIVE_H
#define WP_BUILD_NATIVE_H

#include <stdbool.h>

#include "../lib/error.h"

struct native_build {
	char *tmp_dir; /* owned, removed on release */
	char *exe;     /* the executable, in tmp_dir */
	bool is_static;
};

/* cc: the compiler (NULL: $CC, else cc). */
int native_build_make(const char *module, const char *cc, struct native_build *out, wp_error **err);
void native_build_release(struct native_build *b);

#endif
