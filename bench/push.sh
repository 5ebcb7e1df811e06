#!/usr/bin/env bash
# make bench (second part): wasmpack push against skopeo copy and the raw
# floor, in one run, against one local distribution registry on loopback.
#
# For a 1 MB and a 30 MB image (built by wasmpack from genwasm modules):
#   cold: an empty registry (its storage is wiped before every run)
#     wasmpack push DIR REG/name:v1
#     skopeo copy oci:DIR:v1 docker://REG/name:v1
#     floor: curl POST + PUT of the layer blob (the bytes that must move)
#   warm: the same push again, every blob already there
#     floor: one curl HEAD of the manifest (the least a client can ask)
# Median of several runs (hyperfine). Targets (issue 3): small cold push at
# least 3x faster than skopeo, warm re-push at least 5x faster, 30 MB push
# within 1.2x of the floor.
set -euo pipefail

. "$(dirname "$0")/registry_lib.sh"

# no blob-descriptor cache: a wiped storage must really be empty
registry_start anonymous "$work/registry" --env REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR= >/dev/null
wipe="rm -rf $REG_STORAGE/docker"

table_head 'wasmpack push vs skopeo copy vs curl'

for size in 1000000 30000000; do
	bench_image "$size"
	blob="$work/img/blobs/sha256/${layer#sha256:}"

	wp="$wasmpack -q push $work/img $REG_HOST/app:v1"
	sk="skopeo copy -q --dest-tls-verify=false oci:$work/img:v1 docker://$REG_HOST/app:v1"
	floor="loc=\$(curl -sf -D - -o /dev/null -X POST $REG_URL/v2/app/blobs/uploads/ |
		tr -d '\r' | awk -F': ' 'tolower(\$1)==\"location\" {print \$2}') &&
		curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
		--data-binary @$blob \"\$loc&digest=$layer\""

	t_wp_cold=$(median "$runs" "$wipe" "$wp")
	t_sk_cold=$(median "$runs" "$wipe" "$sk")
	t_floor=$(median "$runs" "$wipe" "$floor")
	sh -c "$wipe" && $wp >/dev/null
	t_wp_warm=$(median "$runs" "true" "$wp")
	t_sk_warm=$(median "$runs" "true" "$sk")
	t_floor_warm=$(median "$runs" "true" "curl -sf -o /dev/null -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' $REG_URL/v2/app/manifests/v1")

	table_row "$label" "cold (empty registry)" "$t_wp_cold" "$t_sk_cold" "$t_floor"
	table_row "$label" "warm (all blobs there)" "$t_wp_warm" "$t_sk_warm" "$t_floor_warm"
done
printf '\nfloor: cold, curl POST + PUT of the layer blob alone (no config, no manifest, no checks);\n'
printf 'warm, one curl HEAD of the manifest. Both include starting curl, which loads libcurl as\n'
printf 'wasmpack push does.\n'
