/* build's --annotation arguments (annotation_arg.h) and where each lands:
 * the Wasm image's manifest, each native image's manifest, the index of
 * --aot native and its entries. */
#ifndef WP_BUILD_ANNOTATIONS_H
#define WP_BUILD_ANNOTATIONS_H

#include "annotation_arg.h"
#include "../lib/str.h"

struct build_annotations {
	struct annotation_arg *args; /* owned */
	size_t n;
};

/* Parses every argument; the first malformed one is a WP_EUSAGE error. */
int build_annotations_parse(struct build_annotations *b, const wp_strv *args, wp_error **err);
/* Adds an unscoped manifest annotation unless the key is already given at
 * that level (CI defaults never override the command line). */
int build_annotations_default(struct build_annotations *b, const char *key, const char *value,
			      wp_error **err);
/* Sets in kv those that apply at level to platform (later arguments win). */
int build_annotations_apply(const struct build_annotations *b, enum annotation_level level,
			    const wp_platform *platform, wp_kv *kv, wp_error **err);
/* A warning for each argument that nothing in this build can carry. */
void build_annotations_warn_unused(const struct build_annotations *b, bool has_index);
void build_annotations_release(struct build_annotations *b);

#endif
