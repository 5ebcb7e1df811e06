#!/usr/bin/env bash
# One fault-injection scenario (run by tests/faults/run.sh; see README.md):
#
#   scenario.sh NAME WORKDIR
#
# Starts a fresh registry and tests/tools/fault_proxy.py in front of it with
# the scenario's rules, then FAULT_RUNS times (default 50): builds a
# multi-blob image (a Dockerfile with three COPY lines: 3 layers + config,
# one layer new each run), pushes it through the proxy to a new repository,
# and pulls it back through the proxy. Each run reseeds the proxy (seed =
# the run's number), so a run replays. Every outcome is checked against the
# registry read directly (see check_push/check_pull). Writes
# WORKDIR/result ("NAME RUNS PUSH_OK PUSH_FAILED PULL_OK PULL_FAILED WRONG
# SECONDS"), WORKDIR/wrong (one line per wrong result) and WORKDIR/errors
# (the failures' error lines). Exit 0 unless the scenario could not run.
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NAME=${1:?usage: scenario.sh NAME WORKDIR}
W=${2:?usage: scenario.sh NAME WORKDIR}
RUNS=${FAULT_RUNS:-50}
# a wasmpack command running longer than this is a hang (a wrong result)
HANG=${FAULT_HANG:-120}
mkdir -p "$W"
W=$(cd "$W" && pwd)
isolate "$W"
: >"$W/wrong"
: >"$W/errors"

# --- the scenarios ---------------------------------------------------------------
# RULES: the proxy's rules (a JSON list, fault_proxy.py's keys); MODE: the
# registry's; OPTS: options of both push and pull; PUSH_OPTS: push only;
# TOKEN_RULES: rules of a second proxy in front of the token server.
MODE=anonymous OPTS=(--retries 2) PUSH_OPTS=() TOKEN_RULES=""
BLOB_UP='"path": "/blobs/uploads/"'
BLOB_GET='"method": "GET", "path": "/blobs/sha256:"'
case $NAME in
reset) # RST instead of an answer: uploads (their body half sent) and blob GETs
	RULES="[{\"fault\": \"reset\", \"method\": \"PUT|PATCH|POST\", $BLOB_UP, \"probability\": 0.3},
		{\"fault\": \"reset\", $BLOB_GET, \"probability\": 0.3}]" ;;
reset-after) # the registry did it, the answer was lost (RST): uploads,
	# manifest PUT by digest, manifest GETs
	RULES="[{\"fault\": \"reset\", \"forward\": true, \"method\": \"PUT\", \"path\": \"/blobs/uploads/|/manifests/sha256:\", \"probability\": 0.3},
		{\"fault\": \"reset\", \"forward\": true, \"method\": \"GET\", \"path\": \"/manifests/\", \"probability\": 0.3}]" ;;
drop-mid-body) # connections dropped in the middle of a body: blob GETs after
	# 30000 bytes of the answer, chunked-upload PATCHes while sending
	RULES="[{\"fault\": \"reset\", \"after_bytes\": 30000, $BLOB_GET, \"probability\": 0.4},
		{\"fault\": \"reset\", \"method\": \"PATCH\", \"probability\": 0.25}]"
	PUSH_OPTS=(--chunk-size 40000) ;;
stall) # nothing for 30 s, past --timeout 2: uploads, blob and manifest reads
	RULES="[{\"fault\": \"stall:30\", \"method\": \"PUT|POST\", $BLOB_UP, \"probability\": 0.1},
		{\"fault\": \"stall:30\", \"method\": \"GET|HEAD\", \"path\": \"/blobs/sha256:|/manifests/\", \"probability\": 0.1}]"
	OPTS=(--retries 2 --timeout 2) ;;
500) # manifest PUT and GET
	RULES='[{"fault": "status:500", "path": "/manifests/", "probability": 0.35}]' ;;
500-after) # the registry did it, the client saw 500: blob upload PUTs,
	# manifest PUT by digest
	RULES='[{"fault": "status:500", "forward": true, "method": "PUT", "path": "/blobs/uploads/|/manifests/sha256:", "probability": 0.35}]' ;;
502) # blob uploads and blob GETs
	RULES="[{\"fault\": \"status:502\", $BLOB_UP, \"probability\": 0.3},
		{\"fault\": \"status:502\", $BLOB_GET, \"probability\": 0.3}]" ;;
503) # any request, no Retry-After
	RULES='[{"fault": "status:503", "path": "^/v2/", "probability": 0.25}]' ;;
503-retry-after) # any request, Retry-After: 1
	RULES='[{"fault": "status:503", "path": "^/v2/", "probability": 0.12, "retry_after": "1"}]' ;;
429) # any request, plain-text body, no Retry-After
	RULES='[{"fault": "status:429", "path": "^/v2/", "probability": 0.25}]' ;;
429-retry-after) # any request, Retry-After in seconds or as an HTTP-date
	RULES='[{"fault": "status:429", "path": "^/v2/", "probability": 0.08, "retry_after": "1"},
		{"fault": "status:429", "path": "^/v2/", "probability": 0.08, "retry_after": "http-date:1"}]' ;;
