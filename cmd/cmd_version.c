#include "cmd.h"
#include "output_format.h"
#include "../lib/version.h"
#include "../lib/common.h"

static int run_version(int argc, char **argv);

const wp_command cmd_version = {
	"version",
	"print the version of wasmpack and its libraries",
	run_version,
	"Usage: wasmpack version [OPTIONS]\n"
	"\n"
	"Print the version of wasmpack and of the libraries it was built with.\n"
	"\n"
	"Options:\n" OUTPUT_FORMAT_HELP "  -h, --help                  print this help\n",
};

/* {"version": "0.1.0", "dependencies": ["libarchive 3.6.2", ...]} */
static int print_json(wp_error **err)
{
	wp_strv deps = {0};
	json_t *list = NULL;
	int r = wp_dependency_version_list(&deps, err);

	if (r == 0)
		r = output_json_strings(&list, &deps, "a library version", err);
	if (r == 0)
		r = output_json_pack_print(err, "{s:s,s:o}", "version", WASMPACK_VERSION,
					   "dependencies", list);
	wp_strv_release(&deps);
	return r;
}

static int run_version(int argc, char **argv)
{
	static const struct option options[] = {
		OUTPUT_FORMAT_OPTION, CMD_GLOBAL_OPTIONS, {NULL, 0, NULL, 0}};
	_cleanup_free_ char *deps = NULL;
	wp_error *err = NULL;
	bool json = false;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_version, c, &status))
			return status;
		if (c == OPT_OUTPUT_FORMAT &&
		    (status = output_format_parse(&cmd_version, optarg, &json)))
			return status;
		if (c == '?' || c == ':')
			return cmd_bad_option(&cmd_version, argc, argv, c);
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_version, "unexpected argument \"%s\"", argv[optind]);
	if (json)
		return print_json(&err) < 0 ? cmd_fail(err) : EXIT_OK;
	printf("wasmpack %s\n", WASMPACK_VERSION);
	deps = wp_dependency_versions();
	if (deps)
		printf("built with %s\n", deps);
	return EXIT_OK;
}
