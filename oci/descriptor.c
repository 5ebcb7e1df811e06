#include "descriptor.h"
#include "../lib/json.h"
#include "../lib/common.h"

int wp_platform_parse(wp_platform *out, const char *s, wp_error **err)
{
	wp_platform p = {0};
	const char *a = strchr(s, '/'), *v;

	if (!a || a == s || !a[1] || a[1] == '/')
		return wp_error_set(err, WP_EINVALID,
				    "invalid platform \"%s\" (expected OS/ARCH[/VARIANT])", s);
	v = strchr(a + 1, '/');
	if (v && (!v[1] || strchr(v + 1, '/')))
		return wp_error_set(err, WP_EINVALID,
				    "invalid platform \"%s\" (expected OS/ARCH[/VARIANT])", s);
	p.os = strndup(s, (size_t)(a - s));
	p.architecture = v ? strndup(a + 1, (size_t)(v - a - 1)) : strdup(a + 1);
	p.variant = v ? strdup(v + 1) : NULL;
	if (!p.os || !p.architecture || (v && !p.variant)) {
		wp_platform_release(&p);
		return wp_error_oom(err);
	}
	*out = p;
	return 0;
}

char *wp_platform_format(const wp_platform *p)
{
	if (p->variant)
		return wp_strdup_printf("%s/%s/%s", p->os, p->architecture, p->variant);
	return wp_strdup_printf("%s/%s", p->os, p->architecture);
}

bool wp_platform_equal(const wp_platform *a, const wp_platform *b)
{
	return wp_str_eq(a->os, b->os) && wp_str_eq(a->architecture, b->architecture) &&
	       wp_str_eq(a->variant, b->variant);
}

int wp_platform_copy(wp_platform *out, const wp_platform *p, wp_error **err)
{
	wp_platform c = {0};
	int r = 0;

	if ((p->os && !(c.os = strdup(p->os))) ||
	    (p->architecture && !(c.architecture = strdup(p->architecture))) ||
	    (p->variant && !(c.variant = strdup(p->variant))) ||
	    (p->os_version && !(c.os_version = strdup(p->os_version))))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < p->os_features.len; i++)
		r = wp_strv_push(&c.os_features, p->os_features.items[i], err);
	if (r < 0) {
		wp_platform_release(&c);
		return r;
	}
	*out = c;
	return 0;
}

void wp_platform_release(wp_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	wp_strv_release(&p->os_features);
	memset(p, 0, sizeof(*p));
}

int wp_strv_to_json(const wp_strv *v, json_t **out, const char *what, wp_error **err)
{
	json_t *arr = json_array();
	int r = 0;

	if (!arr)
		return wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < v->len; i++)
		r = wp_json_append_string(arr, v->items[i], what, err);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int wp_strv_from_json(wp_strv *out, const json_t *j, const char *doc, const char *where,
		      wp_error **err)
{
	wp_strv v = {0};
	size_t i;
	json_t *item;
	int r = 0;

	if (!json_is_array(j))
		return wp_error_set(err, WP_EINVALID, "%s: %s: expected an array of strings", doc,
				    where);
	json_array_foreach (j, i, item) {
		if (!json_is_string(item)) {
			r = wp_error_set(err, WP_EINVALID, "%s: %s[%zu]: expected a string", doc,
					 where, i);
			break;
		}
		if ((r = wp_strv_push(&v, json_string_value(item), err)) < 0)
			break;
	}
	if (r < 0) {
		wp_strv_release(&v);
		return r;
	}
	*out = v;
	return 0;
}

int wp_kv_to_json(const wp_kv *kv, json_t **out, const char *what, wp_error **err)
{
	json_t *obj = json_object();
	int r = 0;

	if (!obj)
		return wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < kv->len; i++) {
		if (!wp_utf8_valid(kv->items[i].key, strlen(kv->items[i].key)))
			r = wp_error_set(err, WP_EINVALID, "%s key is not valid UTF-8", what);
		else
			r = wp_json_set_string(obj, kv->items[i].key, kv->items[i].value, what,
					       err);
	}
	if (r < 0) {
		json_decref(obj);
		return r;
	}
	*out = obj;
	return 0;
}

