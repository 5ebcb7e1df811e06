/* wasmpack copy: an image from a registry or a local source to a registry
 * or a local destination. */
#include "cmd.h"
#include "output_format.h"
#include "progress.h"
#include "pull_run.h"
#include "remote_cmd.h"
#include "../lib/str.h"
#include "../oci/copy.h"
#include "../oci/destination.h"
#include "../oci/output.h"
#include "../oci/pull.h"
#include "../oci/source.h"
#include "../lib/common.h"

static int run_copy(int argc, char **argv);

const wp_command cmd_copy = {
	"copy",
	"copy an image between registries, layouts and archives",
	run_copy,
	"Usage: wasmpack copy [OPTIONS] SRC DST\n"
	"\n"
	"Copy an image, keeping its digest: registry to registry (blobs streamed from\n"
	"one to the other, never written to disk; mounted instead when both are on\n"
	"one registry; blobs the destination has are skipped), a layout or archive to\n"
	"a registry, or a registry to a layout or archive. An index is copied with all\n"
	"its images unless --platform picks one. Prints DST@DIGEST on stdout.\n"
	"\n"
	"SRC: REF ([REGISTRY[:PORT]/]NAME[:TAG|@DIGEST]), or DIR, oci:DIR[:NAME],\n"
	"     oci-archive:FILE[:NAME], docker-archive:FILE[:NAME]\n"
	"DST: REF, or DIR, oci:DIR, oci-archive:FILE, docker-archive:FILE\n"
	"\n"
	"Options:\n"
	"      --platform OS/ARCH[/VARIANT]\n"
	"                              copy only this image of an index (registry\n"
	"                              sources; a docker-archive always takes one)\n"
	"      --referrers             also copy the manifests that refer to the image\n"
	"                              (signatures, SBOMs: the OCI referrers API, else\n"
	"                              the sha256-<hex> tag)\n"
	"  -j, --jobs N                move N blobs at a time (default 4)\n" OUTPUT_FORMAT_HELP
	"  -q, --quiet                 no progress: only the DST@DIGEST line (or the\n"
	"                              JSON)\n"
	"\n"
	"Credentials: --username/--password-stdin (or WASMPACK_USERNAME/PASSWORD) are\n"
	"for DST's registry only; SRC's registry uses what 'wasmpack login' or\n"
	"'docker login' stored for it, so a password is never sent to the wrong host.\n"
	"\n" REMOTE_CMD_OPTIONS_HELP "\n"
	"Examples:\n"
	"  wasmpack copy ghcr.io/acme/app:1.0 registry.example.com/acme/app:1.0\n"
	"  wasmpack copy oci-archive:app.tar ghcr.io/acme/app:1.0\n"
	"  wasmpack copy docker.io/acme/app:1.0 oci-archive:app.tar\n",
};

enum {
	OPT_PLATFORM = 0x2000,
	OPT_REFERRERS,
};

struct copy_args {
	const char *src, *dst, *platform;
	int jobs;
	bool referrers, quiet, json;
	struct remote_args remote;
};

/* A registry REF unless it names a local image explicitly or is a
 * directory. */
static bool is_local(const char *arg)
{
	return wp_source_is_spec(arg);
}

static int print_result(const struct copy_args *a, const wp_reference *dst, const char *digest,
			wp_error **err)
{
	_cleanup_free_ char *name = output_ref_name(dst);

	return name ? output_copied(a->json, a->src, name, digest, err) : wp_error_oom(err);
}

/* Registry → registry. */
static int copy_remote(const struct copy_args *a, const wp_platform *platform,
		       struct push_progress *progress, wp_error **err)
{
	wp_reference src = {0}, dst = {0};
	wp_registry *from = NULL, *to = NULL;
	struct remote_args anonymous_src = a->remote;
	wp_copy_options co = {.platform = platform,
			      .jobs = a->jobs,
			      .referrers = a->referrers,
			      .event = push_progress_event,
			      .event_ctx = progress};
	wp_copy_result res;
	int r = remote_parse_reference(a->src, &src, err);

	if (r == 0)
		r = remote_parse_reference(a->dst, &dst, err);
	if (r == 0 && dst.digest && !dst.tag)
		r = wp_error_set(err, WP_EUSAGE, "\"%s\": copy to a tag, not a digest", a->dst);
	if (r == 0 && !dst.tag && !(dst.tag = strdup(WP_DEFAULT_TAG)))
		r = wp_error_oom(err);
	/* credentials given here are DST's */
	anonymous_src.username = NULL;
	anonymous_src.password_stdin = false;
	co.same_registry = r == 0 && strcmp(src.registry, dst.registry) == 0;
	if (r == 0)
		r = remote_args_open(co.same_registry ? &a->remote : &anonymous_src, src.registry,
				     &from, err);
	if (r == 0 && !co.same_registry)
		r = remote_args_open(&a->remote, dst.registry, &to, err);
	if (r == 0)
		r = wp_copy_image(from, src.repository, remote_ref_target(&src), to ? to : from,
				  dst.repository, dst.tag, &co, &res, err);
	push_progress_finish(progress);
	if (r == 0)
		r = print_result(a, &dst, res.digest, err);
	if (r < 0 && err && *err && (*err)->code != WP_EUSAGE)
		wp_error_prefix(err, "copy \"%s\" to \"%s\"", a->src, a->dst);
	wp_registry_free(from);
	wp_registry_free(to);
	wp_reference_release(&src);
	wp_reference_release(&dst);
	return r;
}

