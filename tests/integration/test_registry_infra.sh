#!/usr/bin/env bash
# The registry test infrastructure works with real clients (curl, skopeo):
# tests/tools/registry.sh starts a real distribution registry in every mode
# (anonymous, htpasswd, tls, tls+htpasswd, token, tls+token) and restarts one
# on its port, token_server.py issues tokens the registry accepts and
# enforces scopes, fault_proxy.py forwards and injects its faults,
# docker-credential-test speaks the helper protocol (skopeo uses it through
# credHelpers), and every process started here is gone at the end.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../tools/registry.sh
. "$TOOLS/registry.sh"
registry_install_trap

# skopeo reads no credentials but ours
export REGISTRY_AUTH_FILE=$T/auth.json DOCKER_CONFIG=$T/docker-config
echo '{}' >"$REGISTRY_AUTH_FILE"
mkdir -p "$DOCKER_CONFIG"

# --- the image: a 100 kB module in an OCI layout
expect_ok "$GENWASM" 100000 m.wasm
expect_ok wp build m.wasm -t x:v1 -o layout
DIGEST=$(cat "$OUT")
expect_match "$DIGEST_RE" "$DIGEST" "build stdout"
LAYER=$(jqr "$(manifest_of layout v1)" '.layers[0].digest')
LAYER_FILE=$(blob layout "$LAYER")

# push REF SKOPEO_OPTS...: skopeo copy oci:layout:v1 docker://REF (run: the
# caller checks $STATUS).
push() {
	local ref=$1
	shift
	run skopeo copy -q "$@" oci:layout:v1 "docker://$ref"
}

# pull_check REF SKOPEO_OPTS...: pulls REF into a fresh layout, whose
# manifest must be the one built.
PULLS=0
pull_check() {
	local ref=$1
	shift
	PULLS=$((PULLS + 1))
	expect_ok skopeo copy -q "$@" "docker://$ref" "oci:pulled-$PULLS:v1"
	expect_eq "$DIGEST" "$(jqr "pulled-$PULLS/index.json" '.manifests[0].digest')" "digest pulled from $ref"
	expect_same_file "$LAYER_FILE" "$(blob "pulled-$PULLS" "$LAYER")"
}

# http_code CURL_ARGS...: the status code curl got.
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true; }

ACCEPT_OCI="Accept: $MT_OCI_MANIFEST"

# === anonymous ================================================================
registry_start anonymous "$T/anon" >/dev/null
ANON_URL=$REG_URL ANON_HOST=$REG_HOST
expect_match '^http://127\.0\.0\.1:[0-9]+$' "$REG_URL" "REG_URL"
expect_eq 200 "$(http_code "$REG_URL/v2/")" "anonymous GET /v2/"
push "$REG_HOST/x:v1" --dest-tls-verify=false
expect_status 0
pull_check "$REG_HOST/x:v1" --src-tls-verify=false
curl -s -I -H "$ACCEPT_OCI" "$REG_URL/v2/x/manifests/v1" | tr -d '\r' >head.txt
expect_contains head.txt "HTTP/1.1 200"
expect_contains head.txt "Docker-Content-Digest: $DIGEST"
# distribution 2.8 answers 404 for an OCI manifest not named in Accept
expect_eq 404 "$(http_code -I "$REG_URL/v2/x/manifests/v1")" "manifest HEAD without Accept"
expect_file "$T/anon/registry.log" "$T/anon/config.yml"
expect_contains "$T/anon/config.yml" "enabled: true" "config (storage.delete)"
# a restart on the same port keeps the storage
registry_stop "$T/anon"
expect_eq 000 "$(http_code "$ANON_URL/v2/")" "the stopped registry"
registry_start anonymous "$T/anon" --port "$REG_PORT" >/dev/null
expect_eq "$ANON_URL" "$REG_URL" "URL of the restarted registry"
expect_eq 200 "$(http_code -I -H "$ACCEPT_OCI" "$REG_URL/v2/x/manifests/v1")" "manifest after the restart"

