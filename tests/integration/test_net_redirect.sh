#!/usr/bin/env bash
# Redirects and where credentials go, against a real registry (HTTP Basic)
# behind tests/tools/hostile_registry.py: a blob GET redirected (307) to
# another port, as registries redirect to S3 or a CDN, arrives there without
# Authorization and the pull succeeds; the same for another host name on the
# same port; a same-origin redirect keeps it; an upload Location on another
# origin gets the blob but no credentials; a redirect loop, a redirect to
# file:// and one from HTTPS to plain HTTP are refused with one line (the
# last allowed with --insecure, still without credentials); a plain-HTTP
# token realm under an HTTPS registry is refused. Proxy
# credentials from the environment are never printed, even with --debug.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

PW=Redirect-Secret-7c3
registry_start htpasswd "$T/reg" -u "gail:$PW" >/dev/null
export WASMPACK_USERNAME=gail WASMPACK_PASSWORD=$PW

expect_ok wp build "$HELLO" -t hello:v1 -o layout
D=$(cat "$OUT")
expect_ok wp push layout "$REG_HOST/app:v1"
LAYER=$(jqr "$(manifest_of layout)" '.layers[0].digest')

hostile_registry_start "$T/h" "$REG_URL" --storage-auth "gail:$PW" >/dev/null
H=$HOSTILE_HOST

# hostile_since MARK FILTER: the hostile log's entries after line MARK, as
# compact JSON, selected by the jq FILTER.
hostile_mark() { wc -l <"$HOSTILE_LOG"; }
hostile_since() { tail -n +"$(($1 + 1))" "$HOSTILE_LOG" | jq -c "select($2)"; }

# pull_ok N REF [ARGS...]: pulls REF into pulled-N; the image is D.
pull_ok() {
	local n=$1 ref=$2
	shift 2
	expect_ok wp pull --debug "$@" "$ref" -o "pulled-$n"
	expect_eq "$ref@$D" "$(cat "$OUT")" "stdout of pull $n"
	expect_same_file "$(layer_of layout)" "$(blob "pulled-$n" "$LAYER")"
}

# === 307 to another port: no Authorization there ===============================
expect_ok hostile_registry_mode '{"blob_redirect": "storage"}'
mark=$(hostile_mark)
pull_ok 1 "$H/app:v1"
main=$(hostile_since "$mark" '.port == "main" and (.path | test("/blobs/sha256:"))')
storage=$(hostile_since "$mark" '.port == "storage"')
[[ -n $main && -n $storage ]] || fail "no redirected blob requests in the log"
expect_eq "" "$(jq -c 'select(.status != 307 or .auth != "Basic")' <<<"$main")" \
	"blob requests to the registry (all 307, all with Basic)"
