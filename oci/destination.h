/* Where an image is written, as the user names it:
 *   DIR                      an OCI image layout directory
 *   oci:DIR                  the same, explicitly
 *   oci-archive:FILE         a tar of an OCI image layout
 *   docker-archive:FILE      the `docker save` format, for `docker load`
 *   type=oci,dest=FILE[,tar=false][,name=NAME]   buildx's --output forms
 *   type=docker,dest=FILE[,name=NAME]
 * FILE may be "-" for standard output. */
#ifndef WP_DESTINATION_H
#define WP_DESTINATION_H

#include "../lib/error.h"
#include "../lib/str.h"

typedef enum wp_dest_kind {
	WP_DEST_LAYOUT,
	WP_DEST_OCI_ARCHIVE,
	WP_DEST_DOCKER_ARCHIVE,
} wp_dest_kind;

typedef struct wp_destination {
	wp_dest_kind kind;
	char *path;    /* "-" = standard output (archives only) */
	wp_strv names; /* image names given with buildx's name= */
} wp_destination;

int wp_destination_parse(wp_destination *out, const char *spec, wp_error **err);
void wp_destination_release(wp_destination *d);
/* "oci", "oci-archive", "docker-archive" */
const char *wp_destination_kind_name(wp_dest_kind kind);
/* "oci:DIR", "oci-archive:FILE", ...; owned, NULL when out of memory. */
char *wp_destination_format(const wp_destination *d);

#endif