# === htpasswd =================================================================
registry_start htpasswd "$T/basic" -u alice:alice-Secret-1 >/dev/null
BASIC_HOST=$REG_HOST
expect_eq "alice alice-Secret-1" "$REG_USER $REG_PASS" "REG_USER REG_PASS"
# shellcheck disable=SC2016 # a literal $
expect_match '^alice:\$2y\$' "$(cat "$REG_HTPASSWD")" "htpasswd line (bcrypt)"
push "$REG_HOST/x:v1" --dest-tls-verify=false
expect_status 1
expect_contains "$ERR" "authentication required" "skopeo without credentials"
push "$REG_HOST/x:v1" --dest-tls-verify=false --dest-creds alice:wrong
expect_status 1
expect_contains "$ERR" "authentication required" "skopeo with a wrong password"
push "$REG_HOST/x:v1" --dest-tls-verify=false --dest-creds "$REG_USER:$REG_PASS"
expect_status 0
pull_check "$REG_HOST/x:v1" --src-tls-verify=false --src-creds "$REG_USER:$REG_PASS"
expect_eq 200 "$(http_code -u "$REG_USER:$REG_PASS" "$REG_URL/v2/")" "GET /v2/ with Basic"
curl -s -D basic.hdr -o /dev/null -u alice:wrong "$REG_URL/v2/" || true
expect_contains basic.hdr "HTTP/1.1 401"
expect_contains basic.hdr 'Www-Authenticate: Basic realm="wasmpack-test-registry"'

# === tls, tls+htpasswd ========================================================
registry_start tls "$T/tls" >/dev/null
expect_match '^https://127\.0\.0\.1:[0-9]+$' "$REG_URL" "REG_URL (tls)"
expect_file "$REG_CA" "$REG_CERT_DIR/ca.crt"
expect_eq 200 "$(http_code --cacert "$REG_CA" "$REG_URL/v2/")" "GET /v2/ over TLS"
expect_eq 200 "$(http_code --cacert "$REG_CA" "https://localhost:$REG_PORT/v2/")" "GET /v2/ as localhost"
run curl -sS -o /dev/null "$REG_URL/v2/"
expect_status 60 # peer certificate cannot be authenticated
push "$REG_HOST/x:v1"
expect_status 1
expect_contains "$ERR" "certificate signed by unknown authority" "skopeo without the CA"
push "$REG_HOST/x:v1" --dest-cert-dir "$REG_CERT_DIR"
expect_status 0
pull_check "localhost:$REG_PORT/x:v1" --src-cert-dir "$REG_CERT_DIR"
TLS_URL=$REG_URL TLS_CA=$REG_CA

registry_start tls+htpasswd "$T/tls-basic" -u carol:carol-Secret-3 >/dev/null
push "$REG_HOST/x:v1" --dest-cert-dir "$REG_CERT_DIR" --dest-creds carol:wrong
expect_status 1
expect_contains "$ERR" "authentication required" "tls+htpasswd, wrong password"
push "$REG_HOST/x:v1" --dest-cert-dir "$REG_CERT_DIR" --dest-creds "$REG_USER:$REG_PASS"
expect_status 0
pull_check "$REG_HOST/x:v1" --src-cert-dir "$REG_CERT_DIR" --src-creds "$REG_USER:$REG_PASS"
registry_stop "$T/tls-basic"

# === token ====================================================================
cat >users.json <<'EOF'
{
 "alice": {"password": "alice-Secret-1",
           "access": [{"name": "*", "actions": ["pull", "push", "delete"]},
                      {"type": "registry", "name": "catalog", "actions": ["*"]}]},
 "bob": {"password": "bob-Secret-2", "access": [{"name": "*", "actions": ["pull"]}]},
 "@anonymous": {"access": [{"name": "public/*", "actions": ["pull"]}]}
}
EOF
registry_start token "$T/token" --users users.json -u alice:alice-Secret-1 >/dev/null
expect_match '^http://127\.0\.0\.1:[0-9]+/token$' "$REG_TOKEN_URL" "REG_TOKEN_URL"

# the flow by hand: challenge, token, Bearer
curl -s -D chal.hdr -o /dev/null "$REG_URL/v2/" || true
expect_contains chal.hdr "HTTP/1.1 401"
challenge=$(grep -i '^Www-Authenticate:' chal.hdr | tr -d '\r')
expect_eq "Www-Authenticate: Bearer realm=\"$REG_TOKEN_URL\",service=\"$REG_TOKEN_SERVICE\"" \
	"$challenge" "challenge of GET /v2/"
curl -s -D cat.hdr -o /dev/null "$REG_URL/v2/_catalog" || true
expect_contains cat.hdr 'scope="registry:catalog:*"'
expect_ok curl -sS --fail -u alice:alice-Secret-1 \
	"$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=registry:catalog:*&scope=repository:x:pull,push&account=alice"
