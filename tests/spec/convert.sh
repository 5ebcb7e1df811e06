#!/usr/bin/env bash
# convert.sh OUTDIR -- convert the WebAssembly spec tests (.wast) into wast2json scripts.
#
# Every SRC/*.wast becomes OUTDIR/<name>/<name>.json plus its .wasm/.wat modules, where <name>
# is the file name without .wast. Files of a subdirectory (SRC/threads/x.wast,
# SRC/proposals/threads/x.wast) become <proposal>-<name> (threads-x), as several of them share
# a name with a root file. Files wast2json cannot parse (newer proposals than this wabt) are
# listed in OUTDIR/unconverted.txt as "<name>: <first error line of wast2json>".
#
# Idempotent and incremental: a script is converted again only when its .wast is newer than
# its .json, or when the wast2json version changed (kept in OUTDIR/.wast2json-version). A
# failed conversion is remembered in OUTDIR/.failed/<name>.err and retried under the same rule.
# Each conversion writes into a temporary directory renamed into place, so an interrupted run
# never leaves a half-converted script behind.
#
# Environment: WASM_TESTSUITE (default /work/shared/wasm-testsuite), WAST2JSON (default
# wast2json), JOBS (default: number of CPUs).
set -euo pipefail

SRC=${WASM_TESTSUITE:-/work/shared/wasm-testsuite}
WAST2JSON=${WAST2JSON:-wast2json}

# Internal: convert one file (called in parallel through xargs).
if [ "${1:-}" = "--one" ]; then
	out=$2 name=$3 wast=$4
	tmp="$out/.tmp.$name.$$"
	rm -rf "$tmp"
	mkdir -p "$tmp" "$out/.failed"
	# (the outer 2>/dev/null swallows bash's "Aborted" notice: this wabt asserts on some inputs)
	if { "$WAST2JSON" --enable-all "$wast" -o "$tmp/$name.json" >"$tmp/.stderr" 2>&1; } \
		2>/dev/null; then
		rm -f "$tmp/.stderr" "$out/.failed/$name.err"
		rm -rf "${out:?}/${name:?}"
		mv "$tmp" "$out/$name"
		echo "converted $name"
	else
		# keep the error, drop any partial output (wast2json may abort after writing files)
		mv "$tmp/.stderr" "$out/.failed/$name.err"
		touch "$out/.failed/$name.err"
		rm -rf "$tmp" "${out:?}/${name:?}"
		echo "failed $name"
	fi
	exit 0
fi

if [ $# -ne 1 ] || [ "${1#-}" != "$1" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
OUT=$1
if [ ! -d "$SRC" ]; then
	echo "convert.sh: no spec test directory $SRC (set WASM_TESTSUITE)" >&2
	exit 2
fi
if ! command -v "$WAST2JSON" >/dev/null 2>&1; then
	echo "convert.sh: $WAST2JSON not found (Debian package wabt)" >&2
	exit 2
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT"/.tmp.*

# A different wast2json means different output: start over.
version=$("$WAST2JSON" --version 2>/dev/null || echo unknown)
if [ ! -f "$OUT/.wast2json-version" ] || [ "$(cat "$OUT/.wast2json-version")" != "$version" ]; then
	for d in "$OUT"/*/; do
		d=${d%/}
		[ -f "$d/$(basename "$d").json" ] && rm -rf "$d"
	done
	rm -rf "$OUT/.failed"
	printf '%s\n' "$version" >"$OUT/.wast2json-version"
fi

# name <TAB> path, for every .wast
list=$(mktemp)
todo=$(mktemp)
trap 'rm -f "$list" "$todo"' EXIT
shopt -s nullglob
for f in "$SRC"/*.wast; do
	n=$(basename "$f" .wast)
	printf '%s\t%s\n' "$n" "$f"
done >"$list"
for f in "$SRC"/*/*.wast "$SRC"/proposals/*/*.wast; do
	p=$(basename "$(dirname "$f")")
	[ "$p" = proposals ] && continue
	n="$p-$(basename "$f" .wast)"
	printf '%s\t%s\n' "$n" "$f"
done >>"$list"
dups=$(cut -f1 "$list" | sort | uniq -d)
if [ -n "$dups" ]; then
	echo "convert.sh: several .wast files map to the same name: $dups" >&2
	exit 2
fi

total=0
while IFS=$'\t' read -r n f; do
	total=$((total + 1))
	if [ -f "$OUT/$n/$n.json" ] && [ "$OUT/$n/$n.json" -nt "$f" ]; then
		continue
	fi
	if [ -f "$OUT/.failed/$n.err" ] && [ ! "$f" -nt "$OUT/.failed/$n.err" ] &&
		[ ! -d "$OUT/$n" ]; then
		continue
	fi
	printf '%s\0%s\0%s\0%s\0' --one "$OUT" "$n" "$f" >>"$todo"
done <"$list"

jobs=${JOBS:-$(nproc 2>/dev/null || echo 4)}
redone=0
if [ -s "$todo" ]; then
	redone=$(xargs -0 -n 4 -P "$jobs" "$0" <"$todo" | wc -l)
fi

# Drop the output of .wast files that disappeared.
declare -A known=()
while IFS=$'\t' read -r n f; do known[$n]=1; done <"$list"
for d in "$OUT"/*/; do
	d=$(basename "$d")
	[ -f "$OUT/$d/$d.json" ] || continue
	[ -n "${known[$d]:-}" ] || rm -rf "${OUT:?}/$d"
done
for e in "$OUT"/.failed/*.err; do
	n=$(basename "$e" .err)
	[ -n "${known[$n]:-}" ] || rm -f "$e"
done

# unconverted.txt: name: first error line
: >"$OUT/unconverted.txt.tmp"
converted=0
while IFS=$'\t' read -r n f; do
	if [ -f "$OUT/$n/$n.json" ]; then
		converted=$((converted + 1))
	elif [ -f "$OUT/.failed/$n.err" ]; then
		printf '%s: %s\n' "$n" "$(grep -m1 . "$OUT/.failed/$n.err" || echo 'wast2json failed')" \
			>>"$OUT/unconverted.txt.tmp"
	else
		printf '%s: not converted (unknown reason)\n' "$n" >>"$OUT/unconverted.txt.tmp"
	fi
done <"$list"
sort -o "$OUT/unconverted.txt" "$OUT/unconverted.txt.tmp"
rm -f "$OUT/unconverted.txt.tmp"
unconverted=$(wc -l <"$OUT/unconverted.txt")

echo "convert.sh: $total .wast files: $converted converted ($redone converted or retried by this run)," \
	"$unconverted unconverted (listed in $OUT/unconverted.txt)"
