#include "pull_run.h"
#include "image_view.h"
#include "output_format.h"
#include "../oci/image_wasm.h"
#include "../oci/source.h"
#include "remote_cmd.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/destination.h"
#include "../oci/output.h"
#include "../oci/pull.h"
#include "../lib/common.h"

/* -q of the command, or of wasmpack itself */
static bool quiet(const struct pull_args *a)
{
	return a->quiet || wp_log_get_level() < WP_LOG_INFO;
}

static void on_event(void *ctx, const wp_pull_event *e)
{
	const struct pull_args *a = ctx;

	if (quiet(a))
		return;
	if (e->kind == WP_PULL_INDEX)
		fprintf(stderr, "%s: index, taking the %s image\n", e->digest, e->platform);
	else if (e->kind == WP_PULL_BLOB_DONE)
		fprintf(stderr, "%s: %s (%" PRId64 " bytes)\n", e->digest,
			strcmp(e->how, "present") == 0 ? "already there" : "verified", e->size);
}

/* NAME@DIGEST on stdout (the name without a digest, the digest the
 * image's; copy's own when copying), or the JSON document. ref: NULL for a
 * local source; index: the index the image was picked from, or NULL;
 * output: the destination written, or NULL. */
static int print_pulled(const struct pull_args *a, const wp_reference *ref,
			const wp_descriptor *image, const char *index, const char *output,
			wp_error **err)
{
	_cleanup_free_ char *name = ref ? output_ref_name(ref) : strdup(a->ref);

	if (!name)
		return wp_error_oom(err);
	if (a->shown)
		return output_copied(a->json, a->ref, a->shown, image->digest, err);
	if (!a->json)
		return output_name_digest(name, image->digest, err);
	return output_json_pack_print(err, "{s:s,s:s,s:s,s:I,s:s*,s:s*,s:s*,s:s*}", "reference",
				      name, "digest", image->digest, "mediaType", image->media_type,
				      "size", (json_int_t)image->size, "indexDigest",
				      index && *index ? index : NULL, "output", output, "wasm",
				      a->wasm, "extract", a->extract);
}

/* The index v's image was picked from, or NULL. */
static const char *index_of(const struct image_view *v)
{
	return strcmp(v->top.digest, v->image.digest) != 0 ? v->top.digest : NULL;
}

/* The error named after the command and the image. */
static int finish(const struct pull_args *a, int r, wp_platform *platform, wp_error **err)
{
	wp_platform_release(platform);
	if (r < 0 && *err && (*err)->code != WP_EUSAGE)
		wp_error_prefix(err, "%s \"%s\"", a->shown ? "copy" : "pull", a->ref);
	return r;
}

/* --wasm and --extract, from the image v shows. */
static int take_out(const struct pull_args *a, const struct image_view *v, wp_error **err)
{
	wp_extract_options limits = {.max_size = a->max_size, .max_total = a->max_total};
	int r = 0;

	if (a->wasm)
		r = image_view_write_wasm(v, a->wasm, a->max_size, err);
	if (r == 0 && a->wasm && !quiet(a))
		fprintf(stderr, "wrote the module to \"%s\"\n", a->wasm);
	if (r == 0 && a->extract)
		r = wp_image_extract(v->l, &v->m, a->extract, &limits, err);
	if (r == 0 && a->extract && !quiet(a))
		fprintf(stderr, "extracted %zu layer%s into \"%s\"\n", v->m.n_layers,
			v->m.n_layers == 1 ? "" : "s", a->extract);
	return r;
}

/* A local image: only its module or files can be taken out. */
static int pull_local(const struct pull_args *a, const wp_platform *platform, wp_error **err)
{
	struct image_view v = {0};
	int r;

	if (!a->wasm && !a->extract)
		return wp_error_set(err, WP_EUSAGE,
				    "\"%s\" is a local image: take its module or files with "
				    "--wasm FILE or --extract DIR (or copy it to a registry)",
				    a->ref);
	r = image_view_open(&v, a->ref, platform, a->remote, false, err);
	if (r == 0)
		r = take_out(a, &v, err);
	/* nothing on stdout as text: the image is not pulled */
	if (r == 0 && a->json)
		r = print_pulled(a, NULL, &v.image, index_of(&v), NULL, err);
	image_view_release(&v);
	return r;
}

/* A registry image for --wasm or --extract only: in a temporary layout. */
static int pull_and_take_out(const struct pull_args *a, const wp_reference *ref,
			     const wp_platform *platform, wp_error **err)
{
	struct image_view v = {0};
	int r = image_view_open(&v, a->ref, platform, a->remote, false, err);

	if (r == 0)
		r = take_out(a, &v, err);
	if (r == 0)
		r = print_pulled(a, ref, &v.image, index_of(&v), NULL, err);
	image_view_release(&v);
	return r;
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
	struct image_view v = {0};
	int r = 0;

	bool whole = a->platform ? strcmp(a->platform, "all") == 0 : a->whole_index;

	if (a->platform && !whole && (r = wp_platform_parse(&platform, a->platform, err)) < 0)
		(*err)->code = WP_EUSAGE;
	if (r == 0 && a->platform && !whole)
		po.platform = &platform;
	if (r == 0 && wp_source_is_spec(a->ref))
		return finish(a, pull_local(a, po.platform, err), &platform, err);
	if (r == 0)
		r = remote_parse_reference(a->ref, &ref, err);
	if (r == 0 && (a->wasm || a->extract) && !a->dest) {
		r = pull_and_take_out(a, &ref, po.platform, err);
		wp_reference_release(&ref);
		return finish(a, r, &platform, err);
	}
	if (r == 0 &&
	    (r = wp_destination_parse(&dest, a->dest ? a->dest : PULL_DEFAULT_DEST, err)) < 0)
		(*err)->code = WP_EUSAGE;
	/* a docker-archive holds images, not indexes */
	if (r == 0 && whole && dest.kind == WP_DEST_DOCKER_ARCHIVE && a->platform)
		r = wp_error_set(err, WP_EUSAGE,
				 "--platform all: a docker-archive holds one image, not an index; "
				 "choose a platform or use an OCI layout or oci-archive:");
	po.whole_index = whole && dest.kind != WP_DEST_DOCKER_ARCHIVE;
	if (r == 0)
		r = remote_args_open(a->remote, ref.registry, &reg, err);
	if (r == 0)
		r = wp_output_open(&out, &dest, 0, err);
	if (r == 0)
		r = wp_pull_image(reg, ref.repository, remote_ref_target(&ref),
				  wp_output_layout(out), &po, &res, err);
	/* the module and files before the layout is committed: a failure
	 * leaves nothing */
	if (r == 0 && (a->wasm || a->extract))
		r = image_view_open_layout(&v, wp_output_layout(out), &res.image, NULL, err);
	if (r == 0 && (a->wasm || a->extract))
		r = take_out(a, &v, err);
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
	if (r == 0) {
		wp_log_debug("%d blobs fetched (%" PRId64 " bytes), %d present", res.blobs_fetched,
			     res.bytes_fetched, res.blobs_present);
		r = print_pulled(a, &ref, &res.image, res.index_digest,
				 a->dest ? a->dest : PULL_DEFAULT_DEST, err);
	}
	image_view_release(&v);
	wp_output_free(out);
	wp_pull_result_release(&res);
	wp_registry_free(reg);
	wp_destination_release(&dest);
	wp_reference_release(&ref);
	return finish(a, r, &platform, err);
}