truncate) # the full Content-Length announced, half the body sent: blob and
	# manifest GETs, GET /v2/
	RULES='[{"fault": "truncate", "method": "GET", "path": "/blobs/sha256:|/manifests/|^/v2/$", "probability": 0.3}]' ;;
wrong-digest) # one byte flipped in a 200 answer: blob GETs, manifest GETs
	# (by tag: the digest the registry states must catch it)
	RULES="[{\"fault\": \"wrong-digest\", $BLOB_GET, \"probability\": 0.3},
		{\"fault\": \"wrong-digest\", \"method\": \"GET\", \"path\": \"/manifests/\", \"probability\": 0.3}]" ;;
token-expiry) # 401 mid-push and mid-pull: 1 s tokens that really die at the
	# registry (--exp-skew -60), and requests held 1.3 s by the proxy, so
	# their token is dead on arrival
	MODE=token
	RULES='[{"fault": "delay:1.3", "method": "PUT|PATCH|GET|HEAD", "path": "/blobs/|/manifests/", "probability": 0.15}]' ;;
token-faults) # the token server fails: 503, 500, RST, truncated, stalled
	MODE=token RULES='[]'
	TOKEN_RULES='[{"fault": "status:503", "probability": 0.15},
		{"fault": "status:500", "probability": 0.1},
		{"fault": "reset", "probability": 0.1},
		{"fault": "truncate", "probability": 0.1},
		{"fault": "stall:30", "probability": 0.04}]'
	OPTS=(--retries 2 --timeout 2) ;;
*) die "no scenario \"$NAME\"" ;;
esac

# --- the registry and the proxies ------------------------------------------------
START=$(date +%s)
CREDS=()
if [[ $MODE == token ]]; then
	USERPASS=alice:faults-pw
	CREDS=(--username alice --password-stdin)
	if [[ $NAME == token-expiry ]]; then
		registry_start token "$W/reg" -u "$USERPASS" --token-arg --expires-in --token-arg 1 \
			--token-arg --exp-skew --token-arg -60 >/dev/null || die "cannot start the registry"
	else
		# the token server on a known port behind its own proxy: the
		# registry's realm (REGISTRY_AUTH_TOKEN_REALM) is the proxy's
		tport=$(_reg_free_port) pport=$(_reg_free_port)
		registry_start token "$W/reg" -u "$USERPASS" --token-arg --listen \
			--token-arg "127.0.0.1:$tport" \
			--env "REGISTRY_AUTH_TOKEN_REALM=http://127.0.0.1:$pport/token" >/dev/null ||
			die "cannot start the registry"
		fault_proxy_start "$W/token-proxy" "http://127.0.0.1:$tport" --listen "127.0.0.1:$pport" \
			>/dev/null || die "cannot start the token proxy"
		TOKEN_PROXY_URL=$PROXY_URL
	fi
else
	registry_start anonymous "$W/reg" >/dev/null || die "cannot start the registry"
fi
fault_proxy_start "$W/proxy" "$REG_URL" >/dev/null || die "cannot start the proxy"
P=$PROXY_HOST

# wp ARGS...: wasmpack with the credentials (on stdin) in token mode, killed
# after $HANG s (exit 137: a hang).
wp() {
	if [[ $MODE == token ]]; then
		timeout -s KILL "$HANG" "$WASMPACK" "$@" "${CREDS[@]}" <<<"${USERPASS#*:}"
	else
		timeout -s KILL "$HANG" "$WASMPACK" "$@" </dev/null
	fi
}

# --- the image -------------------------------------------------------------------
mkdir -p "$W/ctx"
"$GENWASM" 150000 "$W/ctx/app.wasm" >/dev/null || die "genwasm failed"
head -c 60000 /dev/urandom >"$W/ctx/data.bin"
printf 'FROM scratch\nCOPY app.wasm /app.wasm\nCOPY data.bin /data.bin\nCOPY run.txt /run.txt\nENTRYPOINT ["/app.wasm"]\n' \
	>"$W/ctx/Dockerfile"
# a layout holding another image, for pulls into an existing layout
printf 'base\n' >"$W/ctx/run.txt"
"$WASMPACK" build -q -f "$W/ctx/Dockerfile" "$W/ctx" -t base:v0 -o "$W/base" >/dev/null 2>"$W/build.err" ||
	die "wasmpack build failed: $(head -n 1 "$W/build.err")"
BASE=$(jq -r '.manifests[0].digest' "$W/base/index.json")

wrong() {
	printf 'run %s: %s\n' "$i" "$*" >>"$W/wrong"
	WRONG=$((WRONG + 1))
}

# error_seen OP FILE: records the error line of a failure.
error_seen() { printf '%s\t%s\n' "$1" "$(head -n 1 "$2" | normalize_error)" >>"$W/errors"; }

