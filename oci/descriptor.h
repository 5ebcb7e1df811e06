/* Content descriptors and platforms (OCI image-spec descriptor.md,
 * image-index.md), with their JSON form. */
#ifndef WP_DESCRIPTOR_H
#define WP_DESCRIPTOR_H

#include <jansson.h>
#include <stdint.h>

#include "../lib/digest.h"
#include "../lib/error.h"
#include "../lib/str.h"

typedef struct wp_platform {
	char *os;
	char *architecture;
	char *variant;	  /* optional */
	char *os_version; /* optional */
	wp_strv os_features;
} wp_platform;

typedef struct wp_descriptor {
	char *media_type;
	char digest[WP_DIGEST_SIZE];
	int64_t size;
	char *artifact_type; /* optional */
	wp_strv urls;
	wp_kv annotations;
	wp_platform *platform; /* optional, owned */
} wp_descriptor;

/* "os/arch[/variant]" → platform; `what` names the source in errors. */
int wp_platform_parse(wp_platform *out, const char *s, wp_error **err);
/* "os/arch[/variant]"; owned, NULL when out of memory. */
char *wp_platform_format(const wp_platform *p);
bool wp_platform_equal(const wp_platform *a, const wp_platform *b);
int wp_platform_copy(wp_platform *out, const wp_platform *p, wp_error **err);
void wp_platform_release(wp_platform *p);

int wp_platform_to_json(const wp_platform *p, json_t **out, wp_error **err);
int wp_platform_from_json(wp_platform *out, const json_t *j, const char *doc, const char *where,
			  wp_error **err);

/* Fills every field; strings are copied. */
int wp_descriptor_set(wp_descriptor *d, const char *media_type, const char *digest, int64_t size,
		      wp_error **err);
int wp_descriptor_copy(wp_descriptor *out, const wp_descriptor *d, wp_error **err);
void wp_descriptor_release(wp_descriptor *d);

int wp_descriptor_to_json(const wp_descriptor *d, json_t **out, wp_error **err);
/* Parses and validates (media type present, digest grammar, size >= 0).
 * `doc` names the document and `where` the descriptor's path in it. */
int wp_descriptor_from_json(wp_descriptor *out, const json_t *j, const char *doc, const char *where,
			    wp_error **err);

/* A string→string JSON object (annotations, labels) to and from a wp_kv. */
int wp_kv_to_json(const wp_kv *kv, json_t **out, const char *what, wp_error **err);
int wp_kv_from_json(wp_kv *out, const json_t *j, const char *doc, const char *where,
		    wp_error **err);
/* A JSON array of strings to and from a wp_strv. */
int wp_strv_to_json(const wp_strv *v, json_t **out, const char *what, wp_error **err);
int wp_strv_from_json(wp_strv *out, const json_t *j, const char *doc, const char *where,
		      wp_error **err);

#endif
