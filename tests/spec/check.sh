#!/usr/bin/env bash
# check.sh [run.py options...] -- spec conformance of `wasmpack validate` (for `make check`).
#
# Converts the spec tests into $SPEC_OUT (default build/spec, incremental) with convert.sh, then
# runs run.py against "$WASMPACK validate --features $SPEC_FEATURES" with exceptions.txt. Extra
# arguments go to run.py (-v, --only NAME..., --jobs N). Exit status: run.py's (0 pass, 1
# unexpected results or crashes, 2 usage error). The last line is a one-line summary.
#
# Environment: WASMPACK (default <repo>/build/wasmpack; an ASan build works too, ASAN_OPTIONS
# and UBSAN_OPTIONS are passed through), SPEC_OUT, SPEC_FEATURES (default all),
# SPEC_EXCEPTIONS (default tests/spec/exceptions.txt), WASM_TESTSUITE (spec test directory).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
WASMPACK=${WASMPACK:-$root/build/wasmpack}
SPEC_OUT=${SPEC_OUT:-$root/build/spec}
SPEC_FEATURES=${SPEC_FEATURES:-all}
SPEC_EXCEPTIONS=${SPEC_EXCEPTIONS:-$here/exceptions.txt}
PYTHON=${PYTHON:-/usr/bin/python3}

if [ ! -x "$WASMPACK" ]; then
	echo "check.sh: $WASMPACK is not executable (build it, or set WASMPACK)" >&2
	echo "spec: FAIL: no wasmpack binary"
	exit 2
fi
"$here/convert.sh" "$SPEC_OUT" || {
	rc=$?
	echo "spec: FAIL: convert.sh failed (exit $rc)"
	exit "$rc"
}

validator="$(printf '%q' "$WASMPACK") validate"
[ -n "$SPEC_FEATURES" ] && validator="$validator --features $SPEC_FEATURES"
# the report is kept in report.txt; shown minus run.py's final summary line, replaced by ours
"$PYTHON" "$here/run.py" --spec "$SPEC_OUT" --validator "$validator" \
	--exceptions "$SPEC_EXCEPTIONS" -q "$@" 2>&1 | tee "$SPEC_OUT/report.txt" | sed '$d'
rc=${PIPESTATUS[0]}
summary=$(tail -n 1 "$SPEC_OUT/report.txt")
case $rc in
0) verdict=PASS ;;
1) verdict=FAIL ;;
*) verdict="ERROR (exit $rc)" ;;
esac
case $summary in
spec:*) echo "check.sh: spec tests $verdict (${summary#spec: *: }); report: $SPEC_OUT/report.txt" ;;
*) echo "check.sh: spec tests $verdict: $summary" ;;
esac
exit "$rc"
