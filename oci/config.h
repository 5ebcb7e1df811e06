/* The image configuration (OCI image-spec config.md; Docker's image JSON is
 * the same document): C struct, canonical serialization, validating parser.
 * Empty or unset fields are left out, so nothing host-specific or
 * time-dependent appears unless asked for. */
#ifndef WP_CONFIG_H
#define WP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/str.h"
#include "descriptor.h"

#define WP_CONFIG_MAX (8u * 1024 * 1024)

typedef struct wp_history {
	char *created; /* RFC 3339, optional */
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
} wp_history;

typedef struct wp_image_config {
	char *created; /* RFC 3339, optional */
	char *author;
	wp_platform platform; /* os, architecture, variant, os.version, os.features */
	/* the "config" object */
	char *user;
	char *working_dir;
	char *stop_signal;
	wp_strv env;
	wp_strv entrypoint;
	bool has_entrypoint; /* distinguishes [] from absent */
	wp_strv cmd;
	bool has_cmd;
	wp_strv exposed_ports; /* "8080/tcp" */
	wp_strv volumes;
	wp_kv labels;
	/* rootfs and history */
	wp_strv diff_ids;
	wp_history *history;
	size_t n_history;
} wp_image_config;

int wp_image_config_add_history(wp_image_config *c, const wp_history *h, wp_error **err);
int wp_image_config_serialize(const wp_image_config *c, wp_buf *out, wp_error **err);
int wp_image_config_parse(wp_image_config *out, const char *data, size_t len, const char *what,
			  wp_error **err);
void wp_image_config_release(wp_image_config *c);

/* RFC 3339 UTC ("2024-01-02T03:04:05Z") for seconds since the epoch. */
int wp_format_rfc3339(int64_t seconds, char out[32], wp_error **err);

#endif