int wp_kv_from_json(wp_kv *out, const json_t *j, const char *doc, const char *where, wp_error **err)
{
	wp_kv kv = {0};
	const char *key;
	json_t *value;
	int r = 0;

	if (!json_is_object(j))
		return wp_error_set(err, WP_EINVALID, "%s: %s: expected an object of strings", doc,
				    where);
	json_object_foreach ((json_t *)j, key, value) {
		if (!json_is_string(value)) {
			r = wp_error_set(err, WP_EINVALID, "%s: %s.%s: expected a string", doc,
					 where, key);
			break;
		}
		if ((r = wp_kv_set(&kv, key, json_string_value(value), err)) < 0)
			break;
	}
	if (r < 0) {
		wp_kv_release(&kv);
		return r;
	}
	*out = kv;
	return 0;
}

int wp_platform_to_json(const wp_platform *p, json_t **out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	int r;

	if (!j)
		return wp_error_oom(err);
	r = wp_json_set_string(j, "architecture", p->architecture, "platform architecture", err);
	if (r == 0)
		r = wp_json_set_string(j, "os", p->os, "platform os", err);
	if (r == 0 && p->variant)
		r = wp_json_set_string(j, "variant", p->variant, "platform variant", err);
	if (r == 0 && p->os_version)
		r = wp_json_set_string(j, "os.version", p->os_version, "platform os.version", err);
	if (r == 0 && p->os_features.len) {
		json_t *f;

		r = wp_strv_to_json(&p->os_features, &f, "platform os.features", err);
		if (r == 0)
			r = wp_json_set_new(j, "os.features", f, err);
	}
	if (r < 0)
		return r;
	*out = TAKE_PTR(j);
	return 0;
}

int wp_platform_from_json(wp_platform *out, const json_t *j, const char *doc, const char *where,
			  wp_error **err)
{
	wp_platform p = {0};
	const char *os = NULL, *arch = NULL, *variant = NULL, *osv = NULL;
	json_t *features = NULL;
	int r;

	if (!json_is_object(j))
		return wp_error_set(err, WP_EINVALID, "%s: %s: expected an object", doc, where);
	r = wp_json_get_string(j, "os", true, doc, where, &os, err);
	if (r == 0)
		r = wp_json_get_string(j, "architecture", true, doc, where, &arch, err);
	if (r == 0)
		r = wp_json_get_string(j, "variant", false, doc, where, &variant, err);
	if (r == 0)
		r = wp_json_get_string(j, "os.version", false, doc, where, &osv, err);
	if (r == 0)
		r = wp_json_get_array(j, "os.features", false, doc, where, &features, err);
	/* != 0, not < 0: the analyzer takes the getters of json.c to return
	 * positive codes too, and would go on with os or arch unset */
	if (r != 0)
		return r;
	if (!(p.os = strdup(os)) || !(p.architecture = strdup(arch)) ||
	    (variant && !(p.variant = strdup(variant))) || (osv && !(p.os_version = strdup(osv))))
		r = wp_error_oom(err);
	if (r == 0 && features)
		r = wp_strv_from_json(&p.os_features, features, doc, "os.features", err);
	if (r < 0) {
		wp_platform_release(&p);
		return r;
	}
	*out = p;
	return 0;
}

int wp_descriptor_set(wp_descriptor *d, const char *media_type, const char *digest, int64_t size,
		      wp_error **err)
{
	int r = wp_digest_validate(digest, "descriptor", err);

	memset(d, 0, sizeof(*d));
	if (r < 0)
		return r;
	if (strlen(digest) >= WP_DIGEST_SIZE)
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "digest \"%.14s...\": only sha256 digests are supported",
				    digest);
	d->media_type = strdup(media_type);
	if (!d->media_type)
		return wp_error_oom(err);
	memcpy(d->digest, digest, strlen(digest) + 1);
	d->size = size;
	return 0;
}

int wp_descriptor_copy(wp_descriptor *out, const wp_descriptor *d, wp_error **err)
{
	wp_descriptor c = {0};
	int r = wp_descriptor_set(&c, d->media_type, d->digest, d->size, err);

	if (r == 0 && d->artifact_type && !(c.artifact_type = strdup(d->artifact_type)))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < d->urls.len; i++)
		r = wp_strv_push(&c.urls, d->urls.items[i], err);
	for (size_t i = 0; r == 0 && i < d->annotations.len; i++)
		r = wp_kv_set(&c.annotations, d->annotations.items[i].key,
			      d->annotations.items[i].value, err);
	if (r == 0 && d->platform) {
		c.platform = calloc(1, sizeof(*c.platform));
		r = c.platform ? wp_platform_copy(c.platform, d->platform, err) : wp_error_oom(err);
	}
	if (r < 0) {
		wp_descriptor_release(&c);
		return r;
	}
	*out = c;
	return 0;
}

