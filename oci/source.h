/* Where an image is read from, as the user names it (the mirror of
 * destination.h):
 *   DIR, oci:DIR[:NAME]          an OCI image layout
 *   oci-archive:FILE[:NAME]      a tar of one
 *   docker-archive:FILE[:NAME]   the `docker save` format
 * NAME is a tag ("v1"), a full or short image name ("hello:v1") or a
 * manifest digest. Archives are opened through a private temporary layout,
 * removed by wp_source_close. */
#ifndef WP_SOURCE_H
#define WP_SOURCE_H

#include "../lib/error.h"
#include "descriptor.h"
#include "layout.h"

typedef struct wp_source {
	wp_layout *layout;	/* owned */
	wp_descriptor manifest; /* the image: a manifest or an index */
	char *staging;		/* temporary directory of an archive; owned */
	char *description;	/* "oci:wasmpack-out (hello:v1)", for messages */
} wp_source;

/* True when spec names a source explicitly (a transport prefix or an
 * existing directory), as opposed to an image reference. */
bool wp_source_is_spec(const char *spec);

/* Opens spec and picks the image: the NAME in spec, else `want` (a name to
 * prefer, e.g. the reference being pushed to; may be NULL), else the only
 * image. */
int wp_source_open(wp_source *out, const char *spec, const char *want, wp_error **err);
void wp_source_close(wp_source *s);

#endif
