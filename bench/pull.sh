#!/usr/bin/env bash
# make bench (third part): wasmpack pull and copy against skopeo copy doing
# the same, and the raw floor, in one run, against local distribution
# registries on loopback.
#
# For a 1 MB and a 30 MB image (built by wasmpack from genwasm modules,
# pushed once to registry A):
#   pull: wasmpack pull A/app:v1 -o DIR       vs  skopeo copy docker://A/app:v1 oci:DIR:v1
#         floor: curl GET of the layer blob to a file (the bytes that must move)
#   copy: wasmpack copy A/app:v1 B/app:v1     vs  skopeo copy docker://A/... docker://B/...
#         (B's storage wiped before every run)
#         floor: curl GET of the layer blob piped into a curl POST + PUT to B
# Median of several runs (hyperfine). Targets (issue 5): at least as fast as
# skopeo on the large image, at least 3x faster on the small one; copy
# never writes a blob to disk (its pipe goes GET -> PUT).
set -euo pipefail

. "$(dirname "$0")/registry_lib.sh"

registry_start anonymous "$work/b" --env REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR= >/dev/null
B_HOST=$REG_HOST B_URL=$REG_URL B_STORAGE=$REG_STORAGE
registry_start anonymous "$work/a" >/dev/null
A_HOST=$REG_HOST A_URL=$REG_URL
wipe_b="rm -rf $B_STORAGE/docker"

table_head 'wasmpack pull/copy vs skopeo copy vs curl'

for size in 1000000 30000000; do
	bench_image "$size"
	"$wasmpack" -q push "$work/img" "$A_HOST/app$size:v1" >/dev/null

	out=$work/out
	wp="$wasmpack -q pull $A_HOST/app$size:v1 -o $out"
	sk="skopeo copy -q --src-tls-verify=false docker://$A_HOST/app$size:v1 oci:$out:v1"
	floor="curl -sf -o $work/blob $A_URL/v2/app$size/blobs/$layer"
	t_wp=$(median "$runs" "rm -rf $out" "$wp")
	t_sk=$(median "$runs" "rm -rf $out" "$sk")
	t_floor=$(median "$runs" "rm -f $work/blob" "$floor")
	table_row "$label" "pull to a layout" "$t_wp" "$t_sk" "$t_floor"

	wp="$wasmpack -q copy $A_HOST/app$size:v1 $B_HOST/app:v1"
	sk="skopeo copy -q --src-tls-verify=false --dest-tls-verify=false docker://$A_HOST/app$size:v1 docker://$B_HOST/app:v1"
	floor="loc=\$(curl -sf -D - -o /dev/null -X POST $B_URL/v2/app/blobs/uploads/ |
		tr -d '\r' | awk -F': ' 'tolower(\$1)==\"location\" {print \$2}') &&
		curl -sf $A_URL/v2/app$size/blobs/$layer |
		curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
		--data-binary @- \"\$loc&digest=$layer\""
	t_wp=$(median "$runs" "$wipe_b" "$wp")
	t_sk=$(median "$runs" "$wipe_b" "$sk")
	t_floor=$(median "$runs" "$wipe_b" "$floor")
	table_row "$label" "copy registry to registry" "$t_wp" "$t_sk" "$t_floor"
done
printf '\nfloor: pull, one curl GET of the layer blob to a file; copy, the layer blob piped from a\n'
printf 'curl GET into a curl POST + PUT (no config, no manifest, no checks). Both include\n'
printf 'starting curl, which loads libcurl as wasmpack does.\n'
