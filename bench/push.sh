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

top=$(cd "$(dirname "$0")/.." && pwd)
wasmpack=${WASMPACK:-$top/build/wasmpack}
genwasm=${GENWASM:-$top/build/genwasm}
work=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench-push.XXXXXX")
. "$top/tests/tools/registry.sh"
registry_install_trap
trap 'rm -rf "$work"' EXIT

for tool in hyperfine skopeo curl jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run make deps" >&2; exit 1; }
done

# no blob-descriptor cache: a wiped storage must really be empty
registry_start anonymous "$work/registry" --env REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR= >/dev/null
wipe="rm -rf $REG_STORAGE/docker"

# median seconds over $1 runs of $3, with $2 run before each
median() {
	hyperfine --style none --runs "$1" --warmup 1 --prepare "$2" \
		--export-json "$work/h.json" "$3" >/dev/null 2>&1
	jq -r '.results[0].median' "$work/h.json"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

printf 'wasmpack push vs skopeo copy vs curl, distribution %s on loopback, %s CPUs, %s\n\n' \
	"$(docker-registry --version | awk '{print $3}')" "$(nproc)" "$(date -u +%F)"
printf '| image | case | wasmpack ms | skopeo ms | floor ms | skopeo / wasmpack | wasmpack / floor |\n'
printf '|---|---|---:|---:|---:|---:|---:|\n'

for size in 1000000 30000000; do
	label=$(awk -v s="$size" 'BEGIN { printf "%d MB", s / 1000000 }')
	runs=$([ "$size" -gt 5000000 ] && echo 7 || echo 20)
	"$genwasm" "$size" "$work/m.wasm"
	rm -rf "$work/img"
	"$wasmpack" -q build "$work/m.wasm" -t app:v1 -o "$work/img" >/dev/null
	layer=$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)
	layer=$(jq -r '.layers[0].digest' "$work/img/blobs/sha256/$layer")
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

	printf '| %s | cold (empty registry) | %s | %s | %s | %s | %s |\n' "$label" \
		"$(ms "$t_wp_cold")" "$(ms "$t_sk_cold")" "$(ms "$t_floor")" \
		"$(ratio "$t_sk_cold" "$t_wp_cold")" "$(ratio "$t_wp_cold" "$t_floor")"
	printf '| %s | warm (all blobs there) | %s | %s | %s | %s | %s |\n' "$label" \
		"$(ms "$t_wp_warm")" "$(ms "$t_sk_warm")" "$(ms "$t_floor_warm")" \
		"$(ratio "$t_sk_warm" "$t_wp_warm")" "$(ratio "$t_wp_warm" "$t_floor_warm")"
done
printf '\nfloor: cold, curl POST + PUT of the layer blob alone (no config, no manifest, no checks);\n'
printf 'warm, one curl HEAD of the manifest. Both include starting curl, which loads libcurl as\n'
printf 'wasmpack push does.\n'
