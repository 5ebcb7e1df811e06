#include "pull_run.h"
#include "remote_cmd.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/destination.h"
#include "../oci/output.h"
#include "../oci/pull.h"
#include "../lib/common.h"

static void on_event(void *ctx, const wp_pull_event *e)
{
	const struct pull_args *a = ctx;

	if (a->quiet)
		return;
	if (e->kind == WP_PULL_INDEX)
		fprintf(stderr, "%s: index, taking the %s image\n", e->digest, e->platform);
	else if (e->kind == WP_PULL_BLOB_DONE)
		fprintf(stderr, "%s: %s (%" PRId64 " bytes)\n", e->digest,
			strcmp(e->how, "present") == 0 ? "already there" : "verified", e->size);
}

int pull_run(const struct pull_args *a, wp_error **err)
{
	wp_reference ref = {0};
	wp_destination dest = {0};
	wp_platform platform = {0};
	wp_registry *reg = NULL;
	wp_output *out = NULL;
	wp_pull_result res = {0};
	wp_pull_options po = {.jobs = a->jobs, .event = on_event, .event_ctx = (void *)a};
	_cleanup_free_ char *name = NULL;
	int r = remote_parse_reference(a->ref, &ref, err);

	if (r == 0 && a->platform && (r = wp_platform_parse(&platform, a->platform, err)) < 0)
		(*err)->code = WP_EUSAGE;
	if (r == 0 && a->platform)
		po.platform = &platform;
	if (r == 0 && (r = wp_destination_parse(&dest, a->dest, err)) < 0)
		(*err)->code = WP_EUSAGE;
	if (r == 0 && dest.kind == WP_DEST_DOCKER_ARCHIVE)
		r = wp_error_set(
			err, WP_EUSAGE,
			"\"%s\": docker-archive is not supported here yet; use oci-archive: "
			"or a layout directory",
			a->dest);
	if (r == 0)
		r = remote_args_open(a->remote, ref.registry, &reg, err);
	if (r == 0)
		r = wp_output_open(&out, &dest, 0, err);
	if (r == 0)
		r = wp_pull_image(reg, ref.repository,
				  ref.digest ? ref.digest
				  : ref.tag  ? ref.tag
					     : WP_DEFAULT_TAG,
				  wp_output_layout(out), &po, &res, err);
	/* tagged in the layout as it is named: by its tag, or latest for a
	 * bare name; a pull by digest alone gets no tag */
	if (r == 0 && !ref.tag && !ref.digest && !(ref.tag = strdup(WP_DEFAULT_TAG)))
		r = wp_error_oom(err);
	if (r == 0 && ref.tag) {
		free(ref.digest);
		ref.digest = NULL;
	}
	if (r == 0)
		r = wp_output_commit_manifest(out, &res.image, &ref, ref.tag ? 1 : 0, err);
	if (r == 0 && !(name = wp_reference_familiar(&ref)))
		r = wp_error_oom(err);
	if (r == 0) {
		wp_log_debug("%d blobs fetched (%" PRId64 " bytes), %d present", res.blobs_fetched,
			     res.bytes_fetched, res.blobs_present);
		/* the name without a digest: the digest printed is the image's */
		if (strchr(name, '@'))
			*strchr(name, '@') = '\0';
		printf("%s@%s\n", a->shown ? a->shown : name, res.image.digest);
		fflush(stdout);
	}
	if (r < 0 && ref.repository) {
		_cleanup_free_ char *shown = wp_reference_familiar(&ref);

		wp_error_prefix(err, "%s \"%s\"", a->shown ? "copy" : "pull",
				shown ? shown : a->ref);
	}
	wp_output_free(out);
	wp_pull_result_release(&res);
	wp_registry_free(reg);
	wp_platform_release(&platform);
	wp_destination_release(&dest);
	wp_reference_release(&ref);
	return r;
}