cp "$OUT" token.json
expect_jq token.json 'keys' '["access_token","expires_in","issued_at","token"]'
expect_jq token.json '.token == .access_token' true
expect_jq token.json .expires_in 300
TOKEN=$(jqr token.json .access_token)
# RS256, x5c = the certificate in the registry's rootcertbundle; the claims
/usr/bin/python3 - "$TOKEN" "$REG_TOKEN_CERT" >claims.json <<'EOF'
import base64, json, sys, jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
token, cert_path = sys.argv[1], sys.argv[2]
cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
header = jwt.get_unverified_header(token)
assert header["alg"] == "RS256", header
assert base64.b64decode(header["x5c"][0]) == cert.public_bytes(serialization.Encoding.DER)
claims = jwt.decode(token, cert.public_key(), algorithms=["RS256"], audience="wasmpack-test-registry")
json.dump(claims, sys.stdout)
EOF
expect_jq claims.json '[.iss, .sub, .aud]' '["wasmpack-test-issuer","alice","wasmpack-test-registry"]'
expect_jq claims.json '.access' \
	'[{"type":"registry","name":"catalog","actions":["*"]},{"type":"repository","name":"x","actions":["pull","push"]}]'
expect_jq claims.json '[has("exp"), has("nbf"), has("iat"), has("jti")]' '[true,true,true,true]'
expect_jq claims.json '.exp - .iat' 300
expect_eq 200 "$(http_code -H "Authorization: Bearer $TOKEN" "$REG_URL/v2/_catalog")" "catalog with the token"
expect_eq 404 "$(http_code -I -H "Authorization: Bearer $TOKEN" -H "$ACCEPT_OCI" \
	"$REG_URL/v2/x/manifests/v1")" "manifest HEAD before the push"
# wrong password / unknown user -> 401 from the token server
expect_eq 401 "$(http_code -u alice:wrong "$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=repository:x:pull")" \
	"token with a wrong password"
expect_eq 401 "$(http_code -u nobody:x "$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE")" "token for an unknown user"

# skopeo: alice pushes; bob (pull only) cannot push but pulls; anonymous pulls public/*
push "$REG_HOST/x:v1" --dest-tls-verify=false --dest-creds alice:alice-Secret-1
expect_status 0
push "$REG_HOST/public/x:v1" --dest-tls-verify=false --dest-creds alice:alice-Secret-1
expect_status 0
expect_eq 200 "$(http_code -I -H "Authorization: Bearer $TOKEN" -H "$ACCEPT_OCI" \
	"$REG_URL/v2/x/manifests/v1")" "manifest HEAD after the push"
push "$REG_HOST/bobs/x:v1" --dest-tls-verify=false --dest-creds bob:bob-Secret-2
expect_status 1
expect_contains "$ERR" "requested access to the resource is denied" "bob's push"
pull_check "$REG_HOST/x:v1" --src-tls-verify=false --src-creds bob:bob-Secret-2
run skopeo copy -q --src-tls-verify=false --src-creds bob:wrong "docker://$REG_HOST/x:v1" oci:nope:v1
expect_status 1
expect_contains "$ERR" "incorrect username or password" "skopeo with bob's wrong password"
pull_check "$REG_HOST/public/x:v1" --src-tls-verify=false --src-no-creds
run skopeo copy -q --src-tls-verify=false --src-no-creds "docker://$REG_HOST/x:v1" oci:nope:v1
expect_status 1
expect_contains "$ERR" "requested access to the resource is denied" "anonymous pull of x"
jq -c 'select(.user == "bob" and .status == 200) | .granted[].actions' "$REG_TOKEN_LOG" | sort -u >bob.txt
expect_eq '["pull"]' "$(cat bob.txt)" "bob's granted actions"

# OAuth2 POST: password grant with a refresh token, then the refresh_token grant
expect_ok curl -sS --fail -d grant_type=password -d username=alice -d password=alice-Secret-1 \
	-d service="$REG_TOKEN_SERVICE" -d client_id=wasmpack -d access_type=offline \
	--data-urlencode "scope=repository:x:pull repository:public/x:pull" "$REG_TOKEN_URL"
