#!/usr/bin/env bash
# The Criterion unit tests under valgrind memcheck (make check-valgrind):
#
#   tests/tools/valgrind-unit.sh /abs/unit-tests LOGDIR [CRITERION OPTIONS...]
#
# Run from tests/unit (the tests read their data relative to it).
#
# Criterion does not run a test in the process valgrind starts: the runner
# fork+execs "unit-tests boxfort-worker" for every test (BoxFort), so
# valgrind follows exec (--trace-children=yes) to check the test bodies.
# What the tests themselves start (sh, cc, the fake credential helpers they
# write in their /tmp/wp-unit-* directories, the wasm2c-made program
# test_wabt_bridge builds in /tmp/wasmpack-w2c-*, whose wabt runtime passes
# sigaction a partly uninitialised struct) is not traced:
# --trace-children-skip, which must not match the test binary itself (a
# clone under /tmp: skipping all of /tmp left every worker unchecked). Seeing valgrind,
# Criterion turns on --no-early-exit (a worker returns from main, so the
# leak check runs after the test's own cleanup) and would run one test at a
# time; --jobs 2 is passed (its warning about reports "appearing confusing"
# is only about their order).
#
# Criterion ignores a worker's exit status once the test has reported, so
# valgrind's --error-exitcode cannot fail the run by itself: every process
# logs to LOGDIR/vg.<pid>.log, and this script fails unless every log that
# reached valgrind's summary says "ERROR SUMMARY: 0 errors", at least as
# many workers as tests noted their pid on exiting normally, and each of
# those has a finished log of its own (so the workers really were checked).
# A log without a summary is a process a test forked that exec'd something
# untraced.
#
# Left out (--filter): the tests of a program that is not installed (a
# credential helper, process::missing_program_is_not_found_and_named).
# wasmpack learns it from posix_spawnp failing with ENOENT, which
# glibc reports from a CLONE_VFORK child through memory it shares with the
# parent; valgrind runs that child as a plain fork, so the error is lost and
# the child exits 127 instead. A valgrind limitation, not wasmpack's: the
# tests pass natively and under ASan. Also left out: optimize_threads, the
# optimizer on 1 to 8 threads over large modules (3.5 minutes under valgrind,
# which runs one thread at a time, against 3 s natively); the optimize
# suite runs the same passes on one thread, and check-asan runs these.
set -euo pipefail

[[ $# -ge 2 ]] || {
	echo "usage: valgrind-unit.sh /abs/unit-tests LOGDIR [CRITERION OPTIONS...]" >&2
	exit 2
}
unit=$1 logs=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$logs"
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)

skip='credentials/helper_not_installed|credentials/helper_store_failure_never_echoes_the_secret'
skip+='|credentials/no_error_message_contains_a_secret|process/missing_program_is_not_found_and_named'
skip+='|optimize_threads/*'

# Each worker notes its pid as it exits (tests/unit/worker_pid_note.c).
# valgrind names each log by pid, so a pid used twice in one run would
# overwrite the first process's log: that fails the run below. It takes a
# whole turn of the pid counter (32768 by default) within the run, which
# the run alone does not make, but a machine busy spawning processes can.
# (Not a pid namespace: Criterion's runner would be its pid 1 and inherit
# every orphan, which it never reaps, and spin.)
export WP_TEST_PID_FILE=$logs/pids
status=0
valgrind --trace-children=yes --trace-children-skip='/usr/*,/bin/*,/sbin/*,/tmp/wp-unit-*,/tmp/wasmpack-w2c-*' \
	--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--track-origins=no --num-callers=30 --suppressions="$here/../valgrind.supp" \
	--log-file="$logs/vg.%p.log" "$unit" --jobs 2 --short-filename --no-early-exit \
	--filter "!($skip)" "$@" 2>&1 | tee "$logs/criterion.out" || status=$?
[[ $status == 0 ]] || {
	echo "valgrind-unit.sh: the unit tests failed under valgrind (status $status)" >&2
	exit 1
}

tested=$(sed -n 's/.*Synthesis: Tested: \([0-9]*\).*/\1/p' "$logs/criterion.out" | tail -n 1)
[[ -n $tested ]] || {
	echo "valgrind-unit.sh: no Criterion synthesis in $logs/criterion.out" >&2
	exit 1
}
checked=0 bad=()
for f in "$logs"/vg.*.log; do
	grep -q 'ERROR SUMMARY:' "$f" || continue
	checked=$((checked + 1))
	grep -q 'ERROR SUMMARY: 0 errors' "$f" || bad+=("$f")
done
if [[ ${#bad[@]} -gt 0 ]]; then
	echo "valgrind-unit.sh: valgrind found errors; the first log:" >&2
	cat "${bad[0]}" >&2
	printf 'valgrind-unit.sh: %d log(s) with errors: %s\n' "${#bad[@]}" "${bad[*]}" >&2
	exit 1
fi
# every test's worker exited normally, with a log of its own that valgrind
# finished (a worker whose pid was used again by a later process lost it)
workers=$(wc -l <"$logs/pids")
reused=$(sort "$logs/pids" | uniq -d | wc -l)
unfinished=0
while read -r pid; do
	grep -q 'ERROR SUMMARY:' "$logs/vg.$pid.log" 2>/dev/null || unfinished=$((unfinished + 1))
done <"$logs/pids"
if ((workers < tested || reused > 0 || unfinished > 0)); then
	echo "valgrind-unit.sh: $tested tests, $workers workers exited normally, $reused pids used" \
		"twice (logs overwritten), $unfinished workers without valgrind's summary" >&2
	exit 1
fi
echo "valgrind-unit.sh: $tested tests, $workers workers, $checked processes, no valgrind error"
