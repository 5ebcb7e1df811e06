/* The starter wasmpack.yaml and the guesses `wasmpack init` makes. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "project_starter.h"
#include "../lib/str.h"
#include "../lib/common.h"

/* Commented-out examples start with '#' and no space ("#cmd:", "#  KEY"),
 * prose with "# " then a word: the unit test uncomments the examples and
 * parses the result, so each example must stay a valid value. */
static const char head[] =
	"# wasmpack.yaml: how 'wasmpack build' packs this project into an OCI image.\n"
	"# Every key is optional and options on the command line override it.\n"
	"# Relative paths are relative to this file's directory. The keys are\n"
	"# described in docs/project-file.md; values are taken as written (no\n"
	"# YAML type guessing: 010 stays \"010\"), except strip's true or false.\n"
	"\n"
	"# What to build: a .wasm module, a .wat text module, a C file (.c, .cc,\n"
	"# .cpp) or a list of them, or a directory holding a Cargo.toml.\n";

static const char tail[] =
	"\n"
	"# The tags to give the image, each joined to name.\n"
	"tags:\n"
	"  - latest\n"
	"\n"
	"# The platform: wasi/wasm (the default, what Docker writes), wasip1/wasm\n"
	"# or wasip2/wasm (components).\n"
	"#platform: wasi/wasm\n"
	"\n"
	"# image (the default: a runnable wasi/wasm image), artifact (the CNCF Wasm\n"
	"# OCI artifact holding the module alone) or wasm-layer (runwasi's).\n"
	"#format: image\n"
	"\n"
	"# Where to write the image: DIR, oci:DIR, oci-archive:FILE or\n"
	"# docker-archive:FILE (default: the directory wasmpack-out).\n"
	"#output: oci-archive:app.tar\n"
	"\n"
	"# The module's absolute path in the image (default: /<module file name>).\n"
	"#entrypoint: /app.wasm\n"
	"\n"
	"# Arguments after the entrypoint.\n"
	"#cmd: [\"--port\", \"8080\"]\n"
	"\n"
	"# Environment variables, in this order.\n"
	"#env:\n"
	"#  RUST_LOG: info\n"
	"\n"
	"# Labels of the image config.\n"
	"#labels:\n"
	"#  org.opencontainers.image.source: https://github.com/acme/app\n"
	"\n"
	"# Annotations of the manifest.\n"
	"#annotations:\n"
	"#  org.opencontainers.image.description: \"An example\"\n"
	"\n"
	"# More files for the image, as SRC:DEST or {src: SRC, dest: DEST}, with\n"
	"# an absolute DEST.\n"
	"#files:\n"
	"#  - static:/static\n"
	"#  - {src: config.toml, dest: /etc/app/config.toml}\n"
	"\n"
	"# Optimize the module before packing it: 0 (the default: the bytes as\n"
	"# built), s or z (see 'wasmpack optimize').\n"
	"#optimize: s\n"
	"# Drop debug and tooling sections only.\n"
	"#strip: false\n"
	"# Custom sections to keep when optimizing.\n"
	"#keep_sections: [producers]\n"
	"\n"
	"# Ahead-of-time compilation: none (the default), native, wasmedge,\n"
	"# wasmtime or wamr.\n"
	"#aot: none\n"
	"\n"
	"# Layer compression: gzip (the default), zstd or none.\n"
	"#compression: gzip\n"
	"# Media types: oci (the default) or docker (for old registries).\n"
	"#media_types: oci\n"
	"\n"
	"# How a C or Rust source is compiled (not used for .wasm and .wat).\n"
	"#build:\n"
	"#  cflags: [-Wall]    # more C compiler flags\n"
	"#  features: []       # Cargo features\n"
	"#  bin: app           # the Cargo binary to build\n"
	"#  sysroot: /usr      # the WASI sysroot for C\n"
	"#  opt_level: \"2\"     # 0, 1, 2, 3, s or z\n";

/* A YAML double-quoted scalar: '"' and '\' escaped, control characters as
 * \xNN; everything else (UTF-8 included) as it is. */
