#!/usr/bin/env bash
# The fault-injection suite (see README.md):
#
#   WASMPACK=/abs/wasmpack GENWASM=/abs/genwasm tests/faults/run.sh [NAME...]
#
# NAME: a scenario of scenario.sh, or "kill" (kill.sh, the SIGKILL checks);
# default: every scenario, then kill. FAULT_RUNS (default 50) push+pull runs
# a scenario, FAULT_KILLS (default 20) kills of build and of push,
# FAULT_JOBS (default 2) scenarios at a time, KEEP=1 keeps the work
# directory. Prints a table; exits 1 if any result was wrong.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${WASMPACK:?WASMPACK must name the wasmpack binary}"
: "${GENWASM:?GENWASM must name the genwasm binary}"
for v in WASMPACK GENWASM; do
	[[ ${!v} == /* && -x ${!v} ]] || {
		echo "run.sh: $v must be an absolute path to an executable" >&2
		exit 2
	}
done
for tool in skopeo jq curl timeout sha256sum /usr/bin/docker-registry; do
	command -v "$tool" >/dev/null || {
		echo "run.sh: \"$tool\" is not installed (see 'make deps')" >&2
		exit 2
	}
done
export FAULT_RUNS=${FAULT_RUNS:-50} FAULT_KILLS=${FAULT_KILLS:-20}
JOBS=${FAULT_JOBS:-2}

ALL=(reset reset-after drop-mid-body stall 500 500-after 502 503 503-retry-after 429
	429-retry-after truncate wrong-digest token-expiry token-faults)
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=("${ALL[@]}" kill)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-faults.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null
	if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$(date +%s)
running=0
for name in "${names[@]}"; do
	if [[ $name == kill ]]; then
		script=$HERE/kill.sh
	else
		script=$HERE/scenario.sh
	fi
	while ((running >= JOBS)); do
		wait -n
		running=$((running - 1))
	done
	"$script" "$name" "$WORK/$name" >"$WORK/$name.log" 2>&1 &
	pids+=($!)
	running=$((running + 1))
done
wait

status=0
printf '%-16s %5s %8s %11s %8s %11s %6s %5s\n' scenario runs "push ok" "push failed" "pull ok" \
	"pull failed" wrong secs
for name in "${names[@]}"; do
	[[ $name != kill ]] || continue
	if [[ -s $WORK/$name/result ]]; then
		read -r _ runs pok pfail lok lfail wrong secs <"$WORK/$name/result"
		printf '%-16s %5s %8s %11s %8s %11s %6s %5s\n' "$name" "$runs" "$pok" "$pfail" "$lok" \
			"$lfail" "$wrong" "$secs"
		((wrong == 0)) || status=1
	else
		printf '%-16s did not run: %s\n' "$name" "$(tail -n 1 "$WORK/$name.log")"
		status=1
	fi
done
for name in "${names[@]}"; do
	if [[ $name == kill ]]; then
		if [[ -s $WORK/kill/result ]]; then
			cat "$WORK/kill/result"
			grep -q ' wrong 0$' "$WORK/kill/result" || status=1
		else
			printf 'kill: did not run: %s\n' "$(tail -n 1 "$WORK/kill.log")"
			status=1
		fi
	fi
done
for name in "${names[@]}"; do
	[[ -s $WORK/$name/wrong ]] || continue
	echo "--- wrong results of $name:"
	head -n 20 "$WORK/$name/wrong"
done
if [[ ${FAULT_ERRORS:-1} == 1 ]]; then
	echo "--- the error lines of the failures (how many times each):"
	for name in "${names[@]}"; do
		[[ -s $WORK/$name/errors ]] || continue
		sort "$WORK/$name/errors" | uniq -c | sort -rn | sed "s/^/$name: /"
	done
fi
echo "faults: $(($(date +%s) - t0)) s, FAULT_RUNS=$FAULT_RUNS FAULT_KILLS=$FAULT_KILLS"
exit $status
