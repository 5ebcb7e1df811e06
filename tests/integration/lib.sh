# Shared helpers for the integration tests; sourced by every test_*.sh, which
# run.sh starts in a fresh temporary directory (the current directory).
#
# Environment (set by run.sh): WASMPACK, GENWASM (absolute paths), FIXTURES
# (a directory holding hello.wasm, built from examples/hello/hello.c),
# WP_RESULT (where the first failing assertion is written), ROOT (the
# repository).
#
# The first failing assertion or command ends the test: it is written to
# $WP_RESULT, which run.sh prints on the test's FAIL line.
# shellcheck disable=SC2034 # the variables set here are used by the tests

set -Eeuo pipefail
shopt -s inherit_errexit

: "${WASMPACK:?WASMPACK must name the wasmpack binary}"
: "${GENWASM:?GENWASM must name the genwasm binary}"
: "${FIXTURES:?FIXTURES must name the fixture directory}"
: "${WP_RESULT:=$PWD/.result}"
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TOOLS=$ROOT/tests/tools
HELLO=$FIXTURES/hello.wasm
T=$PWD
OUT=$T/.stdout
ERR=$T/.stderr
STATUS=0
LAST_CMD=
export LC_ALL=C
unset SOURCE_DATE_EPOCH

MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
MT_OCI_LAYER_GZIP=application/vnd.oci.image.layer.v1.tar+gzip
DIGEST_RE='^sha256:[0-9a-f]{64}$'

# "test_x.sh:LINE" of the innermost frame outside this file.
_where() {
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]} != *lib.sh ]]; then
			printf '%s:%s' "${BASH_SOURCE[i]##*/}" "${BASH_LINENO[i - 1]}"
			return
		fi
	done
	printf '?'
}

_record() {
	# the first failure is the one that counts
	[[ -s $WP_RESULT ]] || printf '%s\n' "$*" >"$WP_RESULT"
	printf 'FAILED: %s\n' "$*" >&2
}

_on_err() {
	local status=$1 cmd=$2
	_record "command failed (exit $status): $cmd ($(_where))"
}
trap '_on_err $? "$BASH_COMMAND"' ERR

fail() {
	trap - ERR
	_record "$* ($(_where))"
	exit 1
}

note() { printf '# %s\n' "$*" >&2; }

wp() { "$WASMPACK" "$@"; }

# run CMD...: runs CMD with stdout in $OUT and stderr in $ERR, status in
# $STATUS; never fails itself.
run() {
	LAST_CMD="$*"
	STATUS=0
	"$@" >"$OUT" 2>"$ERR" || STATUS=$?
	{
		printf '$ %s  -> %s\n' "$LAST_CMD" "$STATUS"
		# head first: a sed cut short by head would die of SIGPIPE
		# (pipefail) when stderr is long, as with --debug
		head -n 20 "$ERR" | sed 's/^/  stderr| /'
	} >&2
}

first_line() { head -n 1 "$1" | cut -c1-300; }

# what_failed FILE: its first line, and its last one when they differ (a
# peer tool's error is often last).
what_failed() {
	local first last
	first=$(grep -m 1 . "$1" | cut -c1-300 || true)
	last=$(grep . "$1" | tail -n 1 | cut -c1-300 || true)
	if [[ $first == "$last" ]]; then printf '%s' "$first"; else printf '%s ... %s' "$first" "$last"; fi
}

# expect_status N: the last run's exit status.
expect_status() {
	[[ $STATUS == "$1" ]] ||
		fail "expected exit status $1, got $STATUS from: $LAST_CMD; stderr: $(what_failed "$ERR")"
}

# expect_ok CMD...: runs CMD, which must exit 0.
expect_ok() {
	run "$@"
	expect_status 0
}

# expect_stderr_one_line SUBSTR...: stderr is exactly one line containing
# every SUBSTR.
expect_stderr_one_line() {
	local lines s
	lines=$(wc -l <"$ERR")
	[[ $lines == 1 && $(tail -c 1 "$ERR" | od -An -c | tr -d ' ') == '\n' ]] ||
		fail "expected one line on stderr from: $LAST_CMD; got $lines: $(head -n 3 "$ERR" | tr '\n' '|')"
	for s in "$@"; do
		grep -qF -- "$s" "$ERR" ||
			fail "stderr of: $LAST_CMD lacks \"$s\": $(first_line "$ERR")"
	done
}

expect_stdout_empty() {
	[[ ! -s $OUT ]] || fail "expected no stdout from: $LAST_CMD; got: $(first_line "$OUT")"
}

expect_stderr_empty() {
	[[ ! -s $ERR ]] || fail "expected no stderr from: $LAST_CMD; got: $(first_line "$ERR")"
}

