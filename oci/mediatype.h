/* Media types and annotation keys of the OCI image spec, Docker's schema2
 * and the Wasm conventions wasmpack writes or reads. */
#ifndef WP_MEDIATYPE_H
#define WP_MEDIATYPE_H

#include <stdbool.h>

#define WP_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WP_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WP_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define WP_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define WP_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define WP_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define WP_MT_OCI_EMPTY "application/vnd.oci.empty.v1+json"

#define WP_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define WP_MT_DOCKER_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define WP_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define WP_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define WP_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

#define WP_MT_WASM_LAYER "application/wasm"
#define WP_MT_WASM_CONFIG "application/vnd.wasm.config.v0+json"

#define WP_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define WP_ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"
#define WP_ANNOTATION_CREATED "org.opencontainers.image.created"

#define WP_OCI_LAYOUT_VERSION "1.0.0"

bool wp_media_type_is_manifest(const char *mt); /* OCI or Docker image manifest */
bool wp_media_type_is_index(const char *mt);	/* OCI index or Docker list */

#endif
