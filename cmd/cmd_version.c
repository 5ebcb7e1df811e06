#include "cmd.h"
#include "../lib/version.h"
#include "../lib/common.h"

static int run_version(int argc, char **argv);

const wp_command cmd_version = {
	"version",
	"print the version of wasmpack and its libraries",
	run_version,
	"Usage: wasmpack version\n"
	"\n"
	"Print the version of wasmpack and of the libraries it was built with.\n",
};

static int run_version(int argc, char **argv)
{
	static const struct option options[] = {CMD_GLOBAL_OPTIONS, {NULL, 0, NULL, 0}};
	_cleanup_free_ char *deps = NULL;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_version, c, &status))
			return status;
		if (c == '?' || c == ':')
			return cmd_bad_option(&cmd_version, argc, argv, c);
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_version, "unexpected argument \"%s\"", argv[optind]);
	printf("wasmpack %s\n", WASMPACK_VERSION);
	deps = wp_dependency_versions();
	if (deps)
		printf("built with %s\n", deps);
	return EXIT_OK;
}
