#include "mediatype.h"
#include "../lib/common.h"

bool wp_media_type_is_manifest(const char *mt)
{
	return mt &&
	       (strcmp(mt, WP_MT_OCI_MANIFEST) == 0 || strcmp(mt, WP_MT_DOCKER_MANIFEST) == 0);
}

bool wp_media_type_is_index(const char *mt)
{
	return mt &&
	       (strcmp(mt, WP_MT_OCI_INDEX) == 0 || strcmp(mt, WP_MT_DOCKER_MANIFEST_LIST) == 0);
}
