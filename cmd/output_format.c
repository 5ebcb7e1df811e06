#include "output_format.h"
#include "../lib/fileio.h"
#include "../lib/json.h"
#include "../lib/common.h"

int output_format_parse(const wp_command *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0)
		return cmd_usage_error(cmd, "--format: \"%s\" is neither text nor json", arg);
	*json = strcmp(arg, "json") == 0;
	return 0;
}

int output_json_print(const json_t *o, wp_error **err)
{
	_cleanup_free_ char *text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	int r;

	if (!text)
		return wp_error_oom(err);
	/* what stdio holds goes first (nothing should, in JSON mode) */
	fflush(stdout);
	r = wp_write_all(STDOUT_FILENO, text, strlen(text), "standard output", err);
	return r < 0 ? r : wp_write_all(STDOUT_FILENO, "\n", 1, "standard output", err);
}

int output_json_pack_print(wp_error **err, const char *fmt, ...)
{
	_cleanup_json_ json_t *o = NULL;
	json_error_t e;
	va_list ap;

	va_start(ap, fmt);
	o = json_vpack_ex(&e, 0, fmt, ap);
	va_end(ap);
	if (!o)
		return wp_error_set(err, WP_EINVALID, "cannot write the JSON result: %s", e.text);
	return output_json_print(o, err);
}

int output_json_strings(json_t **out, const wp_strv *v, const char *what, wp_error **err)
{
	_cleanup_json_ json_t *a = json_array();
	int r = a ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < v->len; i++)
		r = wp_json_append_string(a, v->items[i], what, err);
	if (r == 0)
		*out = TAKE_PTR(a);
	return r;
}

char *output_ref_name(const wp_reference *ref)
{
	char *name = wp_reference_familiar(ref);

	if (name && strchr(name, '@'))
		*strchr(name, '@') = '\0';
	return name;
}

int output_name_digest(const char *name, const char *digest, wp_error **err)
{
	printf("%s@%s\n", name, digest);
	if (fflush(stdout) != 0)
		return wp_error_set_errno(err, errno, "cannot write to standard output");
	return 0;
}

int output_copied(bool json, const char *src, const char *dst, const char *digest, wp_error **err)
{
	if (!json)
		return output_name_digest(dst, digest, err);
	return output_json_pack_print(err, "{s:s,s:s,s:s}", "source", src, "destination", dst,
				      "digest", digest);
}