/* A layout or archive → registry: a push. */
static int copy_local_to_remote(const struct copy_args *a, struct push_progress *progress,
				wp_error **err)
{
	wp_reference dst = {0};
	wp_source src = {0};
	wp_registry *to = NULL;
	wp_push_options po = {.jobs = a->jobs, .event = push_progress_event, .event_ctx = progress};
	wp_push_result res;
	int r = remote_parse_reference(a->dst, &dst, err);

	if (r == 0 && dst.digest)
		r = wp_error_set(err, WP_EUSAGE, "\"%s\": copy to a tag, not a digest", a->dst);
	if (r == 0 && !dst.tag && !(dst.tag = strdup(WP_DEFAULT_TAG)))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_source_open(&src, a->src, NULL, err);
	if (r == 0)
		r = remote_args_open(&a->remote, dst.registry, &to, err);
	if (r == 0)
		r = wp_push_image(to, dst.repository, src.layout, &src.manifest,
				  (const char *const *)&dst.tag, 1, &po, &res, err);
	push_progress_finish(progress);
	if (r == 0)
		r = print_result(a, &dst, src.manifest.digest, err);
	if (r < 0 && err && *err && (*err)->code != WP_EUSAGE)
		wp_error_prefix(err, "copy \"%s\" to \"%s\"", a->src, a->dst);
	wp_source_close(&src);
	wp_registry_free(to);
	wp_reference_release(&dst);
	return r;
}

/* Registry → a layout or archive: a pull, with SRC's stored credentials. */
static int copy_remote_to_local(const struct copy_args *a, wp_error **err)
{
	struct remote_args anonymous_src = a->remote;
	struct pull_args pa = {.ref = a->src,
			       .dest = a->dst,
			       .platform = a->platform,
			       .whole_index = true,
			       .jobs = a->jobs,
			       .quiet = a->quiet,
			       .remote = &anonymous_src,
			       .shown = a->dst,
			       .json = a->json};

	anonymous_src.username = NULL;
	anonymous_src.password_stdin = false;
	return pull_run(&pa, err);
}

static int copy(const struct copy_args *a, wp_error **err)
{
	wp_platform platform = {0};
	struct push_progress *progress = NULL;
	bool local_src = is_local(a->src), local_dst = is_local(a->dst);
	int r = 0;

	if (a->platform && (r = wp_platform_parse(&platform, a->platform, err)) < 0)
		(*err)->code = WP_EUSAGE;
	if (r == 0 && local_src && local_dst)
		r = wp_error_set(err, WP_EUSAGE,
				 "both \"%s\" and \"%s\" are local: copy to or from a registry",
				 a->src, a->dst);
	if (r == 0 && !local_dst && !(progress = push_progress_new(a->quiet)))
		r = wp_error_oom(err);
	if (r == 0 && local_src)
		r = copy_local_to_remote(a, progress, err);
	else if (r == 0 && local_dst)
		r = copy_remote_to_local(a, err);
	else if (r == 0)
		r = copy_remote(a, a->platform ? &platform : NULL, progress, err);
	push_progress_free(progress);
	wp_platform_release(&platform);
	return r;
}

static int run_copy(int argc, char **argv)
{
	static const struct option options[] = {
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"referrers", no_argument, NULL, OPT_REFERRERS},
		{"jobs", required_argument, NULL, 'j'},
		OUTPUT_FORMAT_OPTION,
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct copy_args a = {.remote = REMOTE_ARGS_INIT};
	wp_error *err = NULL;
	int64_t v;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:qh", options, NULL)) != -1) {
		int handled = remote_cmd_common_option(&cmd_copy, &a.remote, c, &status);

		if (handled < 0)
			return status;
		if (handled)
			continue;
		switch (c) {
		case OPT_PLATFORM:
			a.platform = optarg;
			break;
		case OPT_REFERRERS:
			a.referrers = true;
			break;
		case 'j':
			if (wp_parse_int64(optarg, 1, 64, "--jobs", &v, &err) < 0)
				return cmd_usage_from(&cmd_copy, err);
			a.jobs = (int)v;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(&cmd_copy, optarg, &a.json)))
				return status;
			break;
		case 'q':
			a.quiet = true;
			break;
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_copy, argc, argv, c);
		}
	}
	if (argc - optind < 2)
		return cmd_usage_error(&cmd_copy, "missing %s",
				       argc - optind ? "the destination (DST)" : "SRC and DST");
	if (argc - optind > 2)
		return cmd_usage_error(&cmd_copy, "unexpected \"%s\"", argv[optind + 2]);
	a.src = argv[optind];
	a.dst = argv[optind + 1];
	if (copy(&a, &err) < 0) {
		if (err && err->code == WP_EUSAGE)
			return cmd_usage_from(&cmd_copy, err);
		return cmd_fail(err);
	}
	return EXIT_OK;
}
