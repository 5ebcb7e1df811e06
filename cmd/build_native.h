/* --aot native: the module as a native executable (docs/aot-native.md):
 * written as C by libwabt's C writer (in-process), compiled by a C compiler
 * with wasmpack's own WASI preview1 host (wasmopt/wasi_host/, carried inside
 * wasmpack) and wabt's wasm2c runtime, linked statically where the C
 * library allows, for this machine or, with Debian's cross compilers, for
 * the other of linux/amd64 and linux/arm64. */
#ifndef WP_BUILD_NATIVE_H
#define WP_BUILD_NATIVE_H

#include <stdbool.h>

#include "../lib/error.h"

struct native_build {
	const char *arch; /* "amd64" or "arm64": static */
	char *tmp_dir;	  /* owned, removed on release */
	char *exe;	  /* the executable, in tmp_dir */
	bool is_static;
};

/* The OCI architecture of this machine ("amd64", "arm64"), or NULL. */
const char *native_host_arch(void);

/* For arch ("amd64" or "arm64"): this machine's $CC (else cc), or the cross
 * compiler Debian names for it (aarch64-linux-gnu-gcc, x86_64-linux-gnu-gcc). */
int native_build_make(const char *module, const char *arch, struct native_build *out,
		      wp_error **err);
void native_build_release(struct native_build *b);

#endif
