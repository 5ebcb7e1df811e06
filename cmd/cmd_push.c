/* wasmpack push: an image from a layout or archive → registry tags. */
#include "cmd.h"
#include "output_format.h"
#include "push_run.h"
#include "remote_args.h"
#include "../lib/str.h"
#include "../oci/source.h"
#include "../lib/common.h"

#define DEFAULT_SOURCE "wasmpack-out"

static int run_push(int argc, char **argv);

const wp_command cmd_push = {
	"push",
	"push an image to a registry",
	run_push,
	"Usage: wasmpack push [OPTIONS] [SOURCE] REF...\n"
	"\n"
	"Push an image to one or more registry references (several REFs push the same\n"
	"image under several tags or names). Blobs the registry has are skipped,\n"
	"blobs are uploaded several at a time, and tags are set last, so a failed\n"
	"push never leaves a tag pointing at an incomplete image. Prints\n"
	"REF@sha256:DIGEST per reference on stdout.\n"
	"\n"
	"SOURCE (default ./" DEFAULT_SOURCE "):\n"
	"  DIR, oci:DIR[:NAME]          an OCI image layout\n"
	"  oci-archive:FILE[:NAME]      a tar of an OCI image layout\n"
	"  docker-archive:FILE[:NAME]   a 'docker save' archive\n"
	"NAME picks the image (a tag, a name such as hello:v1, or a digest); without\n"
	"it the image named like the first REF is pushed, or the layout's only image.\n"
	"\n"
	"REF: [REGISTRY[:PORT]/]NAME[:TAG], as Docker reads it (hello:v1 is\n"
	"docker.io/library/hello:v1; the tag defaults to latest).\n"
	"\n"
	"Options:\n"
	"  -j, --jobs N                upload N blobs at a time (default 4)\n"
	"      --from-repo REPO        mount blobs from REPO on the same registry instead\n"
	"                              of uploading them when it has them\n"
	"      --chunk-size BYTES      upload blobs larger than this in chunks (PATCH);\n"
	"                              default: each blob in one request\n"
	"      --digest-file FILE      write the pushed digest to FILE\n" OUTPUT_FORMAT_HELP
		REMOTE_OPTIONS_HELP
	"  -q, --quiet                 print only the REF@DIGEST lines (or the JSON)\n"
	"      --debug                 log every request (credentials and tokens are\n"
	"                              never printed)\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Credentials come from --username/--password-stdin, WASMPACK_USERNAME and\n"
	"WASMPACK_PASSWORD, or what 'wasmpack login' and 'docker login' stored.\n"
	"When GITHUB_OUTPUT is set, digest= and imageid= are appended to it.\n"
	"\n"
	"Examples:\n"
	"  wasmpack build app.wasm -t ghcr.io/acme/app:1.0 &&\n"
	"      wasmpack push ghcr.io/acme/app:1.0\n"
	"  wasmpack push oci-archive:app.tar ghcr.io/acme/app:1.0 ghcr.io/acme/app:latest\n"
	"  echo \"$TOKEN\" | wasmpack push --username acme --password-stdin \\\n"
	"      registry.example.com/app:1\n",
};

enum {
	OPT_FROM_REPO = 0x2000,
	OPT_CHUNK_SIZE,
	OPT_DIGEST_FILE,
};

static int run_push(int argc, char **argv)
{
	static const struct option options[] = {
		{"jobs", required_argument, NULL, 'j'},
		{"from-repo", required_argument, NULL, OPT_FROM_REPO},
		{"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
		{"digest-file", required_argument, NULL, OPT_DIGEST_FILE},
		OUTPUT_FORMAT_OPTION,
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct remote_args remote = REMOTE_ARGS_INIT;
	struct push_request req = {.source = DEFAULT_SOURCE, .remote = &remote};
	wp_error *err = NULL;
	int64_t v;
	int c, status;
	bool quiet = false;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:qh", options, NULL)) != -1) {
		int handled;

		if (cmd_handle_global(&cmd_push, c, &status))
			return status;
		if ((handled = remote_args_handle(&remote, c, optarg, &err)) < 0)
			return cmd_usage_from(&cmd_push, err);
		if (handled)
			continue;
		switch (c) {
		case 'j':
			if (wp_parse_int64(optarg, 1, 64, "--jobs", &v, &err) < 0)
				return cmd_usage_from(&cmd_push, err);
			req.jobs = (int)v;
			break;
		case OPT_FROM_REPO:
			req.from_repo = optarg;
			break;
		case OPT_CHUNK_SIZE:
			if (wp_parse_int64(optarg, 1, INT64_MAX, "--chunk-size", &v, &err) < 0)
				return cmd_usage_from(&cmd_push, err);
			req.chunk_size = v;
			break;
		case OPT_DIGEST_FILE:
			req.digest_file = optarg;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(&cmd_push, optarg, &req.json)))
				return status;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_push, argc, argv, c);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_push, "missing the reference to push to (REF)");
	/* the first argument is a SOURCE when it says so or is a directory */
	if (argc - optind >= 2 && wp_source_is_spec(argv[optind]))
		req.source = argv[optind++];
	else if (argc - optind == 1 && wp_source_is_spec(argv[optind]) &&
		 !wp_str_has_prefix(argv[optind], "localhost"))
		return cmd_usage_error(&cmd_push, "missing the reference to push \"%s\" to",
				       argv[optind]);
	req.refs = (const char *const *)argv + optind;
	req.n_refs = (size_t)(argc - optind);
	req.quiet = quiet;
	if (push_run(&req, &err) < 0) {
		if (err && err->code == WP_EUSAGE)
			return cmd_usage_from(&cmd_push, err);
		return cmd_fail(err);
	}
	return EXIT_OK;
}