PUSH_OK=0 PUSH_FAILED=0 PULL_OK=0 PULL_FAILED=0 WRONG=0
for ((i = 1; i <= RUNS; i++)); do
	repo=r$i ref=$P/r$i:v1 s=$W/.s
	rm -rf "$W/layout" "$W/pull" "$W/.pull.before"
	head -c 20000 /dev/urandom | od -An -tx1 >"$W/ctx/run.txt"
	D=$("$WASMPACK" build -q -f "$W/ctx/Dockerfile" "$W/ctx" -t "r$i:v1" -o "$W/layout" 2>"$W/build.err") ||
		die "wasmpack build failed: $(head -n 1 "$W/build.err")"

	fault_proxy_set "{\"rules\": $RULES, \"seed\": $i}" || die "cannot set the proxy's rules"
	[[ -z $TOKEN_RULES ]] ||
		fault_proxy_set "{\"rules\": $TOKEN_RULES, \"seed\": $i}" "$TOKEN_PROXY_URL" ||
		die "cannot set the token proxy's rules"

	# --- push
	rc=0
	wp push -q "${OPTS[@]}" "${PUSH_OPTS[@]}" "$W/layout" "$ref" >"$W/out" 2>"$W/err" || rc=$?
	if ((rc == 137)); then
		wrong "push hung (killed after $HANG s)"
		PUSH_FAILED=$((PUSH_FAILED + 1))
	elif ((rc == 0)); then
		PUSH_OK=$((PUSH_OK + 1))
		[[ $(cat "$W/out") == "$ref@$D" ]] || wrong "push printed \"$(head -c 200 "$W/out")\", not $ref@$D"
		[[ ! -s $W/err ]] || wrong "a push that worked printed on stderr: $(head -n 2 "$W/err" | tr '\n' '|')"
		why=$(registry_holds "$repo" v1 "$D" "$s") || wrong "push exited 0 but: $why"
	else
		PUSH_FAILED=$((PUSH_FAILED + 1))
		error_seen push "$W/err"
		why=$(one_error_line "$W/err") || wrong "push failed (exit $rc): $why"
		[[ ! -s $W/out ]] || wrong "a failed push printed on stdout: $(head -c 200 "$W/out")"
		code=$(tag_status "$repo" v1)
		[[ $code == 404 ]] || wrong "push failed (exit $rc: $(head -c 200 "$W/err")) but $repo:v1 answers $code"
		# push it directly, so the pull has something to pull
		wp push -q "$W/layout" "$REG_HOST/$repo:v1" >/dev/null 2>"$W/err2" ||
			die "the direct push of run $i failed: $(head -n 1 "$W/err2")"
	fi

	# --- pull: into a new directory (odd runs) or into a copy of a layout
	# holding another image (even runs)
	fault_proxy_set "{\"rules\": $RULES, \"seed\": $((i + 100000))}" || die "cannot set the proxy's rules"
	[[ -z $TOKEN_RULES ]] ||
		fault_proxy_set "{\"rules\": $TOKEN_RULES, \"seed\": $((i + 100000))}" "$TOKEN_PROXY_URL" ||
		die "cannot set the token proxy's rules"
	((i % 2 == 0)) && cp -r "$W/base" "$W/pull"
	before=$(tree_sum "$W/pull")
	rc=0
	wp pull -q "${OPTS[@]}" "$ref" -o "$W/pull" >"$W/out" 2>"$W/err" || rc=$?
	if ((rc == 137)); then
		wrong "pull hung (killed after $HANG s)"
		PULL_FAILED=$((PULL_FAILED + 1))
	elif ((rc == 0)); then
		PULL_OK=$((PULL_OK + 1))
		[[ $(cat "$W/out") == "$ref@$D" ]] || wrong "pull printed \"$(head -c 200 "$W/out")\", not $ref@$D"
		[[ ! -s $W/err ]] || wrong "a pull that worked printed on stderr: $(head -n 2 "$W/err" | tr '\n' '|')"
		why=$(layout_ok "$W/pull" "$D") || wrong "pull exited 0 but: $why"
		if ((i % 2 == 0)); then
			why=$(layout_ok "$W/pull" "$BASE") || wrong "pull into a layout lost its other image: $why"
		fi
	else
		PULL_FAILED=$((PULL_FAILED + 1))
		error_seen pull "$W/err"
		why=$(one_error_line "$W/err") || wrong "pull failed (exit $rc): $why"
		[[ ! -s $W/out ]] || wrong "a failed pull printed on stdout: $(head -c 200 "$W/out")"
		after=$(tree_sum "$W/pull")
		[[ $after == "$before" ]] ||
			wrong "pull failed (exit $rc: $(head -c 200 "$W/err")) but changed its destination ($before -> $after)"
	fi
	# staging directories or temporary files left next to the destination
	left=$(find "$W" -maxdepth 1 \( -name '.*wasmpack*' -o -name '.*.tmp-*' \) | head -n 3)
	[[ -z $left ]] || {
		wrong "left behind: $left"
		rm -rf "$W"/.*wasmpack* "$W"/.*.tmp-*
	}
	rm -rf "$W/tmp"/*
done

SECS=$(($(date +%s) - START))
printf '%s %s %s %s %s %s %s %s\n' "$NAME" "$RUNS" "$PUSH_OK" "$PUSH_FAILED" "$PULL_OK" "$PULL_FAILED" \
	"$WRONG" "$SECS" >"$W/result"
