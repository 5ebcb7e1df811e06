/* Image references as Docker parses them:
 *   [REGISTRY[:PORT]/]PATH[:TAG][@DIGEST]
 * A first component without '.' or ':' that is not "localhost" belongs to the
 * path, and the registry defaults to docker.io, where one-component names
 * live under "library/". */
#ifndef WP_REFERENCE_H
#define WP_REFERENCE_H

#include "../lib/error.h"

#define WP_DEFAULT_REGISTRY "docker.io"
#define WP_DOCKER_HUB_API_HOST "registry-1.docker.io"
#define WP_DEFAULT_TAG "latest"

typedef struct wp_reference {
	char *registry;	  /* "docker.io", "ghcr.io", "localhost:5000" */
	char *repository; /* "library/hello", "acme/app" */
	char *tag;	  /* NULL when none was given */
	char *digest;	  /* NULL when none was given */
} wp_reference;

int wp_reference_parse(wp_reference *out, const char *s, wp_error **err);
void wp_reference_release(wp_reference *ref);

/* All owned; NULL when out of memory. */
char *wp_reference_name(const wp_reference *ref);     /* "docker.io/library/hello" */
char *wp_reference_string(const wp_reference *ref);   /* name[:tag][@digest] */
char *wp_reference_familiar(const wp_reference *ref); /* "hello:v1", as docker shows it */
/* The host to talk to: registry-1.docker.io for docker.io. Borrowed. */
const char *wp_reference_api_host(const wp_reference *ref);

/* True for a valid tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
int wp_tag_validate(const char *tag, wp_error **err);

#endif
