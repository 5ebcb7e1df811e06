#!/usr/bin/env bash
# Pushes through tests/tools/fault_proxy.py in front of a real registry:
# 503s on blob uploads, a 500 on a manifest PUT, 429s with Retry-After in
# seconds and as an HTTP-date, connection resets (before and after the
# registry took the request), a stall longer than --timeout, a truncated
# response, and chunked uploads whose PATCH breaks (resumed, or started
# again when the registry cannot say where it stands). Each push succeeds
# in reasonable time and the registry then holds exactly the image
# (skopeo inspect, the layer fetched back by digest); with the retries
# exhausted the push fails with one line and leaves no tag. Pulls whose blob
# GETs get 503/429, and token requests that break, are tried again.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
fault_proxy_start "$T/proxy" "$REG_URL" >/dev/null
P=$PROXY_HOST

expect_ok "$GENWASM" 300000 m.wasm
expect_ok wp build m.wasm -t app:v1 -o layout
D=$(cat "$OUT")
LAYER=$(jqr "$(manifest_of layout)" '.layers[0].digest')
LAYER_SIZE=$(stat -c %s "$(layer_of layout)")

# fault NAME RULE_JSON: installs the rule (replacing the others).
fault() { expect_ok fault_proxy_set "$2"; }

# expect_applied N WHAT: the rule (the first) fired N times.
expect_applied() {
	fault_proxy_state "$PROXY_URL" >"$T/.state.json" || fail "cannot read the proxy's state"
	expect_jq "$T/.state.json" '.rules[0].applied' "$1"
}

# push_ok REPO MAX_MS ARGS...: pushes layout to the proxy as REPO:v1 within
# MAX_MS; the registry (read directly) then holds exactly the image.
push_ok() {
	local repo=$1 max=$2
	shift 2
	timed wp push --debug "$@" layout "$P/$repo:v1"
	expect_status 0
	expect_refs_on_stdout "$D" "$P/$repo:v1"
	expect_took_between 0 "$max" "push to $repo"
	expect_registry_digest "$repo" v1 "$D"
}

# --- 503 twice on blob upload PUTs
fault 503 '{"fault": "status:503", "method": "PUT", "path": "/blobs/uploads/", "count": 2}'
push_ok s503 8000 --retries 2
expect_applied 2

# --- 500 once on the manifest PUT (by digest: the first manifest PUT)
fault 500 '{"fault": "status:500", "method": "PUT", "path": "/manifests/", "count": 1}'
push_ok s500 8000 --retries 2
expect_applied 1
# ...and once on the tag, after the registry stored it (the client saw 500)
fault 500f '{"fault": "status:500", "method": "PUT", "path": "/manifests/v1", "count": 1, "forward": true}'
push_ok s500f 8000 --retries 2
expect_applied 1

# --- 429 with Retry-After: 2 (seconds) on a blob upload: honoured
fault 429 '{"fault": "status:429", "method": "PUT", "path": "/blobs/uploads/", "count": 1, "retry_after": "2"}'
push_ok s429 9000 --retries 2
expect_applied 1
expect_took_between 2000 9000 "a push told to wait 2 s"
expect_contains "$ERR" "waiting 2.0 s before trying again" "the push's --debug output"
# ...as an HTTP-date (2-3 s from now) on the tag PUT
fault 429d '{"fault": "status:429", "method": "PUT", "path": "/manifests/v1", "count": 1, "retry_after": "http-date:2"}'
push_ok s429d 9000 --retries 2
expect_applied 1
expect_took_between 1500 9000 "a push told to wait until a date 2-3 s away"