cp "$OUT" oauth.json
expect_jq oauth.json '[has("access_token"), has("refresh_token"), .expires_in]' '[true,true,300]'
REFRESH=$(jqr oauth.json .refresh_token)
expect_ok curl -sS --fail -d grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH" \
	-d service="$REG_TOKEN_SERVICE" -d client_id=wasmpack -d scope=repository:x:pull "$REG_TOKEN_URL"
cp "$OUT" refreshed.json
expect_eq 200 "$(http_code -I -H "Authorization: Bearer $(jqr refreshed.json .access_token)" \
	-H "$ACCEPT_OCI" "$REG_URL/v2/x/manifests/v1")" "manifest HEAD with a refreshed token"
expect_eq 401 "$(http_code -d grant_type=refresh_token -d refresh_token=bogus \
	-d service="$REG_TOKEN_SERVICE" "$REG_TOKEN_URL")" "refresh with an unknown token"
expect_eq 401 "$(http_code -d grant_type=password -d username=alice -d password=wrong \
	-d service="$REG_TOKEN_SERVICE" "$REG_TOKEN_URL")" "password grant, wrong password"
expect_ok curl -sS --fail -u bob:bob-Secret-2 \
	"$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=repository:x:pull&offline_token=true"
expect_jq "$OUT" 'has("refresh_token")' true
GET_REFRESH=$(jqr "$OUT" .refresh_token)
# the log has requests, never secrets
for secret in alice-Secret-1 bob-Secret-2 "$REFRESH" "$GET_REFRESH" "$TOKEN" eyJ; do
	! grep -qF -- "$secret" "$REG_TOKEN_LOG" || fail "the token log holds a secret (${secret:0:12}...)"
done
expect_contains "$REG_TOKEN_LOG" '"grant_type": "refresh_token"'

# a short-lived token really expires at the registry (2.8 allows 60 s of
# skew after exp: --exp-skew -60 cancels it); same signing key
token_server_start "$T/token/short" "$REG_TOKEN_USERS" --key "$T/token/token/token.key" \
	--cert "$T/token/token/token.crt" --service "$REG_TOKEN_SERVICE" \
	--issuer "$REG_TOKEN_ISSUER" --expires-in 2 --exp-skew -60
expect_ok curl -sS --fail -u alice:alice-Secret-1 "$TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=repository:x:pull"
SHORT=$(jqr "$OUT" .token)
expect_jq "$OUT" .expires_in 2
expect_eq 200 "$(http_code -I -H "Authorization: Bearer $SHORT" -H "$ACCEPT_OCI" \
	"$REG_URL/v2/x/manifests/v1")" "a fresh short-lived token"
sleep 3.1
curl -s -I -o /dev/null -D expired.hdr -H "Authorization: Bearer $SHORT" "$REG_URL/v2/x/manifests/v1" || true
expect_contains expired.hdr "HTTP/1.1 401"
expect_contains expired.hdr 'error="invalid_token"'
registry_stop "$T/token"

# tls+token: the token server speaks HTTPS too, with the registry's CA
registry_start tls+token "$T/tls-token" -u dave:dave-Secret-4 >/dev/null
expect_match '^https://127\.0\.0\.1:[0-9]+/token$' "$REG_TOKEN_URL" "REG_TOKEN_URL (tls+token)"
push "$REG_HOST/x:v1" --dest-cert-dir "$REG_CERT_DIR" --dest-creds dave:wrong
expect_status 1
expect_contains "$ERR" "incorrect username or password" "tls+token, wrong password"
push "$REG_HOST/x:v1" --dest-cert-dir "$REG_CERT_DIR" --dest-creds "$REG_USER:$REG_PASS"
expect_status 0
pull_check "$REG_HOST/x:v1" --src-cert-dir "$REG_CERT_DIR" --src-creds "$REG_USER:$REG_PASS"
registry_stop "$T/tls-token"

# === fault proxy (in front of the anonymous registry) =========================
fault_proxy_start "$T/proxy" "$ANON_URL" --seed 7 >/dev/null
expect_eq "http://$PROXY_HOST" "$PROXY_URL" "PROXY_URL"
BLOB_URL=$PROXY_URL/v2/x/blobs/$LAYER

