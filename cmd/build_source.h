/* What `wasmpack build INPUT...` was given, and the module made from it:
 *   X.wasm                 the module as it is
 *   X.wat, X.wast          WebAssembly text, encoded in-process by libwabt
 *   X.c, X.cc, X.cpp ...   C/C++ sources, compiled by clang for wasm32-wasi
 *                          (wasm32-wasip1 where the sysroot knows it)
 *   DIR with Cargo.toml    a Rust project: cargo build --release for the
 *                          wasm32-wasip1 target (wasm32-wasi on older
 *                          toolchains), the module found in cargo's messages
 * A made module is written to a temporary directory as <stem>.wasm (the
 * image then names it so), removed by build_source_release. */
#ifndef WP_BUILD_SOURCE_H
#define WP_BUILD_SOURCE_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../lib/str.h"

typedef enum build_source_kind {
	BUILD_SOURCE_WASM,
	BUILD_SOURCE_WAT,
	BUILD_SOURCE_C,
	BUILD_SOURCE_CARGO,
} build_source_kind;

struct build_source_options {
	const char *sysroot;	 /* --sysroot; NULL: WASI_SYSROOT, /usr, /opt/wasi-sdk */
	const wp_strv *cflags;	 /* --cflags, each word */
	const char *opt_level;	 /* -O for the compiler ("0".."3", "s", "z"); NULL: 2 */
	const wp_strv *features; /* cargo --features */
	const char *bin;	 /* cargo --bin */
};

struct build_source {
	build_source_kind kind;
	char *module;  /* the .wasm to pack: an input, or the one made; owned */
	char *tmp_dir; /* where a made module is; owned, removed on release */
	char *summary; /* one line saying what was done; owned */
};

/* The kind of inputs[0..n): every input must be of one kind, and only C
 * sources may be several. WP_EUSAGE otherwise. */
int build_source_detect(const char *const *inputs, size_t n, build_source_kind *out,
			wp_error **err);

/* Makes the module (nothing to do for a .wasm). */
int build_source_make(const char *const *inputs, size_t n, const struct build_source_options *o,
		      struct build_source *out, wp_error **err);
void build_source_release(struct build_source *s);

#endif
