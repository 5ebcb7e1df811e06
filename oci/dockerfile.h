/* The final stage of a Dockerfile, read the way BuildKit's Dockerfile
 * frontend reads it (parser directives, escapes and line continuations,
 * comments and heredocs, exec and shell forms, $VAR substitution, global and
 * stage ARGs with --build-arg, multi-stage files) and mapped onto what a
 * Wasm image built without a container runtime can hold: files copied from
 * the context or from earlier stages' outputs, and the image configuration.
 *
 * Only the last stage is mapped, and it must be FROM scratch; earlier stages
 * are only lexed (their instructions are checked by name, their FROM lines
 * parsed) so that their names are known to COPY --from. Whatever the final
 * stage asks that cannot be honoured (RUN, SHELL, ONBUILD, VOLUME,
 * HEALTHCHECK, remote ADD, heredocs, COPY --from an image or a stage with no
 * output given) fails with WP_EUNSUPPORTED; malformed instructions with
 * WP_EINVALID. Messages start "FILENAME:LINE: ", the line being the first
 * line of the instruction.
 *
 * A pure parser: no file is read or written. The caller copies the files
 * and writes the image. */
#ifndef WP_DOCKERFILE_H
#define WP_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"
#include "../lib/str.h"

/* Larger Dockerfiles are refused with WP_ELIMIT. */
#define WP_DOCKERFILE_MAX (4u * 1024 * 1024)

/* What BuildKit gives a FROM scratch stage before its first instruction:
 * the first entry of env, and the working directory. */
#define WP_DOCKERFILE_DEFAULT_PATH \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The automatic platform ARGs (TARGETPLATFORM, TARGETOS, TARGETARCH, ...)
 * describe this target; BUILDPLATFORM and its parts the host. */
#define WP_DOCKERFILE_TARGET_OS "wasi"
#define WP_DOCKERFILE_TARGET_ARCH "wasm"

/* Each entry of wp_dockerfile.layers is one layer of BuildKit's image, in
 * order. A layer whose content turns out empty (a WORKDIR that already
 * exists) is left out of the image by BuildKit; the builder must do the
 * same. */
typedef enum wp_dockerfile_layer_kind {
	WP_DOCKERFILE_COPY,
	WP_DOCKERFILE_ADD,   /* like COPY, but local tar archives are unpacked (see unpack) */
	WP_DOCKERFILE_MKDIR, /* WORKDIR other than "/": the directory and its parents, 0755 */
} wp_dockerfile_layer_kind;

typedef struct wp_dockerfile_layer {
	wp_dockerfile_layer_kind kind;
	unsigned int line; /* first line of the instruction */
	/* COPY/ADD: the sources as written after substitution (wildcards
	 * unexpanded), relative to the context, or to the stage's output
	 * when from_stage is set */
	wp_strv sources;
	/* absolute and cleaned ("/app/x"), ending in '/' when written as a
	 * directory ("dir/", ".", "dir/."); MKDIR: the directory, no '/' */
	char *dest;
	bool has_chmod;
	unsigned int chmod; /* --chmod, 0 to 07777 */
	/* COPY/ADD: --chown as written after substitution ("1000:1000",
	 * "app"), or NULL (root); MKDIR: the USER then in force, or NULL */
	char *chown;
	bool link;	       /* --link: the same content, another cache behaviour */
	bool unpack;	       /* ADD: extract local tar archives (--unpack=false turns it off) */
	char *from_stage;      /* --from as written, or NULL: the sources come from the context */
	char *from_stage_path; /* the PATH from_stages gives for from_stage, verbatim */
} wp_dockerfile_layer;

/* ENTRYPOINT or CMD as the image config records it. */
typedef struct wp_dockerfile_argv {
	bool set;	 /* the config has it: Docker leaves out an empty list */
	bool shell_form; /* written as text, recorded as ["/bin/sh", "-c", text]: a Wasm
			    image has no shell, so this is almost always a mistake */
	unsigned int line;
	wp_strv argv;
} wp_dockerfile_argv;

typedef struct wp_dockerfile {
	unsigned int from_line; /* the final stage's FROM */
	char *stage_name;	/* its AS name (lowercased), or NULL */
	char *platform;		/* its FROM --platform after substitution, or NULL */
	wp_dockerfile_layer *layers;
	size_t n_layers;
	wp_dockerfile_argv entrypoint;
	wp_dockerfile_argv cmd;
	/* "KEY=VALUE" in Docker's order: WP_DOCKERFILE_DEFAULT_PATH first, an
	 * ENV of a key already there replaces it in place */
	wp_strv env;
	wp_kv labels;	       /* later LABELs of a key replace it in place */
	wp_strv exposed_ports; /* "8080/tcp", each once, in the order first exposed */
	char *workdir;	       /* "/" unless WORKDIR set it; absolute */
	char *user;	       /* NULL unless USER set it to something not empty */
	char *stop_signal;     /* STOPSIGNAL as written after substitution, or NULL */
	char *author;	       /* MAINTAINER, or NULL */
} wp_dockerfile;

/* Parses the len bytes of text (not NUL-terminated; filename names it in
 * messages, "Dockerfile" when NULL) into *out, which the caller releases
 * with wp_dockerfile_release. build_args (--build-arg KEY=VALUE) and
 * from_stages (--from-stage NAME=PATH: the output of a stage built by an
 * earlier step) may be NULL. *out is untouched on failure. */
int wp_dockerfile_parse(const char *text, size_t len, const char *filename, const wp_kv *build_args,
			const wp_kv *from_stages, wp_dockerfile *out, wp_error **err);

/* Frees what df holds and zeroes it; a zeroed df is fine. */
void wp_dockerfile_release(wp_dockerfile *df);

#endif
