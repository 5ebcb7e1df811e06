/* wasmpack.yaml, the project file (docs/project-file.md): read with libyaml
 * into a struct project_file in which every key the file does not set stays
 * absent (NULL, an empty list with its has_ flag false), so that a command
 * can take each value from its command line first and from the file second.
 *
 * Relative paths in the file (source, the SRC of files, the path in output,
 * build.sysroot) are relative to the file's directory; the loader resolves
 * them, so the struct holds paths usable from the current directory. */
#ifndef WP_PROJECT_FILE_H
#define WP_PROJECT_FILE_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../lib/str.h"
#include "../wasmopt/optimize.h"

#define PROJECT_FILE_NAME "wasmpack.yaml"
/* A bigger file is refused: a project file is a few dozen lines. */
#define PROJECT_FILE_MAX ((size_t)1 << 20)

/* What source names, from its form alone (the loader reads no other file). */
typedef enum project_source_kind {
	PROJECT_SOURCE_NONE,  /* no source key */
	PROJECT_SOURCE_WASM,  /* one .wasm module */
	PROJECT_SOURCE_WAT,   /* one .wat text module */
	PROJECT_SOURCE_C,     /* one or more .c, .cc or .cpp files */
	PROJECT_SOURCE_CARGO, /* anything else: a directory holding Cargo.toml */
} project_source_kind;

/* The build: mapping, for sources that are compiled (C, Cargo). */
struct project_build {
	wp_strv cflags; /* extra compiler flags */
	bool has_cflags;
	wp_strv features; /* Cargo features */
	bool has_features;
	char *bin;	 /* the Cargo binary target */
	char *sysroot;	 /* the WASI sysroot, resolved */
	char *opt_level; /* 0, 1, 2, 3, s or z */
};

/* Everything is owned by the struct and freed by project_file_release.
 * Strings are UTF-8; a NULL string means the key was absent. */
struct project_file {
	char *path; /* the file, as given to project_file_load */
	char *dir;  /* its directory, against which relative paths were resolved */

	wp_strv source; /* resolved paths: one file or directory, or C files */
	project_source_kind source_kind;
	char *name;   /* an image name without tag or digest: ghcr.io/acme/app */
	wp_strv tags; /* tags alone ("v1"), each valid */
	bool has_tags;
	char *platform;	  /* wasi/wasm, wasip1/wasm or wasip2/wasm */
	char *format;	  /* image or artifact */
	char *output;	  /* a destination spec (oci/destination.h), path resolved */
	char *entrypoint; /* as written; the build checks it like --entrypoint */
	wp_strv cmd;
	bool has_cmd;
	wp_strv env; /* "KEY=VALUE" in file order, as --env takes them */
	bool has_env;
	wp_kv labels; /* in file order */
	bool has_labels;
	wp_kv annotations; /* in file order */
	bool has_annotations;
	wp_strv files; /* "SRC:DEST" with SRC resolved, as --add takes them */
	bool has_files;
	wp_opt_level optimize;
	bool has_optimize;
	bool strip;
	bool has_strip;
	wp_strv keep_sections;
	bool has_keep_sections;
	char *aot;	   /* stored as written: none, native, wasmedge, ... */
	char *compression; /* gzip, zstd or none */
	char *media_types; /* oci or docker */
	struct project_build build;
};

/* Reads and checks the project file at path into *out (which needs no
 * initialisation). An empty file is an empty project. Errors name the file
 * and the 1-based line:column of the offending node: WP_EINVALID for
 * anything the file says wrongly (syntax, unknown or duplicate key, wrong
 * type, value out of its enumeration, anchors and aliases, more than one
 * document), the codes of wp_read_file when it cannot be read (WP_ENOTFOUND
 * when it does not exist). *out is untouched on failure. */
int project_file_load(const char *path, struct project_file *out, wp_error **err);

void project_file_release(struct project_file *pf);

/* The image references the file names, appended to out: "name:tag" for
 * every tag, or name alone when there are no tags. A file with tags but no
 * name uses default_name (the build's default, from the module's name);
 * nothing is appended when there is neither a name nor a tag. */
int project_file_refs(const struct project_file *pf, const char *default_name, wp_strv *out,
		      wp_error **err);

/* Checks an image name the way the loader checks the name key: a valid
 * reference without tag or digest (WP_EINVALID otherwise). */
int project_file_check_name(const char *name, wp_error **err);

#endif
