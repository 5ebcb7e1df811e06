/* --aot with the runtimes' own compilers (issue 7): what each makes and how
 * it is packed.
 *   wasmedge  `wasmedge compile`: a universal Wasm module (native code in a
 *             custom section) that replaces the module; still wasi/wasm
 *   wasmtime  `wasmtime compile`: a .cwasm shipped next to the module as an
 *             extra file, never the entrypoint (it runs only on the exact
 *             wasmtime version, recorded in an annotation)
 *   wamr      `wamrc`: a .aot file shipped the same way
 * The compiler is found on PATH or given with --aot-compiler. (--aot native
 * is build_native.h's.) */
#ifndef WP_BUILD_AOT_H
#define WP_BUILD_AOT_H

#include "../lib/error.h"

typedef enum aot_kind {
	AOT_NONE,
	AOT_NATIVE,
	AOT_WASMEDGE,
	AOT_WASMTIME,
	AOT_WAMR,
} aot_kind;

int aot_parse(const char *name, aot_kind *out, wp_error **err);

struct aot_result {
	char *tmp_dir;	      /* owned, removed on release */
	char *module;	      /* wasmedge: the module to pack instead; else NULL */
	char *extra;	      /* wasmtime, wamr: the compiled file; else NULL */
	char *extra_name;     /* its name in the image, next to the module */
	char *annotation_key; /* dev.wasmpack.aot.<runtime>.version */
	char *version;	      /* what the compiler says its version is */
};

/* Compiles module (named stem in the image: "hello"); nothing for
 * AOT_NONE and AOT_NATIVE. */
int aot_compile(aot_kind kind, const char *compiler, const char *module, const char *stem,
		struct aot_result *out, wp_error **err);
void aot_result_release(struct aot_result *r);

#endif