# plain forwarding: a push goes through it entirely (Location rewritten)
push "$PROXY_HOST/y:v1" --dest-tls-verify=false
expect_status 0
pull_check "$ANON_HOST/y:v1" --src-tls-verify=false
jq -r 'select(.method == "PUT") | .path' "$PROXY_LOG" >puts.txt
expect_contains puts.txt "/v2/y/blobs/uploads/" "PUTs through the proxy"
expect_contains puts.txt "/v2/y/manifests/v1" "PUTs through the proxy"
curl -s -D loc.hdr -o /dev/null -X POST "$PROXY_URL/v2/y/blobs/uploads/" || true
expect_contains loc.hdr "Location: $PROXY_URL/v2/y/blobs/uploads/"
# keep-alive: curl sends both requests on one connection
expect_ok curl -sS --fail -o /dev/null -o /dev/null "$PROXY_URL/v2/" "$PROXY_URL/v2/y/tags/list"
expect_eq 1 "$(tail -n 2 "$PROXY_LOG" | jq -r .conn | sort -u | wc -l)" "connections for two requests"

# 503 for the first 2 requests, then success with curl's retries
expect_ok fault_proxy_set '{"fault": "status:503", "count": 2, "retry_after": "1"}'
expect_ok curl -sS --fail --retry 3 -o got.blob "$BLOB_URL"
expect_eq "$LAYER" "$(sha256_of got.blob)" "blob after two 503s"
tail -n 3 "$PROXY_LOG" | jq -c '[.fault, .status]' | tr '\n' ' ' >seq.txt
expect_eq '["status:503",503] ["status:503",503] [null,200] ' "$(cat seq.txt)" "503, 503, then 200"
fault_proxy_state "$PROXY_URL" >state.json
expect_jq state.json '.rules[0] | [.matched, .applied]' '[3,2]'
# no retries: the 503 is what the client gets, with its Retry-After
expect_ok fault_proxy_set '{"fault": "status:429", "count": 1, "retry_after": "http-date:5"}'
curl -s -D 429.hdr -o 429.body "$BLOB_URL" || true
expect_contains 429.hdr "HTTP/1.1 429"
expect_match '^Retry-After: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' \
	"$(grep '^Retry-After:' 429.hdr | tr -d '\r')" "Retry-After (HTTP-date)"
expect_contains 429.body "Too Many Requests"

# reset: no response at all; then mid-body
expect_ok fault_proxy_set '{"fault": "reset", "count": 1}'
run curl -sS -o /dev/null "$PROXY_URL/v2/"
[[ $STATUS == 56 || $STATUS == 52 ]] || fail "reset: curl exit $STATUS, expected 56 (or 52)"
expect_eq 200 "$(http_code "$PROXY_URL/v2/")" "after the reset"
expect_ok fault_proxy_set '{"fault": "reset", "after_bytes": 1000, "path": "/blobs/"}'
run curl -sS -o part.blob "$BLOB_URL"
[[ $STATUS == 56 || $STATUS == 18 ]] || fail "reset mid-body: curl exit $STATUS, expected 56 (or 18)"
expect_contains "$PROXY_LOG" '"fault": "reset@1000/'

# stall: curl gives up after --max-time
expect_ok fault_proxy_set '{"fault": "stall:20", "method": "GET", "path": "^/v2/$"}'
start=$(date +%s%N)
run curl -sS -o /dev/null --max-time 1 "$PROXY_URL/v2/"
expect_status 28
(($(date +%s%N) - start < 5000000000)) || fail "the stalled request took more than 5 s"
expect_eq 200 "$(http_code "$PROXY_URL/v2/y/tags/list")" "other paths during the stall rule"

# truncate: full Content-Length, half the body
expect_ok fault_proxy_set '{"fault": "truncate", "path": "/blobs/sha256:"}'
run curl -sS -o part.blob "$BLOB_URL"
expect_status 18
expect_contains "$ERR" "bytes remaining"

# wrong-digest: the body changes, the sha256 shows it; skopeo refuses it
expect_ok fault_proxy_set '{"fault": "wrong-digest"}'
expect_ok curl -sS --fail -o bad.blob "$BLOB_URL"
expect_eq "$(stat -c %s "$LAYER_FILE")" "$(stat -c %s bad.blob)" "size of the flipped blob"
expect_ne "$LAYER" "$(sha256_of bad.blob)" "digest of the flipped blob"
run skopeo copy -q --src-tls-verify=false "docker://$PROXY_HOST/x:v1" oci:bad:v1
expect_status 1
expect_contains "$ERR" "Digest did not match" "skopeo pulling a flipped blob"

