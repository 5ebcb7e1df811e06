/* --annotation as docker buildx and docker/metadata-action write it:
 *   [LEVELS[[PLATFORM]]:]KEY=VALUE
 * LEVELS is one or more of manifest, index, manifest-descriptor and
 * index-descriptor, comma-separated (none: manifest); PLATFORM limits it to
 * the images of that platform. A colon before '=' that does not follow known
 * levels belongs to the key. */
#ifndef WP_ANNOTATION_ARG_H
#define WP_ANNOTATION_ARG_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../oci/descriptor.h"

enum annotation_level {
	ANNOTATION_MANIFEST = 1 << 0,
	ANNOTATION_INDEX = 1 << 1,
	ANNOTATION_MANIFEST_DESCRIPTOR = 1 << 2,
	ANNOTATION_INDEX_DESCRIPTOR = 1 << 3,
};

struct annotation_arg {
	unsigned levels;
	wp_platform *platform; /* owned; NULL: every platform */
	char *key;	       /* owned */
	char *value;	       /* owned */
	char *text;	       /* the argument as given, owned; NULL if made here */
};

/* A malformed argument is a WP_EUSAGE error naming it. */
int annotation_arg_parse(const char *arg, struct annotation_arg *out, wp_error **err);
void annotation_arg_release(struct annotation_arg *a);

/* Whether a applies at level to an image of platform (NULL: no platform,
 * e.g. the index). */
bool annotation_arg_applies(const struct annotation_arg *a, enum annotation_level level,
			    const wp_platform *platform);

#endif
