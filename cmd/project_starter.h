/* What `wasmpack init` writes: a commented wasmpack.yaml naming every key,
 * and the guesses it starts from. Apart from cmd_init.c so that the unit
 * tests can check that the text parses with project_file_load. */
#ifndef WP_PROJECT_STARTER_H
#define WP_PROJECT_STARTER_H

#include "../lib/buf.h"
#include "../lib/error.h"

/* Appends the starter file to out: source, name and a "latest" tag set,
 * every other key shown commented out with an example. source_note, when
 * not NULL, is a comment line put above source (why it is a placeholder).
 * All three must be UTF-8 (WP_EINVALID otherwise); name and source are
 * quoted as YAML strings, the note's control characters become spaces. */
int project_starter_text(wp_buf *out, const char *name, const char *source, const char *source_note,
			 wp_error **err);

/* The source to propose for dir: "." when it holds a Cargo.toml, else its
 * only .wasm file, else its only .wat, else its only .c (a kind with two or
 * more files ends the search). *out (owned) is NULL when nothing fits. */
int project_guess_source(const char *dir, char **out, wp_error **err);

/* An image name from dir's own name: lowercase letters and digits, runs of
 * anything else turned into one '-'; "app" when nothing is left. Owned;
 * NULL when out of memory. */
char *project_default_name(const char *dir);

#endif
