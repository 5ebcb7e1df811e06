#!/usr/bin/env bash
# SIGKILL at random points (run by tests/faults/run.sh; see README.md):
#
#   kill.sh kill WORKDIR
#
# FAULT_KILLS times (default 20) each:
# - build: `wasmpack build` of a 20 MB module (+ an --add file) killed -9
#   after a random 0-800 ms, into a new directory (odd kills) or into a
#   layout already holding another image (even kills). The layout must then
#   be absent (new directory only) or valid (validate-layout.py, and skopeo
#   inspect reads its images), hold only blobs in blobs/sha256, keep the
#   other image; the same command run again must print the expected digest
#   and leave a valid layout with no temporary file in it (a writer removes
#   those it finds under the layout's lock; a staging directory beside a new
#   layout goes once it is over 60 s old and no live process locks its layout).
# - push: `wasmpack push` of that image through fault_proxy.py (every upload
#   request delayed 0.4 s, 1 MB chunks: a push of about 4 s) killed -9 after
#   a random 0-6 s. The registry's tag must then be absent or the image;
#   the local layout must be untouched; the same push run again must
#   complete, and the registry (read directly) hold the image.
# Writes WORKDIR/result: "kill: build N killed (A absent, V valid, R hidden
# temporary files left, S after the next build), push N killed (T tagged),
# wrong W"; WORKDIR/wrong.
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

W=${2:?usage: kill.sh kill WORKDIR}
KILLS=${FAULT_KILLS:-20}
mkdir -p "$W"
W=$(cd "$W" && pwd)
isolate "$W"
: >"$W/wrong"
WRONG=0
wrong() {
	printf '%s %s: %s\n' "$what" "$k" "$*" >>"$W/wrong"
	WRONG=$((WRONG + 1))
}

cd "$W" || exit 2
"$GENWASM" 20000000 big.wasm >/dev/null || die "genwasm failed"
head -c 300000 /dev/urandom >extra.bin
"$GENWASM" 100000 small.wasm >/dev/null || die "genwasm failed"
BUILD=(build -q big.wasm --add extra.bin:/extra.bin -t big:v1)
D=$("$WASMPACK" "${BUILD[@]}" -o ref 2>build.err) || die "wasmpack build failed: $(head -n 1 build.err)"
"$WASMPACK" build -q small.wasm -t big:v0 -o older >/dev/null 2>build.err ||
	die "wasmpack build failed: $(head -n 1 build.err)"
OLD=$(jq -r '.manifests[0].digest' older/index.json)

# skopeo_reads DIR: skopeo inspect reads every image of DIR by its tag.
skopeo_reads() {
	local t
	for t in $(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"] // empty' "$1/index.json"); do
		skopeo inspect --raw "oci:$1:$t" >/dev/null 2>skopeo.err || {
			echo "skopeo inspect oci:$1:$t: $(head -n 1 skopeo.err)"
			return 1
		}
	done
}

# --- build --------------------------------------------------------------------------
what=build
B_ABSENT=0 B_VALID=0 B_HIDDEN=0 B_SWEPT_LEFT=0
for ((k = 1; k <= KILLS; k++)); do
	rm -rf out .out.* .*.wasmpack-*
	((k % 2 == 0)) && cp -r older out
	"$WASMPACK" "${BUILD[@]}" -o out >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 800)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [[ ! -e out ]]; then
		B_ABSENT=$((B_ABSENT + 1))
		((k % 2 == 1)) || wrong "the layout that held big:v0 is gone"
	else
		why=$(layout_ok out) || wrong "after the kill: $why"
		why=$(skopeo_reads out) || wrong "after the kill: $why"
		((k % 2 == 1)) || why=$(layout_ok out "$OLD") || wrong "after the kill: $why"
		[[ -z $why ]] && B_VALID=$((B_VALID + 1))
	fi
	hidden=$(find . -maxdepth 1 -name '.*wasmpack*' | wc -l)
	[[ ! -d out ]] || hidden=$((hidden + $(find out -name '.*' | wc -l)))
	B_HIDDEN=$((B_HIDDEN + hidden))
	got=$("$WASMPACK" "${BUILD[@]}" -o out 2>build.err) || wrong "the build again failed: $(head -n 1 build.err)"
	[[ $got == "$D" ]] || wrong "the build again printed $got, not $D"
	why=$(layout_ok out "$D") || wrong "after the build again: $why"
	why=$(skopeo_reads out) || wrong "after the build again: $why"
	# the build again removed what the killed one left
	left=$(find out -name '.*' | wc -l)
	((left == 0)) || wrong "$left temporary files left in the layout after the build again"
	B_SWEPT_LEFT=$((B_SWEPT_LEFT + $(find . -maxdepth 1 -name '.*wasmpack*' | wc -l)))
done

# --- push ---------------------------------------------------------------------------
what=push
registry_start anonymous "$W/reg" >/dev/null || die "cannot start the registry"
fault_proxy_start "$W/proxy" "$REG_URL" >/dev/null || die "cannot start the proxy"
DELAY='{"rules": [{"fault": "delay:0.4", "method": "PUT|PATCH|POST", "path": "/blobs/uploads/"}]}'
before=$(tree_sum ref)
P_TAGGED=0
for ((k = 1; k <= KILLS; k++)); do
	repo=k$k
	fault_proxy_set "$DELAY" || die "cannot set the proxy's rules"
	"$WASMPACK" push -q --chunk-size 1000000 ref "$PROXY_HOST/$repo:v1" >/dev/null 2>&1 &
	pid=$!
	sleep "$((RANDOM % 6)).$(printf '%03d' $((RANDOM % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	code=$(tag_status "$repo" v1)
	case $code in
	404) ;;
	200)
		P_TAGGED=$((P_TAGGED + 1))
		why=$(registry_holds "$repo" v1 "$D" "$W/.s") || wrong "tagged after the kill, but: $why"
		;;
	*) wrong "after the kill $repo:v1 answers $code" ;;
	esac
	[[ $(tree_sum ref) == "$before" ]] || wrong "the pushed layout changed"
	fault_proxy_clear || die "cannot clear the proxy's rules"
	out=$("$WASMPACK" push -q --chunk-size 1000000 ref "$PROXY_HOST/$repo:v1" 2>push.err) ||
		wrong "the push again failed: $(head -n 1 push.err)"
	[[ $out == "$PROXY_HOST/$repo:v1@$D" ]] || wrong "the push again printed \"$out\""
	why=$(registry_holds "$repo" v1 "$D" "$W/.s") || wrong "after the push again: $why"
done

printf 'kill: build %s killed (%s absent, %s valid, %s hidden temporary files left, %s after the next build), push %s killed (%s tagged), wrong %s\n' \
	"$KILLS" "$B_ABSENT" "$B_VALID" "$B_HIDDEN" "$B_SWEPT_LEFT" "$KILLS" "$P_TAGGED" "$WRONG" >"$W/result"