# --- a connection reset while the blob is being sent (twice: libcurl
# silently repeats a request once when a kept-alive connection breaks)
fault reset '{"fault": "reset", "method": "PUT", "path": "/blobs/uploads/", "count": 2}'
push_ok reset 8000 --retries 2
expect_applied 2
# ...and after the registry took the blob, the answer lost (libcurl sends
# the PUT again: 404, the upload is gone; starting again finds the blob)
fault resetf '{"fault": "reset", "method": "PUT", "path": "/blobs/uploads/", "count": 1, "forward": true}'
push_ok resetf 8000 --retries 2
expect_applied 1
expect_eq 1 "$(access_lines 0 "^PUT /v2/resetf/blobs/uploads/.*${LAYER#sha256:} 201\$" | wc -l)" \
	"uploads of the layer whose answer was lost"

# --- a stall longer than --timeout 2: given up after about 2 s, then again
fault stall '{"fault": "stall:30", "method": "PUT", "path": "/blobs/uploads/", "count": 1}'
push_ok stall 6500 --retries 2 --timeout 2
expect_applied 1
expect_took_between 2000 6500 "a push with a 2 s stall timeout over a stall"
expect_contains "$ERR" "nothing moved for 2 s" "the push's --debug output"

# --- a truncated response (the body of GET /v2/ cut short)
fault truncate '{"fault": "truncate", "method": "GET", "path": "^/v2/$", "count": 1}'
push_ok truncate 8000 --retries 2
expect_applied 1
# (a plain HTTP loopback registry whose first answer fails is still taken
# for one: a 503 on GET /v2/ does not send the push to HTTPS for good)
fault v2-503 '{"fault": "status:503", "method": "GET", "path": "^/v2/$", "count": 1}'
push_ok v2-503 8000 --retries 2
expect_applied 1

# --- retries exhausted: one line, exit 1, no tag
fault exhausted '{"fault": "status:503", "method": "PUT", "path": "/blobs/uploads/"}'
timed wp push -q --retries 1 layout "$P/exhausted:v1"
expect_status 1
expect_stdout_empty
expect_stderr_one_line "blob upload" "503" "exhausted:v1"
expect_took_between 0 5000 "a push that runs out of retries"
expect_no_tag exhausted v1
# with --debug: the same error, the last line
run wp push --debug --retries 1 layout "$P/exhausted:v1"
expect_error_line "503"
expect_no_tag exhausted v1
# ...on the manifest: the blobs are up, the tag is not
fault exhausted-m '{"fault": "status:503", "method": "PUT", "path": "/manifests/"}'
run wp push -q --retries 1 layout "$P/exhausted-m:v1"
expect_status 1
expect_stderr_one_line "503" "manifest upload"
expect_no_tag exhausted-m v1
expect_eq 2 "$(access_lines 0 '^PUT /v2/exhausted-m/blobs/uploads/.* 201$' | wc -l)" "blobs of exhausted-m"

# --- a registry that is not there: one line, after one round of retries
# (not one round per request the push would have made)
DOWN=127.0.0.1:$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timed wp push -q --retries 1 layout "$DOWN/down:v1"
expect_status 1
expect_stderr_one_line "cannot reach registry \"$DOWN\""
expect_took_between 0 3000 "a push to a registry that is not there"
run wp push --debug --retries 1 layout "$DOWN/down:v1"
expect_error_line "cannot reach registry"
attempts=$(grep -c "^wasmpack: debug: > GET .*/v2/\$" "$ERR" || true)
((attempts >= 2 && attempts <= 4)) || fail "$attempts attempts to reach a registry that is not there (--retries 1)"

# --- chunked uploads (--chunk-size 40000: several PATCHes for the layer)
CHUNKS=$(((LAYER_SIZE + 39999) / 40000))
# a PATCH breaks mid-upload: resumed where the registry says it stands
fault patch '{"fault": "reset", "method": "PATCH", "skip": 1, "count": 2}'
mark=$(log_mark)
push_ok chunk-resume 8000 --retries 3 --chunk-size 40000 --jobs 1
expect_applied 2
expect_contains "$ERR" "; resuming"
expect_eq 2 "$(access_lines "$mark" '^POST /v2/chunk-resume/blobs/uploads/ 202$' | wc -l)" \
	"upload sessions (one a blob: resumed, not restarted)"
expect_eq 1 "$(access_lines "$mark" '^GET /v2/chunk-resume/blobs/uploads/[^ ]+ 204$' | wc -l)" \
	"upload status requests"
expect_eq "$CHUNKS" "$(access_lines "$mark" '^PATCH /v2/chunk-resume/blobs/uploads/[^ ]+ 202$' | wc -l)" \
	"PATCHes the registry took"
# the first PATCH breaks: the registry answers "Range: 0-0" (0 or 1 byte?):
# the upload starts again
fault patch0 '{"fault": "reset", "method": "PATCH", "count": 2}'
push_ok chunk-first 8000 --retries 3 --chunk-size 40000 --jobs 1
expect_applied 2
# a PATCH the registry took but whose answer was lost: libcurl sends it
# again, the registry drops the upload (404), the upload starts again
fault patchf '{"fault": "reset", "method": "PATCH", "skip": 1, "count": 1, "forward": true}'
push_ok chunk-lost 8000 --retries 3 --chunk-size 40000 --jobs 1
expect_applied 1
# and 503s on PATCHes
fault patch503 '{"fault": "status:503", "method": "PATCH", "skip": 1, "count": 2}'
push_ok chunk-503 8000 --retries 3 --chunk-size 40000 --jobs 1
expect_applied 2

# --- pulls: a 503 and a 429 on blob GETs are tried again (they were not)
fault pull503 '{"fault": "status:503", "method": "GET", "path": "/blobs/sha256:", "count": 2}'
expect_ok wp pull -q --retries 3 "$P/s503:v1" -o pulled503
expect_applied 2
expect_eq "$D" "$(jqr pulled503/index.json '.manifests[0].digest')" "digest of the pulled image"
fault pull429 '{"fault": "status:429", "method": "GET", "path": "/blobs/sha256:", "count": 1, "retry_after": "1"}'
expect_ok wp pull -q --retries 1 "$P/s503:v1" -o pulled429
expect_applied 1
# ...and run out: one line, nothing written
fault pull503x '{"fault": "status:503", "method": "GET", "path": "/blobs/sha256:"}'
run wp pull -q --retries 1 "$P/s503:v1" -o pulled503x
expect_status 1
expect_stderr_one_line "503" "blob sha256:"
[[ ! -e pulled503x ]] || fail "a failed pull left pulled503x"

# --- a token server whose answers break (reset, truncated, stalled): the
# token GET is tried again. The token server sits behind a second proxy,
# which the registry names as its realm.
expect_ok fault_proxy_clear
MAIN_PROXY=$PROXY_URL
tport=$(_reg_free_port)
pport=$(_reg_free_port)
registry_start token "$T/tokreg" -u alice:pw --token-arg --listen --token-arg "127.0.0.1:$tport" \
	--env "REGISTRY_AUTH_TOKEN_REALM=http://127.0.0.1:$pport/token" >/dev/null
fault_proxy_start "$T/tokproxy" "http://127.0.0.1:$tport" --listen "127.0.0.1:$pport" >/dev/null
for f in reset truncate stall:30; do
	fault "token-$f" "{\"fault\": \"$f\", \"count\": 1}"
	timed wp push -q --retries 2 --timeout 2 --username alice --password-stdin layout \
		"$REG_HOST/tok-${f%%:*}:v1" <<<pw
	expect_status 0
	expect_applied 1
	expect_took_between 0 8000 "a push whose first token request broke ($f)"
done
fault token-503 '{"fault": "status:503", "count": 1}'
expect_ok wp pull -q --retries 2 --username alice --password-stdin "$REG_HOST/tok-reset:v1" -o tokpulled <<<pw
expect_applied 1
PROXY_URL=$MAIN_PROXY

expect_ok fault_proxy_clear
expect_no_secrets
