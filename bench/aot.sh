#!/usr/bin/env bash
# make bench (fourth part): --aot native against the same C compiled for the
# host and against Node's WebAssembly engine, in one run.
#
# bench/data/hashbench.c (an FNV-1a and xorshift loop over 1 MB, ROUNDS
# times; prints a checksum every build must agree on) is compiled
#   host:   cc -O2 (the floor: the same C, no sandbox)
#   native: clang --target=wasm32-wasi -O2, then wasmpack build --aot native
#           (wasm2c + wasmpack's WASI host), the executable from the image
#   node:   the same .wasm under node:wasi
# Median of several runs (hyperfine), and the size of each image's layer.
# Target (issue 7): native within 1.5x of host.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
wasmpack=${WASMPACK:-$top/build/wasmpack}
work=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench-aot.XXXXXX")
trap 'rm -rf "$work"' EXIT
rounds=${ROUNDS:-400}
for tool in hyperfine clang cc node jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run make deps" >&2; exit 1; }
done

cc -O2 -o "$work/host" "$top/bench/data/hashbench.c"
clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$work/hb.wasm" "$top/bench/data/hashbench.c"
"$wasmpack" -q build "$work/hb.wasm" --aot native -o "$work/img" >/dev/null
"$wasmpack" -q pull "oci:$work/img" --platform linux/amd64 --extract "$work/root" >/dev/null
cat >"$work/run.mjs" <<'JS'
import { WASI } from 'node:wasi';
import fs from 'node:fs';
const wasi = new WASI({ version: 'preview1', args: ['hb', ...process.argv.slice(3)], returnOnExit: true });
const m = await WebAssembly.compile(fs.readFileSync(process.argv[2]));
process.exitCode = wasi.start(await WebAssembly.instantiate(m, wasi.getImportObject()));
JS
want=$("$work/host" "$rounds")
for cmd in "$work/root/hb -- $rounds" "node --no-warnings $work/run.mjs $work/hb.wasm $rounds"; do
	got=$(sh -c "$cmd")
	[[ $got == "$want" ]] || { echo "bench: $cmd printed $got, host $want" >&2; exit 1; }
done

median() {
	hyperfine --style none --runs 10 --warmup 1 --export-json "$work/h.json" "$1" >/dev/null 2>&1
	jq -r '.results[0].median' "$work/h.json"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
t_host=$(median "$work/host $rounds")
t_native=$(median "$work/root/hb -- $rounds")
t_node=$(median "node --no-warnings $work/run.mjs $work/hb.wasm $rounds")
index=$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)
layer_size() {
	local m
	m=$(jq -r --argjson i "$1" '.manifests[$i].digest' "$work/img/blobs/sha256/$index" | cut -d: -f2)
	jq -r '.layers[0].size' "$work/img/blobs/sha256/$m"
}

printf 'wasmpack --aot native vs host C vs node:wasi, %s rounds of a 1 MB hash loop, %s CPUs, %s\n\n' \
	"$rounds" "$(nproc)" "$(date -u +%F)"
printf '| build | median ms | vs host | image layer bytes |\n|---|---:|---:|---:|\n'
printf '| host C (cc -O2, the floor) | %s | 1.00x | – |\n' "$(ms "$t_host")"
printf '| --aot native (wasm2c + WASI host) | %s | %s | %s |\n' "$(ms "$t_native")" \
	"$(awk -v a="$t_native" -v b="$t_host" 'BEGIN { printf "%.2fx", a / b }')" "$(layer_size 1)"
printf '| node:wasi (V8) | %s | %s | %s |\n' "$(ms "$t_node")" \
	"$(awk -v a="$t_node" -v b="$t_host" 'BEGIN { printf "%.2fx", a / b }')" "$(layer_size 0)"
printf '\nTarget: native within 1.5x of host. node includes its own start-up (~40 ms).\n'
