/* wasmpack pull: an image from a registry → a layout or an archive, every
 * blob verified on the way. */
#include "cmd.h"
#include "remote_cmd.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/destination.h"
#include "../oci/output.h"
#include "../oci/pull.h"
#include "../lib/common.h"

#define DEFAULT_DEST "wasmpack-out"

static int run_pull(int argc, char **argv);

const wp_command cmd_pull = {
	"pull",
	"download an image from a registry, verifying every blob",
	run_pull,
	"Usage: wasmpack pull [OPTIONS] REF [-o DEST]\n"
	"\n"
	"Download an image. Every blob's digest and size is checked while it streams\n"
	"in; a blob that does not match is an error and is not kept, and a failed\n"
	"pull leaves DEST as it was. An index (a multi-platform image) is resolved to\n"
	"one image: wasi/wasm, then wasip1/wasm, then wasip2/wasm, or --platform;\n"
	"buildx attestation manifests are skipped. OCI and Docker schema2 manifests,\n"
	"gzip, zstd and uncompressed layers and CNCF Wasm artifacts are all kept as\n"
	"the registry has them (same digests). Prints REF@DIGEST on stdout.\n"
	"\n"
	"REF: [REGISTRY[:PORT]/]NAME[:TAG|@DIGEST] (the tag defaults to latest).\n"
	"\n"
	"DEST (default ./" DEFAULT_DEST "):\n"
	"  DIR, oci:DIR                 an OCI image layout (created if missing; other\n"
	"                               images in it stay)\n"
	"  oci-archive:FILE             a tar of an OCI image layout\n"
	"\n"
	"Options:\n"
	"  -o, --output DEST           where to write the image\n"
	"      --platform OS/ARCH[/VARIANT]\n"
	"                              the image to take from an index\n"
	"  -j, --jobs N                download N blobs at a time (default 4)\n" REMOTE_OPTIONS_HELP
	"  -q, --quiet                 print only the REF@DIGEST line\n"
	"      --debug                 log every request (credentials and tokens are\n"
	"                              never printed)\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Examples:\n"
	"  wasmpack pull ghcr.io/acme/app:1.0\n"
	"  wasmpack pull localhost:5000/hello@sha256:0123... -o oci-archive:hello.tar\n",
};

enum {
	OPT_PLATFORM = 0x2000,
};

struct pull_args {
	const char *ref;
	const char *dest;
	const char *platform;
	int jobs;
	bool quiet;
	struct remote_args remote;
};

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

static int pull(const struct pull_args *a, wp_error **err)
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
		r = wp_error_set(err, WP_EUSAGE,
				 "pull -o docker-archive: is not supported yet; use oci-archive: "
				 "or a layout directory");
	if (r == 0)
		r = remote_args_open(&a->remote, ref.registry, &reg, err);
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
		printf("%s@%s\n", name, res.image.digest);
		fflush(stdout);
	}
	if (r < 0 && ref.repository) {
		_cleanup_free_ char *shown = wp_reference_familiar(&ref);

		wp_error_prefix(err, "pull \"%s\"", shown ? shown : a->ref);
	}
	wp_output_free(out);
	wp_pull_result_release(&res);
	wp_registry_free(reg);
	wp_platform_release(&platform);
	wp_destination_release(&dest);
	wp_reference_release(&ref);
	return r;
}

static int run_pull(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"jobs", required_argument, NULL, 'j'},
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct pull_args a = {.dest = DEFAULT_DEST, .remote = REMOTE_ARGS_INIT};
	wp_error *err = NULL;
	int64_t v;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
		int handled;

		if (cmd_handle_global(&cmd_pull, c, &status))
			return status;
		if ((handled = remote_args_handle(&a.remote, c, optarg, &err)) < 0)
			return cmd_usage_from(&cmd_pull, err);
		if (handled)
			continue;
		switch (c) {
		case 'o':
			a.dest = optarg;
			break;
		case OPT_PLATFORM:
			a.platform = optarg;
			break;
		case 'j':
			if (wp_parse_int64(optarg, 1, 64, "--jobs", &v, &err) < 0)
				return cmd_usage_from(&cmd_pull, err);
			a.jobs = (int)v;
			break;
		case 'q':
			a.quiet = true;
			break;
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_pull, argc, argv, c);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_pull, "missing the image to pull (REF)");
	if (optind + 1 < argc)
		return cmd_usage_error(&cmd_pull, "one image at a time; unexpected \"%s\"",
				       argv[optind + 1]);
	a.ref = argv[optind];
	if (pull(&a, &err) < 0) {
		if (err && err->code == WP_EUSAGE)
			return cmd_usage_from(&cmd_pull, err);
		return cmd_fail(err);
	}
	return EXIT_OK;
}
