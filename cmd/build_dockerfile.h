/* wasmpack build -f Dockerfile [CONTEXT]: the final stage (oci/dockerfile.h)
 * turned into layers of files, one per COPY, ADD or new WORKDIR, as
 * BuildKit makes them. Sources come from CONTEXT (never from outside it)
 * or, for COPY --from=STAGE, from the PATH --from-stage STAGE=PATH gives: a
 * file (the stage's one artifact: it is what every source names) or a
 * directory standing for the stage's filesystem. */
#ifndef WP_BUILD_DOCKERFILE_H
#define WP_BUILD_DOCKERFILE_H

#include "../lib/error.h"
#include "../lib/str.h"
#include "../oci/dockerfile.h"
#include "../oci/image_build.h"
#include "../oci/layer.h"

struct dockerfile_plan {
	wp_dockerfile df;
	wp_layer_plan *plans;	/* one per layer; owned */
	char **histories;	/* their history lines; owned */
	wp_image_layer *layers; /* plans and histories, for wp_image_spec */
	size_t n_layers;
	/* the file the ENTRYPOINT names (its host path; borrowed from the
	 * plans), and where it is, so an optimized copy can take its place */
	wp_layer_item *module;
};

/* build_args: "KEY=VALUE" (--build-arg); from_stages: "NAME=PATH"
 * (--from-stage). */
int dockerfile_plan_load(const char *dockerfile, const char *context, const wp_strv *build_args,
			 const wp_strv *from_stages, struct dockerfile_plan *out, wp_error **err);
void dockerfile_plan_release(struct dockerfile_plan *p);

#endif