# method + path filter: only the manifest PUT fails, the blob uploads pass
expect_ok fault_proxy_set '{"fault": "status:500", "method": "PUT", "path": "/manifests/"}'
push "$PROXY_HOST/z:v1" --dest-tls-verify=false
expect_status 1
expect_contains "$ERR" "500 Internal Server Error" "skopeo push with a failing manifest PUT"
jq -c 'select(.path | startswith("/v2/z/")) | select(.fault != null) | [.method, .fault]' "$PROXY_LOG" >z.txt
expect_eq '["PUT","status:500"]' "$(cat z.txt)" "faults applied to the z push"
expect_contains "$PROXY_LOG" '"method": "PATCH", "path": "/v2/z/blobs/uploads/'

# probability with a seed: the same pattern twice
pattern() {
	local i p=""
	expect_ok fault_proxy_set '{"fault": "status:503", "probability": 0.5, "path": "tags", "seed": 42}'
	for ((i = 0; i < 12; i++)); do p+="$(http_code "$PROXY_URL/v2/y/tags/list") "; done
	printf '%s' "$p"
}
p1=$(pattern)
p2=$(pattern)
expect_eq "$p1" "$p2" "seeded fault pattern"
expect_match '200' "$p1" "seeded pattern"
expect_match '503' "$p1" "seeded pattern"
expect_ok fault_proxy_clear
expect_jq <(fault_proxy_state "$PROXY_URL") '.rules' '[]'
# the log never holds Authorization values, only the scheme
expect_ok curl -sS -o /dev/null -H "Authorization: Bearer not-a-real-token-123" "$PROXY_URL/v2/"
expect_contains "$PROXY_LOG" '"auth": "Bearer"'
! grep -qF not-a-real-token-123 "$PROXY_LOG" || fail "the proxy log holds an Authorization value"
# a bad rule is refused
run curl -sS --fail -X POST -d '{"fault": "explode"}' "$PROXY_URL/__fault"
expect_status 22

# in front of a TLS registry
fault_proxy_start "$T/proxy-tls" "$TLS_URL" --upstream-ca "$TLS_CA" \
	--fault status:502 --count 1 >/dev/null
expect_eq 502 "$(http_code "$PROXY_URL/v2/")" "first request through the TLS proxy"
expect_eq 200 "$(http_code "$PROXY_URL/v2/")" "second request through the TLS proxy"
pull_check "$PROXY_HOST/x:v1" --src-tls-verify=false

# === docker-credential-test ===================================================
export PATH=$TOOLS:$PATH TEST_CREDENTIAL_STORE=$T/creds/store.json TEST_CREDENTIAL_LOG=$T/creds.log
mkdir -p "$T/creds"
run docker-credential-test get <<<"$BASIC_HOST"
expect_status 1
expect_eq "credentials not found in native keychain" "$(cat "$OUT")" "get of an unknown server"
printf '{"ServerURL":"%s","Username":"alice","Secret":"alice-Secret-1"}' "$BASIC_HOST" >cred.json
expect_ok docker-credential-test store <cred.json
expect_eq 600 "$(stat -c %a "$TEST_CREDENTIAL_STORE")" "mode of the credential store"
expect_ok docker-credential-test get <<<"$BASIC_HOST"
expect_jq "$OUT" . "{\"ServerURL\":\"$BASIC_HOST\",\"Username\":\"alice\",\"Secret\":\"alice-Secret-1\"}"
expect_ok docker-credential-test list
expect_jq "$OUT" . "{\"$BASIC_HOST\":\"alice\"}"
# skopeo finds it through credHelpers and pushes to the htpasswd registry
printf '{"credHelpers": {"%s": "test"}}\n' "$BASIC_HOST" >"$REGISTRY_AUTH_FILE"
push "$BASIC_HOST/helper:v1" --dest-tls-verify=false
expect_status 0
expect_contains "$T/creds.log" "get $BASIC_HOST"
! grep -qF alice-Secret-1 "$T/creds.log" || fail "the credential helper log holds a secret"
expect_ok docker-credential-test erase <<<"$BASIC_HOST"
run docker-credential-test erase <<<"$BASIC_HOST"
expect_status 1
expect_ok docker-credential-test list
expect_jq "$OUT" . '{}'
echo '{}' >"$REGISTRY_AUTH_FILE"

# === cleanup: nothing survives ================================================
registry_stop_all
expect_absent "$REG_PIDFILE"
sleep 0.2
if pgrep -f -- "$T/" >procs.txt; then
	fail "processes left behind: $(xargs <procs.txt)"
fi
