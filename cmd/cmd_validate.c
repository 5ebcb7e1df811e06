/* wasmpack validate: full WebAssembly validation of one or more modules. */
#include <jansson.h>

#include "cmd.h"
#include "../wasmopt/validate.h"
#include "../lib/common.h"

static int run_validate(int argc, char **argv);

const wp_command cmd_validate = {
	"validate",
	"check that WebAssembly modules are valid",
	run_validate,
	"Usage: wasmpack validate [OPTIONS] MODULE.wasm...\n"
	"\n"
	"Check each module against the WebAssembly binary format and validation\n"
	"rules in one pass: Wasm 1.0 and 2.0 (multi-value, reference types, bulk\n"
	"memory, SIMD and relaxed SIMD, sign extension, saturating conversions,\n"
	"mutable globals), threads, tail calls, exception handling, memory64,\n"
	"multi-memory, extended constant expressions and typed function references.\n"
	"Components are recognised and reported as such (only core modules are\n"
	"validated). Failures name the function, the byte offset and the rule.\n"
	"\n"
	"Options:\n"
	"      --json                  one JSON object per module on stdout:\n"
	"                              {\"file\":...,\"valid\":true|false,\"error\":...}\n"
	"      --features all|default  accepted for compatibility; every feature above\n"
	"                              is always enabled\n"
	"  -q, --quiet                 print nothing, only set the exit status\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Exit status: 0 when every module is valid, 1 otherwise, 2 on usage errors.\n",
};

enum {
	OPT_JSON = 0x2000,
	OPT_FEATURES
};

static void print_json(const char *file, const wp_error *e)
{
	json_t *j = json_pack("{s:s,s:b}", "file", file, "valid", e == NULL);
	char *text;

	if (!j)
		return;
	if (e)
		json_object_set_new(j, "error", json_string(e->message));
	text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(j);
}

static int run_validate(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"features", required_argument, NULL, OPT_FEATURES},
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	bool json = false, quiet = false, all_valid = true;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_validate, c, &status))
			return status;
		if (c == OPT_JSON)
			json = true;
		else if (c == OPT_FEATURES) {
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "default") != 0)
				return cmd_usage_error(&cmd_validate,
						       "--features \"%s\": expected all or default",
						       optarg);
		} else if (c == 'q')
			quiet = true;
		else if (c != OPT_GLOBAL_DEBUG)
			return cmd_bad_option(&cmd_validate, argc, argv, c);
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_validate, "missing the module to validate");
	for (int i = optind; i < argc; i++) {
		wp_error *err = NULL;

		if (wp_validate_file(argv[i], &err) < 0)
			all_valid = false;
		if (json)
			print_json(argv[i], err);
		else if (err && !quiet)
			fprintf(stderr, "wasmpack: %s\n", err->message);
		wp_error_free(err);
	}
	fflush(stdout);
	return all_valid ? EXIT_OK : EXIT_FAIL;
}