# expect_fail STATUS SUBSTR... -- CMD...: CMD exits STATUS, prints nothing on
# stdout and exactly one line on stderr containing every SUBSTR.
expect_fail() {
	local status=$1 subs=()
	shift
	while [[ $# -gt 0 && $1 != -- ]]; do
		subs+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] || fail "expect_fail: missing -- before the command"
	shift
	run "$@"
	expect_status "$status"
	expect_stdout_empty
	expect_stderr_one_line "${subs[@]}"
}

# expect_eq EXPECTED ACTUAL WHAT
expect_eq() {
	[[ $1 == "$2" ]] || fail "$3: expected \"$1\", got \"$2\""
}

expect_ne() {
	[[ $1 != "$2" ]] || fail "$3: both are \"$1\""
}

# expect_match REGEX ACTUAL WHAT
expect_match() {
	[[ $2 =~ $1 ]] || fail "$3: \"$2\" does not match /$1/"
}

# expect_contains FILE SUBSTR [WHAT]
expect_contains() {
	grep -qF -- "$2" "$1" || fail "${3:-$1} lacks \"$2\""
}

expect_file() {
	local f
	for f in "$@"; do [[ -f $f ]] || fail "expected a file \"$f\""; done
}

expect_dir() {
	local d
	for d in "$@"; do [[ -d $d ]] || fail "expected a directory \"$d\""; done
}

expect_absent() {
	local p
	for p in "$@"; do [[ ! -e $p && ! -L $p ]] || fail "\"$p\" should not exist"; done
}

# expect_same_file A B: byte-identical.
expect_same_file() {
	cmp -s -- "$1" "$2" || fail "\"$1\" and \"$2\" differ ($(cmp -- "$1" "$2" 2>&1 | head -n 1))"
}

# expect_same_tree A B: the same names and contents (diff -r).
expect_same_tree() {
	diff -r -- "$1" "$2" >"$T/.diff" 2>&1 ||
		fail "\"$1\" and \"$2\" differ: $(head -n 2 "$T/.diff" | tr '\n' '|')"
}

# snapshot DIR [--no-times]: every entry under DIR with type, mode, size,
# mtime (unless --no-times) and content hash, sorted; compare two snapshots
# with expect_same_snapshot.
snapshot() {
	local fmt='%p %y %m %s %T@\n'
	[[ ${2:-} != --no-times ]] || fmt='%p %y %m %s\n'
	(
		cd "$1" && find . -printf "$fmt" | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
	)
}

expect_same_snapshot() {
	diff "$1" "$2" >"$T/.diff" 2>&1 ||
		fail "${3:-directory} changed: $(grep '^[<>]' "$T/.diff" | head -n 3 | tr '\n' '|')"
}

# jqr FILE FILTER: jq -r, failing the test on a jq error.
jqr() { jq -r "$2" "$1"; }

# expect_jq FILE FILTER EXPECTED: jq -c output equals EXPECTED.
expect_jq() {
	local got
	got=$(jq -c "$2" "$1") || fail "jq '$2' failed on \"$1\""
	[[ $got == "$3" ]] || fail "${1##*/} $2: expected $3, got $got"
}

# blob LAYOUT DIGEST: the path of a blob.
blob() { printf '%s/blobs/sha256/%s' "$1" "${2#sha256:}"; }

# manifest_of LAYOUT [REF]: the path of the manifest blob of REF (a ref
# name) or of the only image.
manifest_of() {
	local d
	if [[ -n ${2:-} ]]; then
		d=$(jq -r --arg r "$2" \
			'[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r)][0].digest' \
			"$1/index.json")
	else
		d=$(jq -r '.manifests[0].digest' "$1/index.json")
	fi
	[[ $d =~ $DIGEST_RE ]] || fail "no image \"${2:-}\" in $1/index.json"
	blob "$1" "$d"
}

config_of() { blob "$1" "$(jq -r .config.digest "$(manifest_of "$@")")"; }
layer_of() { blob "$1" "$(jq -r '.layers[0].digest' "$(manifest_of "$@")")"; }

# tar_mtimes TAR: the distinct mtimes of its entries (any compression
# Python's tarfile reads; zstd is decompressed first), one a line.
tar_mtimes() {
	/usr/bin/python3 - "$1" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    print("\n".join(sorted({str(int(m.mtime)) for m in tf.getmembers()})))
EOF
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1 | sed 's/^/sha256:/'; }

# skopeo_inspect_to FILE ARGS...: skopeo inspect ARGS > FILE, failing with
# skopeo's message.
skopeo_inspect_to() {
	local f=$1
	shift
	skopeo inspect "$@" >"$f" 2>"$T/.skopeo.err" ||
		fail "skopeo inspect $* failed: $(first_line "$T/.skopeo.err")"
}

# chmod_safe_cleanup: directories made immutable by a test are released
# here; tests register them with register_immutable.
IMMUTABLE=()
register_immutable() { IMMUTABLE+=("$1"); }
_release_immutable() {
	local d
	for d in "${IMMUTABLE[@]}"; do chattr -i "$d" 2>/dev/null || true; done
}
trap _release_immutable EXIT
