#!/usr/bin/env bash
# The command line around the commands: help, version, unknown commands.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- wasmpack --help / -h / help: the command list on stdout, exit 0
for args in "--help" "-h" "help"; do
	# shellcheck disable=SC2086
	expect_ok wp $args
	expect_stderr_empty
	expect_contains "$OUT" "Usage: wasmpack" "wasmpack $args"
	expect_contains "$OUT" "  build " "wasmpack $args"
	expect_contains "$OUT" "  version " "wasmpack $args"
	expect_contains "$OUT" "  help " "wasmpack $args"
	expect_contains "$OUT" "Exit status: 0 success, 1 failure, 2 usage error" "wasmpack $args"
done

# --- build's help, three ways, identical, with every option
expect_ok wp build --help
expect_stderr_empty
cp "$OUT" build-help.txt
expect_ok wp help build
expect_same_file build-help.txt "$OUT"
expect_ok wp build -h
expect_same_file build-help.txt "$OUT"
expect_contains build-help.txt "Usage: wasmpack build [OPTIONS] INPUT..."
for opt in -t --tag -o --output --platform --entrypoint --cmd -e --env -l --label \
	--annotation --workdir --user --expose --add --media-types --compression \
	--compression-level --metadata-file -q --quiet --debug -h --help SOURCE_DATE_EPOCH; do
	grep -qE -- "(^|[ ,])$opt([ ,=]|$)" build-help.txt || fail "build --help does not mention $opt"
done
# every long option in the option table (cmd/cmd_build.c, cmd/cmd.h) is documented
table=$(sed -n '/static const struct option options\[\]/,/{NULL, 0, NULL, 0}/p' \
	"$ROOT/cmd/cmd_build.c" | grep -oE '\{"[a-z-]+"' | tr -d '{"')
table="$table $(grep -oE '"[a-z-]+", no_argument' "$ROOT/cmd/cmd.h" | cut -d'"' -f2)"
[[ $(wc -w <<<"$table") -ge 18 ]] || fail "could not read build's option table ($table)"
for long in $table; do
	grep -qE -- "--$long([ ,=]|$)" build-help.txt || fail "option --$long is missing from build --help"
done
# help lines fit 80 columns
awk 'length > 80 { exit 1 }' build-help.txt || fail "build --help has lines over 80 columns"
for c in push pull copy inspect tag ls digest delete login logout validate optimize run init \
	attach discover version; do
	expect_ok wp "$c" --help
	awk 'length > 80 { exit 1 }' "$OUT" || fail "$c --help has lines over 80 columns"
done

# --- version: three spellings, same output
expect_ok wp version
expect_stderr_empty
cp "$OUT" version.txt
expect_match '^wasmpack [0-9]+\.[0-9]+\.[0-9]+' "$(head -n 1 version.txt)" "wasmpack version"
for args in --version -v; do
	expect_ok wp $args
	expect_same_file version.txt "$OUT"
done
expect_ok wp version --help
expect_contains "$OUT" "Usage: wasmpack version"

# --- usage errors: exit 2, one line naming the problem, nothing on stdout
expect_fail 2 'unknown command "frobnicate"' -- wp frobnicate
expect_fail 2 'unknown command "frobnicate"' -- wp help frobnicate
expect_fail 2 'unknown global option "--frobnicate"' -- wp --frobnicate build x.wasm
expect_fail 2 'unexpected argument "extra"' -- wp version extra
expect_fail 2 'unknown option "--nope"' -- wp version --nope

# no command: the usage on stderr, exit 2
run wp
expect_status 2
expect_stdout_empty
expect_contains "$ERR" "Usage: wasmpack" "stderr of a bare wasmpack"

# global options before the command still apply: -q silences build's log
expect_ok wp -q build "$HELLO" -o quiet-layout
expect_stderr_empty
expect_match "$DIGEST_RE" "$(cat "$OUT")" "wasmpack -q build stdout"
