#!/usr/bin/env bash
# make bench: wasmpack build against umoci doing the same job and against the
# raw floor (hash + compress the same bytes), side by side in one run.
#
# For a 1 MB and a 30 MB module (genwasm: a valid WASI module that is mostly
# one data segment and compresses about 2.3x, like real modules) it measures
# with hyperfine the median wall time of several runs (fresh output each run),
# the peak RSS (GNU time, max of 3 runs) and the size of the compressed layer:
#   floor: sha256sum + gzip -6 (one core) and sha256sum + pigz -6 (all cores)
#   wasmpack build (gzip, the default)      → a new OCI layout
#   umoci init + new + insert + config      → the same image (its own gzip)
#   floor: sha256sum + zstd -3; wasmpack build --compression zstd
# Targets (issue 2): wasmpack within 1.3x of the floor, at least 5x faster
# than umoci, under 32 MB RSS on the 30 MB module.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
wasmpack=${WASMPACK:-$top/build/wasmpack}
genwasm=${GENWASM:-$top/build/genwasm}
work=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cpus=$(nproc)

for tool in hyperfine umoci pigz zstd jq /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run make deps" >&2; exit 1; }
done

clean="rm -rf $work/o $work/u $work/f"

# median seconds over $1 runs of command $2 (run by sh)
median() {
	hyperfine --style none --runs "$1" --warmup 1 --prepare "$clean" \
		--export-json "$work/h.json" "$2" >/dev/null 2>&1
	jq -r '.results[0].median' "$work/h.json"
}

# peak RSS in MB over 3 runs of command $1
peak_rss() {
	local max=0 kb
	for _ in 1 2 3; do
		sh -c "$clean"
		/usr/bin/time -f '%M' -o "$work/rss" sh -c "$1" >/dev/null 2>&1
		kb=$(tail -n 1 "$work/rss")
		[ "$kb" -gt "$max" ] && max=$kb
	done
	awk -v k="$max" 'BEGIN { printf "%.1f", k / 1024 }'
}

# size in MB of the biggest file the last run left (the compressed layer)
out_size() {
	local bytes
	bytes=$(find "$work/o" "$work/u" "$work/f" -type f -printf '%s\n' 2>/dev/null | sort -n | tail -n 1)
	awk -v b="${bytes:-0}" 'BEGIN { printf "%.2f", b / 1000000 }'
}

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

declare -A T R S
# measure KEY RUNS COMMAND
measure() {
	T[$1]=$(median "$2" "$3")
	S[$1]=$(out_size)
	R[$1]=$(peak_rss "$3")
}

printf 'wasmpack build vs umoci vs the raw floor: %s CPUs, %s\n\n' "$cpus" "$(date -u +%F)"
printf '| module | command | median ms | peak RSS MB | layer MB | vs floor | umoci / this |\n'
printf '|---|---|---:|---:|---:|---:|---:|\n'

for size in 1000000 30000000; do
	m=$work/app-$size.wasm
	"$genwasm" "$size" "$m"
	label=$(awk -v s="$size" 'BEGIN { printf "%d MB", s / 1000000 }')
	runs=$([ "$size" -gt 5000000 ] && echo 5 || echo 15)
	mkdir -p "$work/f"

	measure gzip "$runs" "mkdir -p $work/f && sha256sum $m >/dev/null && gzip -6 -c $m > $work/f/l.gz"
	measure pigz "$runs" "mkdir -p $work/f && sha256sum $m >/dev/null && pigz -6 -p $cpus -c $m > $work/f/l.gz"
	measure zstd "$runs" "mkdir -p $work/f && sha256sum $m >/dev/null && zstd -q -3 -c $m > $work/f/l.zst"
	measure wp_gzip "$runs" "$wasmpack -q build $m -t app:v1 -o $work/o"
	measure wp_zstd "$runs" "$wasmpack -q build $m -t app:v1 -o $work/o --compression zstd"
	measure umoci "$runs" "umoci init --layout $work/u && umoci new --image $work/u:t &&
		umoci insert --image $work/u:t --no-history $m /app.wasm 2>/dev/null &&
		umoci config --image $work/u:t --os wasi --architecture wasm \
		--config.entrypoint /app.wasm --no-history --created 1970-01-01T00:00:00Z"

	row() { # KEY TITLE FLOOR_KEY
		local vs_umoci=""
		[ "$1" = umoci ] && vs_umoci=1.00x
		case $1 in wp_*) vs_umoci=$(ratio "${T[umoci]}" "${T[$1]}") ;; esac
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$2" "$(ms "${T[$1]}")" \
			"${R[$1]}" "${S[$1]}" "$(ratio "${T[$1]}" "${T[$3]}")" "$vs_umoci"
	}
	row gzip "floor: sha256sum + gzip -6" gzip
	row pigz "floor: sha256sum + pigz -6 -p $cpus" gzip
	row wp_gzip "**wasmpack build** (gzip -6)" gzip
	row umoci "umoci init/new/insert/config (Go pgzip)" gzip
	row zstd "floor: sha256sum + zstd -3" zstd
	row wp_zstd "**wasmpack build** (zstd -3)" zstd
done
printf '\n"vs floor": time / the one-core floor of the same compression. "umoci / this": how many\n'
printf 'times faster than umoci doing the same job. "layer MB": the compressed layer (or file).\n'
