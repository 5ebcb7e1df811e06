#!/bin/sh
# Runs libFuzzer targets for a while each, one after the other, and prints
# what each did: tests/fuzz/run.sh BUILD SECONDS NAME...
# Each reads its committed corpus (tests/fuzz/corpus/NAME, never written)
# and BUILD/corpus/NAME, where new inputs go; crashing inputs go to
# BUILD/crashes/NAME/, the full log to BUILD/logs/NAME.log.
# FUZZ_ARGS adds libFuzzer options. The exit status is 1 when a target
# crashed, leaked or timed out.
set -u
build=$1
seconds=$2
shift 2
here=$(dirname "$0")
status=0
table=$(mktemp)
trap 'rm -f "$table"' EXIT
printf '%-16s %8s %10s %10s %8s %8s\n' target seconds execs execs/s new crashes >"$table"
for name in "$@"; do
	bin=$build/fuzzer/$name
	mkdir -p "$build/corpus/$name" "$build/crashes/$name" "$build/logs"
	log=$build/logs/$name.log
	dict=
	[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
	echo "fuzz: $name for ${seconds}s"
	start=$(date +%s)
	# shellcheck disable=SC2086 # FUZZ_ARGS and dict are lists of options
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" -max_total_time="$seconds" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/$name/" $dict ${FUZZ_ARGS:-} \
		"$build/corpus/$name" "$here/corpus/$name" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
	crashes=$(find "$build/crashes/$name" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "fuzz: $name failed (exit $rc), see $log:"
		grep -E 'ERROR|SUMMARY|check failed|Test unit written' "$log" | head -n 10
	fi
	printf '%-16s %8s %10s %10s %8s %8s\n' "$name" "$took" "${execs:-?}" "${rate:-?}" \
		"${new:-?}" "$crashes" >>"$table"
done
cat "$table"
exit $status