void wp_descriptor_release(wp_descriptor *d)
{
	free(d->media_type);
	free(d->artifact_type);
	wp_strv_release(&d->urls);
	wp_kv_release(&d->annotations);
	if (d->platform) {
		wp_platform_release(d->platform);
		free(d->platform);
	}
	memset(d, 0, sizeof(*d));
}

int wp_descriptor_to_json(const wp_descriptor *d, json_t **out, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	json_t *sub = NULL;
	int r;

	if (!j)
		return wp_error_oom(err);
	r = wp_json_set_string(j, "mediaType", d->media_type, "media type", err);
	if (r == 0)
		r = wp_json_set_string(j, "digest", d->digest, "digest", err);
	if (r == 0)
		r = wp_json_set_new(j, "size", json_integer(d->size), err);
	if (r == 0 && d->artifact_type)
		r = wp_json_set_string(j, "artifactType", d->artifact_type, "artifact type", err);
	if (r == 0 && d->urls.len && (r = wp_strv_to_json(&d->urls, &sub, "url", err)) == 0)
		r = wp_json_set_new(j, "urls", sub, err);
	if (r == 0 && d->annotations.len &&
	    (r = wp_kv_to_json(&d->annotations, &sub, "annotation", err)) == 0)
		r = wp_json_set_new(j, "annotations", sub, err);
	if (r == 0 && d->platform && (r = wp_platform_to_json(d->platform, &sub, err)) == 0)
		r = wp_json_set_new(j, "platform", sub, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(j);
	return 0;
}

int wp_descriptor_from_json(wp_descriptor *out, const json_t *j, const char *doc, const char *where,
			    wp_error **err)
{
	wp_descriptor d = {0};
	const char *mt = NULL, *digest = NULL, *at = NULL;
	json_t *urls = NULL, *ann = NULL, *plat = NULL;
	int64_t size = -1;
	int r;

	if (!json_is_object(j))
		return wp_error_set(err, WP_EINVALID, "%s: %s: expected an object", doc, where);
	r = wp_json_get_string(j, "mediaType", true, doc, where, &mt, err);
	if (r == 0)
		r = wp_json_get_string(j, "digest", true, doc, where, &digest, err);
	if (r == 0)
		r = wp_json_get_int64(j, "size", true, doc, where, &size, err);
	if (r == 0)
		r = wp_json_get_string(j, "artifactType", false, doc, where, &at, err);
	if (r == 0)
		r = wp_json_get_array(j, "urls", false, doc, where, &urls, err);
	if (r == 0)
		r = wp_json_get_object(j, "annotations", false, doc, where, &ann, err);
	if (r == 0)
		r = wp_json_get_object(j, "platform", false, doc, where, &plat, err);
	if (r < 0)
		return r;
	if ((r = wp_digest_validate(digest, "digest", err)) < 0)
		return wp_error_prefix(err, "%s: %s", doc, where);
	if (size < 0)
		return wp_error_set(err, WP_EINVALID, "%s: %s.size: negative size %" PRId64, doc,
				    where, size);
	if (!*mt)
		return wp_error_set(err, WP_EINVALID, "%s: %s.mediaType: empty", doc, where);
	r = wp_descriptor_set(&d, mt, digest, size, err);
	if (r == 0 && at && !(d.artifact_type = strdup(at)))
		r = wp_error_oom(err);
	if (r == 0 && urls) {
		_cleanup_free_ char *at_path = wp_strdup_printf("%s.urls", where);

		r = at_path ? wp_strv_from_json(&d.urls, urls, doc, at_path, err)
			    : wp_error_oom(err);
	}
	if (r == 0 && ann) {
		_cleanup_free_ char *at_path = wp_strdup_printf("%s.annotations", where);

		r = at_path ? wp_kv_from_json(&d.annotations, ann, doc, at_path, err)
			    : wp_error_oom(err);
	}
	if (r == 0 && plat) {
		_cleanup_free_ char *at_path = wp_strdup_printf("%s.platform", where);

		d.platform = calloc(1, sizeof(*d.platform));
		r = d.platform && at_path
			    ? wp_platform_from_json(d.platform, plat, doc, at_path, err)
			    : wp_error_oom(err);
	}
	if (r < 0) {
		wp_descriptor_release(&d);
		return r;
	}
	*out = d;
	return 0;
}
