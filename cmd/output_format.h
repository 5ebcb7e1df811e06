/* --format text|json, shared by every command that prints a result: one
 * option, one help line, one error message, and one way to print the JSON
 * document (docs/json-output.md lists each command's keys). */
#ifndef WP_OUTPUT_FORMAT_H
#define WP_OUTPUT_FORMAT_H

#include <jansson.h>
#include <stdbool.h>

#include "cmd.h"
#include "../lib/str.h"
#include "../oci/reference.h"

enum {
	OPT_OUTPUT_FORMAT = 0x1800,
};

#define OUTPUT_FORMAT_OPTION                                         \
	{                                                            \
		"format", required_argument, NULL, OPT_OUTPUT_FORMAT \
	}
#define OUTPUT_FORMAT_HELP                                                              \
	"      --format FORMAT         text (default), or json: one JSON document on\n" \
	"                              stdout (keys: docs/json-output.md)\n"

/* --format's value: 0 with *json set; else the usage error is printed and
 * EXIT_USAGE returned. */
int output_format_parse(const wp_command *cmd, const char *arg, bool *json);

/* Prints o on stdout as the command's one JSON document (indented by two,
 * keys in the order they were set). */
int output_json_print(const json_t *o, wp_error **err);

/* json_pack(fmt, ...), then output_json_print: a document in one call. A
 * value json_pack refuses (a path that is not UTF-8) is an error saying
 * why. */
int output_json_pack_print(wp_error **err, const char *fmt, ...);

/* v as a JSON array of strings (a new reference); `what` names an entry
 * in the error when one is not UTF-8. */
int output_json_strings(json_t **out, const wp_strv *v, const char *what, wp_error **err);

/* ref's familiar name without its digest ("localhost:5000/app:v1",
 * "hello:latest"): what push, pull and copy print before @DIGEST. Owned;
 * NULL when out of memory. */
char *output_ref_name(const wp_reference *ref);

/* "NAME@DIGEST" on stdout (push, pull, copy). */
int output_name_digest(const char *name, const char *digest, wp_error **err);

/* What copy prints: DST@DIGEST, or {"source", "destination", "digest"}. */
int output_copied(bool json, const char *src, const char *dst, const char *digest, wp_error **err);

#endif