static int append_quoted(wp_buf *out, const char *s, wp_error **err)
{
	int r = wp_buf_append_str(out, "\"", err);

	for (const unsigned char *c = (const unsigned char *)s; r == 0 && *c; c++) {
		if (*c == '"' || *c == '\\')
			r = wp_buf_appendf(out, err, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			r = wp_buf_appendf(out, err, "\\x%02x", *c);
		else
			r = wp_buf_append(out, c, 1, err);
	}
	return r ? r : wp_buf_append_str(out, "\"", err);
}

/* "# text\n", control characters (a newline would end the comment)
 * turned into spaces. */
static int append_comment(wp_buf *out, const char *text, wp_error **err)
{
	int r = wp_buf_append_str(out, "# ", err);

	for (const unsigned char *c = (const unsigned char *)text; r == 0 && *c; c++)
		r = wp_buf_append(out, *c < 0x20 || *c == 0x7f ? " " : (const char *)c, 1, err);
	return r ? r : wp_buf_append_str(out, "\n", err);
}

int project_starter_text(wp_buf *out, const char *name, const char *source, const char *source_note,
			 wp_error **err)
{
	int r;

	if (!wp_utf8_valid(name, strlen(name)) || !wp_utf8_valid(source, strlen(source)) ||
	    (source_note && !wp_utf8_valid(source_note, strlen(source_note))))
		return wp_error_set(err, WP_EINVALID, "the name, source and note must be UTF-8");
	r = wp_buf_append_str(out, head, err);
	if (r == 0 && source_note)
		r = append_comment(out, source_note, err);
	if (r == 0)
		r = wp_buf_append_str(out, "source: ", err);
	if (r == 0)
		r = append_quoted(out, source, err);
	if (r == 0)
		r = wp_buf_append_str(out,
				      "\n\n# The image name, without a tag: REGISTRY/REPOSITORY.\n"
				      "name: ",
				      err);
	if (r == 0)
		r = append_quoted(out, name, err);
	if (r == 0)
		r = wp_buf_append_str(out, "\n", err);
	return r ? r : wp_buf_append_str(out, tail, err);
}

static bool is_regular(int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

int project_guess_source(const char *dir, char **out, wp_error **err)
{
	static const char *const kinds[] = {".wasm", ".wat", ".c"};
	char *found[WP_ARRAY_SIZE(kinds)] = {NULL};
	size_t count[WP_ARRAY_SIZE(kinds)] = {0};
	struct dirent *e;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return wp_error_set_errno(err, errno, "cannot read directory \"%s\"", dir);
	if (is_regular(dirfd(d), "Cargo.toml")) {
		closedir(d);
		return wp_strdup(out, ".", err);
	}
	/* the names are copied out before closedir frees them */
	for (errno = 0; r == 0 && (e = readdir(d)); errno = 0) {
		for (size_t k = 0; r == 0 && k < WP_ARRAY_SIZE(kinds); k++) {
			if (!wp_str_has_suffix(e->d_name, kinds[k]) ||
			    strlen(e->d_name) == strlen(kinds[k]) ||
			    !is_regular(dirfd(d), e->d_name))
				continue;
			if (++count[k] == 1 && !(found[k] = strdup(e->d_name)))
				r = wp_error_oom(err);
		}
	}
	if (r == 0 && errno)
		r = wp_error_set_errno(err, errno, "cannot read directory \"%s\"", dir);
	closedir(d);
	*out = NULL;
	for (size_t k = 0; r == 0 && k < WP_ARRAY_SIZE(kinds) && !*out && count[k] < 2; k++)
		if (count[k] == 1)
			r = wp_strdup(out, found[k], err);
	for (size_t k = 0; k < WP_ARRAY_SIZE(kinds); k++)
		free(found[k]);
	return r;
}

char *project_default_name(const char *dir)
{
	_cleanup_free_ char *abs = realpath(dir, NULL);
	const char *base = abs ? wp_path_basename(abs) : wp_path_basename(dir);
	char *name = malloc(strlen(base) + 1), *o = name;

	if (!name)
		return NULL;
	for (const char *c = base; *c; c++) {
		if (isalnum((unsigned char)*c) && isascii((unsigned char)*c))
			*o++ = (char)tolower((unsigned char)*c);
		else if (o > name && o[-1] != '-')
			*o++ = '-';
	}
	while (o > name && o[-1] == '-')
		o--;
	*o = '\0';
	if (*name)
		return name;
	free(name);
	return strdup("app");
}
