#include "build_annotations.h"
#include "../lib/log.h"
#include "../lib/common.h"

static int grow(struct build_annotations *b, wp_error **err)
{
	struct annotation_arg *more = realloc(b->args, (b->n + 1) * sizeof(*more));

	if (!more)
		return wp_error_oom(err);
	b->args = more;
	return 0;
}

int build_annotations_parse(struct build_annotations *b, const wp_strv *args, wp_error **err)
{
	for (size_t i = 0; i < args->len; i++) {
		int r = grow(b, err);

		if (r == 0)
			r = annotation_arg_parse(args->items[i], &b->args[b->n], err);
		if (r < 0)
			return r;
		b->n++;
	}
	return 0;
}

int build_annotations_default(struct build_annotations *b, const char *key, const char *value,
			      wp_error **err)
{
	struct annotation_arg *a;
	int r;

	for (size_t i = 0; i < b->n; i++)
		if ((b->args[i].levels & ANNOTATION_MANIFEST) && strcmp(b->args[i].key, key) == 0)
			return 0;
	if ((r = grow(b, err)) < 0)
		return r;
	a = &b->args[b->n];
	*a = (struct annotation_arg){.levels = ANNOTATION_MANIFEST};
	if (!(a->key = strdup(key)) || !(a->value = strdup(value))) {
		annotation_arg_release(a);
		return wp_error_oom(err);
	}
	b->n++;
	return 0;
}

int build_annotations_apply(const struct build_annotations *b, enum annotation_level level,
			    const wp_platform *platform, wp_kv *kv, wp_error **err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < b->n; i++)
		if (annotation_arg_applies(&b->args[i], level, platform))
			r = wp_kv_set(kv, b->args[i].key, b->args[i].value, err);
	return r;
}

void build_annotations_warn_unused(const struct build_annotations *b, bool has_index)
{
	for (size_t i = 0; i < b->n; i++) {
		unsigned carried =
			ANNOTATION_MANIFEST |
			(has_index ? ANNOTATION_INDEX | ANNOTATION_MANIFEST_DESCRIPTOR : 0);

		if (!(b->args[i].levels & carried))
			wp_log_warn("annotation \"%s\" skipped: this build writes %s",
				    b->args[i].text ? b->args[i].text : b->args[i].key,
				    has_index ? "no index descriptor (the layout's index.json "
						"names images by tag)"
					      : "one manifest and no index (--aot native makes "
						"one)");
	}
}

void build_annotations_release(struct build_annotations *b)
{
	for (size_t i = 0; i < b->n; i++)
		annotation_arg_release(&b->args[i]);
	free(b->args);
	*b = (struct build_annotations){0};
}
