#!/usr/bin/env bash
# A push/pull round trip with every wasmpack command under valgrind memcheck
# (make check-valgrind): build, push, pull, pull --wasm, inspect and copy
# against a real distribution registry on loopback. Each must exit 0 with
# valgrind's "ERROR SUMMARY: 0 errors" in its log: no invalid access, no use
# of uninitialised memory, no definite or indirect leak. WASMPACK must be a
# build without ASan (valgrind and ASan exclude each other).
# tests/valgrind.supp holds the suppressions, for the one-time
# initialisation of the libraries wasmpack dlopens (libcurl, libcrypto,
# libarchive); never for a wasmpack frame.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

command -v valgrind >/dev/null || fail "valgrind is not installed (see 'make deps')"
if [[ $(ldd "$WASMPACK" 2>/dev/null) == *libasan* ]]; then
	note "skipped: $WASMPACK is an ASan build, and valgrind and ASan exclude each other (make check-valgrind runs this on the normal build)"
	exit 0
fi
VG_LOGS=$T/valgrind
mkdir -p "$VG_LOGS"
# a fork without exec would be followed and logged as NAME.<pid>.log too;
# the programs wasmpack runs are not traced (no --trace-children)
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--track-origins=no --num-callers=30 --suppressions="$ROOT/tests/valgrind.supp")

# vg NAME ARGS...: wasmpack ARGS under valgrind, logged to $VG_LOGS/NAME.*.log
vg() {
	local name=$1
	shift
	"${VG[@]}" --log-file="$VG_LOGS/$name.%p.log" "$WASMPACK" "$@"
}

# expect_vg_clean NAME: the last run exited 0 and every valgrind log of NAME
# reports no error.
expect_vg_clean() {
	local f n=0
	[[ $STATUS != 99 ]] || fail "valgrind found errors in: $LAST_CMD; see $(ls "$VG_LOGS/$1".*.log)"
	expect_status 0
	for f in "$VG_LOGS/$1".*.log; do
		[[ -f $f ]] || continue
		n=$((n + 1))
		grep -q 'ERROR SUMMARY: 0 errors' "$f" ||
			fail "valgrind found errors in: $LAST_CMD: $(grep -m 1 -A 3 -E '^==[0-9]+== [A-Z0-9]' "$f" |
				grep -v -E 'Memcheck|Copyright' | head -n 2 | tr '\n' '|')"
	done
	[[ $n -gt 0 ]] || fail "no valgrind log for: $LAST_CMD"
}

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST

expect_ok "$GENWASM" 50000 m.wasm
run vg build build m.wasm -t "$H/app:v1" -o built
expect_vg_clean build
D=$(cat "$OUT")
expect_match "$DIGEST_RE" "$D" "the digest build printed"

run vg push push built "$H/app:v1"
expect_vg_clean push
expect_registry_digest app v1 "$D"

run vg pull pull "$H/app:v1" -o pulled
expect_vg_clean pull
expect_refs_on_stdout "$D" "$H/app:v1"
expect_same_file "$(layer_of built)" "$(layer_of pulled)"

run vg pull-wasm pull -q "$H/app:v1" --wasm back.wasm
expect_vg_clean pull-wasm
expect_same_file m.wasm back.wasm

run vg inspect inspect "$H/app:v1"
expect_vg_clean inspect
expect_contains "$OUT" "$D" "inspect output"

run vg copy copy -q "$H/app:v1" "$H/copy:v1"
expect_vg_clean copy
expect_refs_on_stdout "$D" "$H/copy:v1"
expect_registry_digest copy v1 "$D"
