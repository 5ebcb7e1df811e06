/* wasmpack init: a commented wasmpack.yaml to start a project from. */
#include <sys/stat.h>

#include "cmd.h"
#include "output_format.h"
#include "project_file.h"
#include "project_starter.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/str.h"
#include "../lib/common.h"

static int run_init(int argc, char **argv);

const wp_command cmd_init = {
	"init",
	"write a commented wasmpack.yaml project file",
	run_init,
	"Usage: wasmpack init [OPTIONS] [DIR]\n"
	"\n"
	"Write DIR/" PROJECT_FILE_NAME " (DIR: the current directory by default), a\n"
	"project file naming every key with a short comment: source, name and tags\n"
	"are set, the other keys are shown commented out with an example. DIR must\n"
	"exist; an existing " PROJECT_FILE_NAME " is kept unless --force is given.\n"
	"\n"
	"Options:\n"
	"      --name NAME             the image name, without a tag (default: DIR's\n"
	"                              own name, lowercased)\n"
	"      --source PATH           what to build, relative to DIR (default: \".\"\n"
	"                              when DIR holds a Cargo.toml, else DIR's only\n"
	"                              .wasm, .wat or .c file, else app.wasm)\n"
	"  -f, --force                 replace an existing " PROJECT_FILE_NAME
	"\n" OUTPUT_FORMAT_HELP "  -q, --quiet                 print nothing (but the JSON)\n"
	"      --debug                 print every step\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Examples:\n"
	"  wasmpack init\n"
	"  wasmpack init services/api --name ghcr.io/acme/api\n"
	"  wasmpack init --source src/main.c --force\n",
};

enum {
	OPT_NAME = 0x2000,
	OPT_SOURCE,
};

struct init_args {
	const char *dir;
	const char *name;
	const char *source;
	bool force;
	bool quiet;
	bool json;
};

/* Returns 0, -1 after --help, or an exit status after a usage error. */
static int parse_args(int argc, char **argv, struct init_args *a)
{
	static const struct option options[] = {
		{"name", required_argument, NULL, OPT_NAME},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"force", no_argument, NULL, 'f'},
		OUTPUT_FORMAT_OPTION,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fqh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_init, c, &status))
			return status == EXIT_OK ? -1 : status;
		if (c == OPT_NAME)
			a->name = optarg;
		else if (c == OPT_SOURCE)
			a->source = optarg;
		else if (c == 'f')
			a->force = true;
		else if (c == OPT_OUTPUT_FORMAT) {
			if ((status = output_format_parse(&cmd_init, optarg, &a->json)))
				return status;
		} else if (c == 'q')
			a->quiet = true;
		else if (c != OPT_GLOBAL_DEBUG)
			return cmd_bad_option(&cmd_init, argc, argv, c);
	}
	if (optind + 1 < argc)
		return cmd_usage_error(&cmd_init, "one directory at a time; unexpected \"%s\"",
				       argv[optind + 1]);
	a->dir = optind < argc ? argv[optind] : ".";
	if (a->source && (!*a->source || !wp_utf8_valid(a->source, strlen(a->source))))
		return cmd_usage_error(&cmd_init, "--source: expected a UTF-8 path");
	return 0;
}

/* What the file will say: from the options, else guessed. All owned. */
struct init_choice {
	char *name;
	char *source;
	char *note; /* why source is a placeholder, or NULL */
};

static void init_choice_release(struct init_choice *c)
{
	free(c->name);
	free(c->source);
	free(c->note);
}

static int choose(const struct init_args *a, struct init_choice *c, wp_error **err)
{
	int r = 0;

	if (a->name) {
		if ((r = project_file_check_name(a->name, err)) == WP_EINVALID) {
			wp_error_prefix(err, "init --name");
			(*err)->code = WP_EUSAGE;
			return WP_EUSAGE;
		}
		r = wp_strdup(&c->name, a->name, err);
	} else if (!(c->name = project_default_name(a->dir)) ||
		   project_file_check_name(c->name, NULL) < 0) {
		free(c->name);
		if (!(c->name = strdup("app")))
			r = wp_error_oom(err);
	}
	if (r == 0 && a->source)
		return wp_strdup(&c->source, a->source, err);
	if (r == 0 && (r = project_guess_source(a->dir, &c->source, err)) == 0 && !c->source) {
		bool printable = wp_utf8_valid(a->dir, strlen(a->dir));

		c->note = wp_strdup_printf("a placeholder: \"%s\" has no Cargo.toml and no single "
					   ".wasm, .wat or .c file",
					   printable ? a->dir : "DIR");
		c->source = strdup("app.wasm");
		if (!c->note || !c->source)
			r = wp_error_oom(err);
	}
	return r;
}

static int run_init(int argc, char **argv)
{
	struct init_args a = {0};
	struct init_choice c = {0};
	_cleanup_free_ char *path = NULL;
	wp_buf text = WP_BUF_INIT(PROJECT_FILE_MAX);
	wp_error *err = NULL;
	struct stat st;
	int r;

	if ((r = parse_args(argc, argv, &a)) != 0)
		return r < 0 ? EXIT_OK : r;
	path = strcmp(a.dir, ".") == 0 ? strdup(PROJECT_FILE_NAME)
				       : wp_path_join(a.dir, PROJECT_FILE_NAME);
	if (!path)
		r = wp_error_oom(&err);
	else if (stat(a.dir, &st) < 0 || !S_ISDIR(st.st_mode))
		r = wp_error_set(&err, WP_ENOTFOUND, "init: \"%s\" is not a directory", a.dir);
	else if (!a.force && lstat(path, &st) == 0)
		r = wp_error_set(&err, WP_EEXISTS,
				 "init: \"%s\" already exists; use --force to replace it", path);
	if (r == 0)
		r = choose(&a, &c, &err);
	if (r == 0)
		r = project_starter_text(&text, c.name, c.source, c.note, &err);
	if (r == 0)
		r = wp_write_file_atomic(path, text.data, text.len, 0644, &err);
	if (r == 0 && a.json)
		r = output_json_pack_print(&err, "{s:s,s:s,s:s,s:b,s:[s]}", "path", path, "name",
					   c.name, "source", c.source, "sourcePlaceholder",
					   c.note != NULL, "tags", "latest");
	else if (r == 0 && !a.quiet)
		printf("wrote %s (source: %s%s, name: %s, tags: latest)\n", path, c.source,
		       c.note ? ", a placeholder" : "", c.name);
	init_choice_release(&c);
	wp_buf_release(&text);
	return r < 0 ? cmd_fail(err) : EXIT_OK;
}
