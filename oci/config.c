#include <time.h>

#include "config.h"
#include "../lib/json.h"
#include "../lib/common.h"

int wp_format_rfc3339(int64_t seconds, char out[32], wp_error **err)
{
	struct tm tm;
	time_t t = (time_t)seconds;

	if (seconds < 0 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return wp_error_set(err, WP_EINVALID,
				    "time %" PRId64 " cannot be written as RFC 3339", seconds);
	return 0;
}

int wp_image_config_add_history(wp_image_config *c, const wp_history *h, wp_error **err)
{
	wp_history *grown = realloc(c->history, (c->n_history + 1) * sizeof(*grown));
	wp_history n = {0};

	if (!grown)
		return wp_error_oom(err);
	c->history = grown;
	if ((h->created && !(n.created = strdup(h->created))) ||
	    (h->created_by && !(n.created_by = strdup(h->created_by))) ||
	    (h->author && !(n.author = strdup(h->author))) ||
	    (h->comment && !(n.comment = strdup(h->comment)))) {
		free(n.created);
		free(n.created_by);
		free(n.author);
		free(n.comment);
		return wp_error_oom(err);
	}
	n.empty_layer = h->empty_layer;
	c->history[c->n_history++] = n;
	return 0;
}

void wp_image_config_release(wp_image_config *c)
{
	free(c->created);
	free(c->author);
	wp_platform_release(&c->platform);
	free(c->user);
	free(c->working_dir);
	free(c->stop_signal);
	wp_strv_release(&c->env);
	wp_strv_release(&c->entrypoint);
	wp_strv_release(&c->cmd);
	wp_strv_release(&c->exposed_ports);
	wp_strv_release(&c->volumes);
	wp_kv_release(&c->labels);
	wp_strv_release(&c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	memset(c, 0, sizeof(*c));
}

static int set_opt_string(json_t *j, const char *key, const char *value, wp_error **err)
{
	if (!value || !*value)
		return 0;
	return wp_json_set_string(j, key, value, key, err);
}

static int set_strv(json_t *j, const char *key, const wp_strv *v, bool always, wp_error **err)
{
	json_t *arr;
	int r;

	if (!v->len && !always)
		return 0;
	r = wp_strv_to_json(v, &arr, key, err);
	return r < 0 ? r : wp_json_set_new(j, key, arr, err);
}

/* {"a":{},"b":{}}: how ExposedPorts and Volumes are written. */
static int set_set(json_t *j, const char *key, const wp_strv *v, wp_error **err)
{
	_cleanup_json_ json_t *obj = NULL;

	if (!v->len)
		return 0;
	if (!(obj = json_object()))
		return wp_error_oom(err);
	for (size_t i = 0; i < v->len; i++) {
		int r = wp_json_set_new(obj, v->items[i], json_object(), err);

		if (r < 0)
			return r;
	}
	return wp_json_set_new(j, key, TAKE_PTR(obj), err);
}

static int run_config_to_json(const wp_image_config *c, json_t **out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	json_t *labels;
	int r;

	if (!j)
		return wp_error_oom(err);
	r = set_opt_string(j, "User", c->user, err);
	if (r == 0)
		r = set_set(j, "ExposedPorts", &c->exposed_ports, err);
	if (r == 0)
		r = set_strv(j, "Env", &c->env, false, err);
	if (r == 0)
		r = set_strv(j, "Entrypoint", &c->entrypoint, c->has_entrypoint, err);
	if (r == 0)
		r = set_strv(j, "Cmd", &c->cmd, c->has_cmd, err);
	if (r == 0)
		r = set_set(j, "Volumes", &c->volumes, err);
	if (r == 0)
		r = set_opt_string(j, "WorkingDir", c->working_dir, err);
	if (r == 0)
		r = set_opt_string(j, "StopSignal", c->stop_signal, err);
	if (r == 0 && c->labels.len && (r = wp_kv_to_json(&c->labels, &labels, "label", err)) == 0)
		r = wp_json_set_new(j, "Labels", labels, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(j);
	return 0;
}

static int history_to_json(const wp_image_config *c, json_t **out, wp_error **err)
{
	_cleanup_json_ json_t *arr = json_array();

	if (!arr)
		return wp_error_oom(err);
	for (size_t i = 0; i < c->n_history; i++) {
		const wp_history *h = &c->history[i];
		json_t *e = json_object();
		int r = e ? 0 : wp_error_oom(err);

		if (r == 0)
			r = set_opt_string(e, "created", h->created, err);
		if (r == 0)
			r = set_opt_string(e, "created_by", h->created_by, err);
		if (r == 0)
			r = set_opt_string(e, "author", h->author, err);
		if (r == 0)
			r = set_opt_string(e, "comment", h->comment, err);
		if (r == 0 && h->empty_layer)
			r = wp_json_set_new(e, "empty_layer", json_true(), err);
		if (r == 0)
			r = wp_json_append_new(arr, e, err);
		else
			json_decref(e);
		if (r < 0)
			return r;
	}
	*out = TAKE_PTR(arr);
	return 0;
}

int wp_image_config_serialize(const wp_image_config *c, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	json_t *sub = NULL, *rootfs = NULL;
	wp_buf b = WP_BUF_INIT(WP_CONFIG_MAX);
	int r;

	if (!j)
		return wp_error_oom(err);
	if (!c->platform.os || !c->platform.architecture)
		return wp_error_set(err, WP_EINVALID,
				    "image config: os and architecture are required");
	r = wp_json_set_string(j, "architecture", c->platform.architecture, "architecture", err);
	if (r == 0)
		r = wp_json_set_string(j, "os", c->platform.os, "os", err);
	if (r == 0)
		r = set_opt_string(j, "variant", c->platform.variant, err);
	if (r == 0)
		r = set_opt_string(j, "os.version", c->platform.os_version, err);
	if (r == 0)
		r = set_strv(j, "os.features", &c->platform.os_features, false, err);
	if (r == 0)
		r = set_opt_string(j, "created", c->created, err);
	if (r == 0)
		r = set_opt_string(j, "author", c->author, err);
	if (r == 0 && (r = run_config_to_json(c, &sub, err)) == 0)
		r = wp_json_set_new(j, "config", sub, err);
	if (r == 0) {
		rootfs = json_object();
		r = rootfs ? wp_json_set_new(j, "rootfs", rootfs, err) : wp_error_oom(err);
	}
	if (r == 0)
		r = wp_json_set_string(rootfs, "type", "layers", "rootfs type", err);
	if (r == 0)
		r = set_strv(rootfs, "diff_ids", &c->diff_ids, true, err);
	if (r == 0 && c->n_history && (r = history_to_json(c, &sub, err)) == 0)
		r = wp_json_set_new(j, "history", sub, err);
	if (r == 0)
		r = wp_json_dump_canonical(j, &b, err);
	if (r == 0)
		r = wp_buf_append(out, b.data, b.len, err);
	wp_buf_release(&b);
	return r;
}

static int get_dup(const json_t *j, const char *key, const char *what, const char *where,
		   char **out, wp_error **err)
{
	const char *s = NULL;
	int r = wp_json_get_string(j, key, false, what, where, &s, err);

	if (r == 0 && s && !(*out = strdup(s)))
		r = wp_error_oom(err);
	return r;
}

static int get_strv(const json_t *j, const char *key, const char *what, wp_strv *out, bool *has,
		    wp_error **err)
{
	json_t *v = json_object_get(j, key);
	_cleanup_free_ char *where = wp_strdup_printf("config.%s", key);

	if (!where)
		return wp_error_oom(err);
	if (has)
		*has = v && !json_is_null(v);
	if (!v || json_is_null(v))
		return 0;
	return wp_strv_from_json(out, v, what, where, err);
}

static int get_set(const json_t *j, const char *key, const char *what, wp_strv *out, wp_error **err)
{
	json_t *v = json_object_get(j, key), *ignored;
	const char *k;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return wp_error_set(err, WP_EINVALID, "%s: config.%s: expected an object", what,
				    key);
	json_object_foreach (v, k, ignored) {
		int r = wp_strv_push(out, k, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int run_config_from_json(wp_image_config *c, const json_t *j, const char *what,
				wp_error **err)
{
	json_t *labels = NULL;
	int r = get_dup(j, "User", what, "config", &c->user, err);

	if (r == 0)
		r = get_dup(j, "WorkingDir", what, "config", &c->working_dir, err);
	if (r == 0)
		r = get_dup(j, "StopSignal", what, "config", &c->stop_signal, err);
	if (r == 0)
		r = get_strv(j, "Env", what, &c->env, NULL, err);
	if (r == 0)
		r = get_strv(j, "Entrypoint", what, &c->entrypoint, &c->has_entrypoint, err);
	if (r == 0)
		r = get_strv(j, "Cmd", what, &c->cmd, &c->has_cmd, err);
	if (r == 0)
		r = get_set(j, "ExposedPorts", what, &c->exposed_ports, err);
	if (r == 0)
		r = get_set(j, "Volumes", what, &c->volumes, err);
	if (r == 0)
		r = wp_json_get_object(j, "Labels", false, what, "config", &labels, err);
	if (r == 0 && labels)
		r = wp_kv_from_json(&c->labels, labels, what, "config.Labels", err);
	return r;
}

static int history_from_json(wp_image_config *c, const json_t *arr, const char *what,
			     wp_error **err)
{
	size_t i;
	json_t *e;

	json_array_foreach (arr, i, e) {
		wp_history h = {0};
		_cleanup_free_ char *where = wp_strdup_printf("history[%zu]", i);
		json_t *empty;
		int r = where ? 0 : wp_error_oom(err);

		if (r == 0 && !json_is_object(e))
			r = wp_error_set(err, WP_EINVALID, "%s: %s: expected an object", what,
					 where);
		if (r == 0)
			r = get_dup(e, "created", what, where, &h.created, err);
		if (r == 0)
			r = get_dup(e, "created_by", what, where, &h.created_by, err);
		if (r == 0)
			r = get_dup(e, "author", what, where, &h.author, err);
		if (r == 0)
			r = get_dup(e, "comment", what, where, &h.comment, err);
		if (r == 0 && (empty = json_object_get(e, "empty_layer")))
			h.empty_layer = json_is_true(empty);
		if (r == 0)
			r = wp_image_config_add_history(c, &h, err);
		free(h.created);
		free(h.created_by);
		free(h.author);
		free(h.comment);
		if (r < 0)
			return r;
	}
	return 0;
}

int wp_image_config_parse(wp_image_config *out, const char *data, size_t len, const char *what,
			  wp_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	wp_image_config c = {0};
	json_t *run = NULL, *rootfs = NULL, *diff_ids = NULL, *history = NULL, *features = NULL;
	const char *os = NULL, *arch = NULL, *type = NULL;
	int r;

	if (len > WP_CONFIG_MAX)
		return wp_error_set(err, WP_ELIMIT, "%s: larger than %u bytes", what,
				    WP_CONFIG_MAX);
	if ((r = wp_json_parse(&j, data, len, what, err)) < 0)
		return r;
	if (!json_is_object(j))
		return wp_error_set(err, WP_EINVALID, "%s: expected a JSON object", what);
	r = wp_json_get_string(j, "os", true, what, "", &os, err);
	if (r == 0)
		r = wp_json_get_string(j, "architecture", true, what, "", &arch, err);
	if (r == 0 && (!(c.platform.os = strdup(os)) || !(c.platform.architecture = strdup(arch))))
		r = wp_error_oom(err);
	if (r == 0)
		r = get_dup(j, "variant", what, "", &c.platform.variant, err);
	if (r == 0)
		r = get_dup(j, "os.version", what, "", &c.platform.os_version, err);
	if (r == 0)
		r = wp_json_get_array(j, "os.features", false, what, "", &features, err);
	if (r == 0 && features)
		r = wp_strv_from_json(&c.platform.os_features, features, what, "os.features", err);
	if (r == 0)
		r = get_dup(j, "created", what, "", &c.created, err);
	if (r == 0)
		r = get_dup(j, "author", what, "", &c.author, err);
	if (r == 0)
		r = wp_json_get_object(j, "config", false, what, "", &run, err);
	if (r == 0 && run)
		r = run_config_from_json(&c, run, what, err);
	if (r == 0)
		r = wp_json_get_object(j, "rootfs", true, what, "", &rootfs, err);
	if (r == 0)
		r = wp_json_get_string(rootfs, "type", true, what, "rootfs", &type, err);
	if (r == 0 && strcmp(type, "layers") != 0)
		r = wp_error_set(err, WP_EINVALID, "%s: rootfs.type: \"%s\" (expected \"layers\")",
				 what, type);
	if (r == 0)
		r = wp_json_get_array(rootfs, "diff_ids", true, what, "rootfs", &diff_ids, err);
	if (r == 0)
		r = wp_strv_from_json(&c.diff_ids, diff_ids, what, "rootfs.diff_ids", err);
	for (size_t i = 0; r == 0 && i < c.diff_ids.len; i++)
		if (!wp_digest_is_valid(c.diff_ids.items[i]))
			r = wp_error_set(err, WP_EINVALID,
					 "%s: rootfs.diff_ids[%zu]: invalid digest "
					 "\"%.80s\"",
					 what, i, c.diff_ids.items[i]);
	if (r == 0)
		r = wp_json_get_array(j, "history", false, what, "", &history, err);
	if (r == 0 && history)
		r = history_from_json(&c, history, what, err);
	if (r < 0) {
		wp_image_config_release(&c);
		return r;
	}
	*out = c;
	return 0;
}