expect_eq "" "$(jq -c 'select(.auth != null)' <<<"$storage")" "Authorization at the storage port"
expect_match "^GET /v2/app/blobs/$LAYER 200$" \
	"$(jq -r "select(.path | endswith(\"$LAYER\")) | \"\\(.method) \\(.path) \\(.status)\"" <<<"$storage")" \
	"the layer fetched from the storage port"

# === 307 to the same port under another host name ==============================
expect_ok hostile_registry_mode '{"blob_redirect": "localhost"}'
mark=$(hostile_mark)
pull_ok 2 "$H/app:v1"
there=$(hostile_since "$mark" '.path | startswith("/__same/")')
[[ -n $there ]] || fail "no redirected request reached localhost:$HOSTILE_PORT"
expect_eq "" "$(jq -c 'select(.auth != null or (.host | startswith("localhost:") | not))' <<<"$there")" \
	"requests to localhost:$HOSTILE_PORT (no Authorization)"

# === 307 on the same origin: credentials kept ===================================
expect_ok hostile_registry_mode '{"blob_redirect": "same"}'
mark=$(hostile_mark)
pull_ok 3 "$H/app:v1"
there=$(hostile_since "$mark" '.path | startswith("/__same/")')
[[ -n $there ]] || fail "no same-origin redirected request"
expect_eq "" "$(jq -c 'select(.auth != "Basic" or .status != 200)' <<<"$there")" \
	"same-origin redirected requests (Basic, 200)"

# === refused redirects: one line, nothing kept ==================================
expect_ok hostile_registry_mode '{"blob_redirect": "loop"}'
expect_fail 1 "more than 10 redirects: refused" -- wp pull --retries 0 "$H/app:v1" -o pulled-loop
expect_absent pulled-loop/index.json
expect_ok hostile_registry_mode '{"blob_redirect": "file"}'
expect_fail 1 'redirect to "file:///etc/passwd" refused' "other than http and https" -- \
	wp pull --retries 0 "$H/app:v1" -o pulled-file
expect_absent pulled-file/index.json

# === an upload Location on another origin: the blob, not the credentials ========
expect_ok hostile_registry_mode '{"upload_location": "storage"}'
mark=$(hostile_mark)
expect_ok wp push --debug layout "$H/moved:v1"
expect_refs_on_stdout "$D" "$H/moved:v1"
expect_contains "$ERR" "no credentials sent there" "--debug output"
storage=$(hostile_since "$mark" '.port == "storage"')
expect_match '(PUT|PATCH)' "$(jq -r .method <<<"$storage" | sort -u | tr '\n' ' ')" \
	"uploads at the storage port"
expect_eq "" "$(jq -c 'select(.auth != null)' <<<"$storage")" "Authorization at the storage port"
expect_registry_digest moved v1 "$D"

# === HTTPS redirecting to plain HTTP ===========================================
hostile_registry_start "$T/hs" "$REG_URL" --tls --storage-auth "gail:$PW" >/dev/null
HS=$HOSTILE_HOST
expect_ok hostile_registry_mode '{"blob_redirect": "storage"}'
expect_fail 1 "from HTTPS to plain HTTP (--insecure allows it)" -- \
	wp pull --retries 0 --ca-cert "$HOSTILE_CA" "$HS/app:v1" -o pulled-down
expect_absent pulled-down/index.json
mark=$(hostile_mark)
pull_ok 4 "$HS/app:v1" --insecure
storage=$(hostile_since "$mark" '.port == "storage"')
[[ -n $storage ]] || fail "no request reached the storage port with --insecure"
expect_eq "" "$(jq -c 'select(.auth != null)' <<<"$storage")" "Authorization at the storage port"

# === a token realm on plain HTTP, under an HTTPS registry not on loopback ========
# (0.0.0.0 reaches the front, and its certificate names it)
N=0.0.0.0:$HOSTILE_PORT
expect_ok hostile_registry_mode '{"challenge": "http-realm"}'
mark=$(hostile_mark)
expect_fail 1 "registry \"$N\" names a token server on plain HTTP" \
	"\"http://127.0.0.1:$HOSTILE_STORAGE_PORT/token\"): refused (--insecure allows it)" -- \
	wp pull --retries 0 --ca-cert "$HOSTILE_CA" "$N/app:v1" -o pulled-realm
expect_eq "" "$(hostile_since "$mark" '.port == "storage"')" "requests to the plain-HTTP realm"
# the same registry redirecting blobs to plain HTTP, then well-behaved
expect_ok hostile_registry_mode '{"blob_redirect": "storage"}'
expect_fail 1 "from HTTPS to plain HTTP (--insecure allows it)" -- \
	wp pull --retries 0 --ca-cert "$HOSTILE_CA" "$N/app:v1" -o pulled-down2
expect_ok hostile_registry_mode '{}'
pull_ok 5 "$N/app:v1" --ca-cert "$HOSTILE_CA"

# === proxy credentials (libcurl reads *_proxy from the environment) ==============
PROXY_PW=Proxy-Secret-9d1
for v in https_proxy HTTPS_PROXY ALL_PROXY; do
	run env "$v=http://pat:$PROXY_PW@127.0.0.1:1" "$WASMPACK" pull --debug --retries 0 \
		registry.invalid:5000/app:v1 -o pulled-proxy
	expect_error_line "cannot reach registry \"registry.invalid:5000\"" "127.0.0.1 port 1"
done

expect_no_secrets "$PW" "$(b64 "gail:$PW")" "$PROXY_PW"
