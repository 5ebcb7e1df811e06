# shellcheck shell=bash
# Shared by the registry benchmarks (push.sh, pull.sh): the tools they need,
# a work directory and the registry library, and the table helpers.
# Sets: top, wasmpack, genwasm, work.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wasmpack=${WASMPACK:-$top/build/wasmpack}
genwasm=${GENWASM:-$top/build/genwasm}
work=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench.XXXXXX")
# shellcheck source=../tests/tools/registry.sh
. "$top/tests/tools/registry.sh"
registry_install_trap
trap 'rm -rf "$work"' EXIT

for tool in hyperfine skopeo curl jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run make deps" >&2; exit 1; }
done

# median seconds over $1 runs of $3, with $2 run before each
median() {
	hyperfine --style none --runs "$1" --warmup 1 --prepare "$2" \
		--export-json "$work/h.json" "$3" >/dev/null 2>&1
	jq -r '.results[0].median' "$work/h.json"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# the table's title and head; $1: what is compared
table_head() {
	printf '%s, distribution %s on loopback, %s CPUs, %s\n\n' "$1" \
		"$(docker-registry --version | awk '{print $3}')" "$(nproc)" "$(date -u +%F)"
	printf '| image | case | wasmpack ms | skopeo ms | floor ms | skopeo / wasmpack | wasmpack / floor |\n'
	printf '|---|---|---:|---:|---:|---:|---:|\n'
}

# a row: image, case, then the wasmpack, skopeo and floor medians
table_row() {
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(ms "$3")" "$(ms "$4")" \
		"$(ms "$5")" "$(ratio "$4" "$3")" "$(ratio "$3" "$5")"
}

# bench_image SIZE: a SIZE-byte module in an image in $work/img (tag app:v1);
# sets label ("1 MB"), runs (fewer for big images) and layer (its digest).
bench_image() {
	local m
	label=$(awk -v s="$1" 'BEGIN { printf "%d MB", s / 1000000 }')
	runs=$([ "$1" -gt 5000000 ] && echo 7 || echo 20)
	"$genwasm" "$1" "$work/m.wasm"
	rm -rf "$work/img"
	"$wasmpack" -q build "$work/m.wasm" -t app:v1 -o "$work/img" >/dev/null
	m=$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)
	layer=$(jq -r '.layers[0].digest' "$work/img/blobs/sha256/$m")
}
