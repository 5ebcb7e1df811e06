#!/usr/bin/env bash
# Runs the integration tests: every tests/integration/test_*.sh (or the ones
# named: run.sh cli repro ...), each in a fresh temporary directory, against
# the real peer tools (skopeo, umoci, node:wasi, the image-spec schemas).
#
#   WASMPACK=/abs/wasmpack GENWASM=/abs/genwasm tests/integration/run.sh [NAME...]
#
# Prints one line per test, PASS or FAIL with the failing assertion (then the
# end of the test's log, indented), and a summary; exits 1 if any test failed.
# KEEP=1 keeps the temporary directories; TEST_TIMEOUT (seconds, default 300)
# bounds each test.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WASMPACK=${WASMPACK:-$ROOT/build/wasmpack}
GENWASM=${GENWASM:-$ROOT/build/genwasm}

die() {
	printf 'run.sh: %s\n' "$*" >&2
	exit 2
}

for v in WASMPACK GENWASM; do
	p=${!v}
	[[ $p == /* ]] || die "$v must be an absolute path (got \"$p\")"
	[[ -x $p ]] || die "$v: \"$p\" is not an executable; run 'make all build/genwasm'"
done
for tool in skopeo umoci node jq clang gzip zstd tar taskset cmp diff sha256sum timeout; do
	command -v "$tool" >/dev/null || die "\"$tool\" is not installed (see 'make deps')"
done
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
	die "/usr/bin/python3 has no jsonschema module (apt-get install python3-jsonschema)"

tests=()
if [[ $# -gt 0 ]]; then
	for name in "$@"; do
		name=${name%.sh}
		name=${name#test_}
		[[ -f $HERE/test_$name.sh ]] || die "no test \"$name\" in $HERE"
		tests+=("$HERE/test_$name.sh")
	done
else
	for f in "$HERE"/test_*.sh; do tests+=("$f"); done
fi
[[ ${#tests[@]} -gt 0 ]] || die "no test_*.sh in $HERE"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-integration.XXXXXX")
cleanup() {
	if [[ ${KEEP:-0} == 1 ]]; then
		printf 'kept %s\n' "$WORK"
	else
		chattr -R -i "$WORK" 2>/dev/null || true
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# The fixture every test shares: the hello example built for WASI.
FIXTURES=$WORK/fixtures
mkdir -p "$FIXTURES"
clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$FIXTURES/hello.wasm" \
	"$ROOT/examples/hello/hello.c" 2>"$WORK/clang.log" ||
	die "cannot build examples/hello/hello.c for wasm32-wasi: $(head -n 3 "$WORK/clang.log")"

export WASMPACK GENWASM FIXTURES ROOT

now() { date +%s%3N; }
elapsed() {
	local ms=$(($2 - $1))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

passed=0
failed=()
start_all=$(now)
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	name=${name#test_}
	dir=$WORK/$name
	log=$WORK/$name.log
	result=$WORK/$name.result
	mkdir -p "$dir/tmp"
	start=$(now)
	status=0
	(
		cd "$dir"
		# a private TMPDIR: nothing a test leaves behind escapes $WORK
		export TMPDIR=$dir/tmp WP_RESULT=$result
		exec timeout --kill-after=10 "${TEST_TIMEOUT:-300}" bash "$t"
	) </dev/null >"$log" 2>&1 || status=$?
	took=$(elapsed "$start" "$(now)")
	if [[ $status == 0 ]]; then
		printf 'PASS  %-16s (%ss)\n' "$name" "$took"
		passed=$((passed + 1))
		[[ ${KEEP:-0} == 1 ]] || { chattr -R -i "$dir" 2>/dev/null || true; rm -rf "$dir"; }
	else
		if [[ -s $result ]]; then
			why=$(head -n 1 "$result")
		elif [[ $status == 124 || $status == 137 ]]; then
			why="timed out after ${TEST_TIMEOUT:-300}s"
		else
			why="exited with status $status"
		fi
		printf 'FAIL  %-16s %s (%ss)\n' "$name" "$why" "$took"
		tail -n 15 "$log" | sed 's/^/      | /'
		failed+=("$name")
	fi
done

total=$((passed + ${#failed[@]}))
printf '%d/%d passed in %ss' "$passed" "$total" "$(elapsed "$start_all" "$(now)")"
if [[ ${#failed[@]} -gt 0 ]]; then
	printf '; FAILED: %s\n' "${failed[*]}"
	exit 1
fi
printf '\n'
