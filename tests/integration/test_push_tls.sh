#!/usr/bin/env bash
# Registries on HTTPS with a private test CA: refused without --ca-cert (one
# line naming --ca-cert, nothing pushed), pushed with --ca-cert (also as
# localhost, and with build --push) or --insecure; another CA is refused;
# login over TLS (basic and token auth, the token server on HTTPS too).
# Under a name that is not loopback (0.0.0.0), neither a TLS registry nor a
# plain-HTTP one is used without --insecure (or --plain-http).
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

CONFIG_JSON=$DOCKER_CONFIG/config.json
PW=Tls-Secret-5e1
WRONG_PW=Tls-Wrong-0a4

expect_ok wp build "$HELLO" -t hello:v1 -o layout
D=$(cat "$OUT")

# === tls, anonymous ===========================================================
registry_start tls "$T/tls" >/dev/null
H=$REG_HOST CA=$REG_CA
expect_match '^https://' "$REG_URL" "REG_URL"
mark=$(log_mark)
expect_fail 1 "--ca-cert" "$H" -- wp push layout "$H/app:v1"
expect_fail 1 "--ca-cert" -- wp push --retries 0 layout "$H/app:v1"
expect_eq "" "$(access_lines "$mark" '^(POST|PUT|PATCH|HEAD) ')" "requests past the refused handshake"
expect_no_tag app v1
expect_ok wp push --debug --ca-cert "$CA" layout "$H/app:v1"
expect_refs_on_stdout "$D" "$H/app:v1"
expect_contains "$ERR" "> PUT https://$H/v2/app/manifests/v1" "--debug output"
expect_registry_digest app v1 "$D"
pull_compare "$H/app:v1" layout --src-cert-dir "$REG_CERT_DIR"
# the certificate names localhost too
expect_ok wp push --debug --ca-cert "$CA" layout "localhost:$REG_PORT/app:localhost"
expect_refs_on_stdout "$D" "localhost:$REG_PORT/app:localhost"
expect_registry_digest app localhost "$D"
# --insecure: no verification
expect_ok wp push --debug --insecure layout "$H/app:insecure"
expect_refs_on_stdout "$D" "$H/app:insecure"
expect_registry_digest app insecure "$D"
# build --push with the CA
expect_ok wp build --debug "$HELLO" -t "$H/built:v1" --push --ca-cert "$CA" -o built
expect_eq "$(printf '%s\n%s@%s' "$D" "$H/built:v1" "$D")" "$(cat "$OUT")" "stdout of build --push"
expect_registry_digest built v1 "$D"
# a name wasmpack does not take for loopback (0.0.0.0 reaches the same
# listener): no plain-HTTP fallback, the certificate and the host name are
# both checked (the CA alone is not enough: the certificate does not name
# 0.0.0.0); only --insecure relaxes it
N=0.0.0.0:$REG_PORT
mark=$(log_mark)
expect_fail 1 "registry \"$N\"" "--ca-cert" "certificate" -- wp push --retries 0 layout "$N/app:far"
expect_fail 1 "registry \"$N\"" "0.0.0.0" -- wp push --retries 0 --ca-cert "$CA" layout "$N/app:far"
expect_eq "" "$(access_lines "$mark" '^(POST|PUT|PATCH|HEAD|GET) ')" "requests past the refused handshakes"
expect_ok wp push --insecure layout "$N/app:far"
expect_refs_on_stdout "$D" "$N/app:far"
expect_registry_digest app far "$D"
# --ca-cert that does not exist: a usage error
run wp push --ca-cert "$T/no-such-ca.pem" layout "$H/app:v2"
expect_status 2
expect_contains "$ERR" "no-such-ca.pem"

# === tls+htpasswd: login over TLS ==============================================
registry_start tls+htpasswd "$T/tls-basic" -u "erin:$PW" >/dev/null
H2=$REG_HOST
# a CA, but not this registry's: refused like none
expect_fail 1 "--ca-cert" -- wp push --ca-cert "$CA" layout "$H2/app:v1"
expect_fail 1 "--ca-cert" "$H2" -- wp login "$H2" -u erin --password-stdin <<<"$PW"
expect_absent "$CONFIG_JSON"
expect_fail 1 "refused the credentials" -- wp login --ca-cert "$REG_CA" "$H2" -u erin --password-stdin \
	<<<"$WRONG_PW"
expect_absent "$CONFIG_JSON"
expect_ok wp login --debug --ca-cert "$REG_CA" "$H2" -u erin --password-stdin <<<"$PW"
expect_eq "Login Succeeded" "$(cat "$OUT")" "login stdout"
expect_eq 600 "$(stat -c %a "$CONFIG_JSON")" "mode of config.json"
expect_jq "$CONFIG_JSON" ".auths[\"$H2\"]" "{\"auth\":\"$(b64 "erin:$PW")\"}"
expect_ok wp push --debug --ca-cert "$REG_CA" layout "$H2/app:v1"
expect_refs_on_stdout "$D" "$H2/app:v1"
expect_registry_digest app v1 "$D"
expect_ok wp logout "$H2"
expect_jq "$CONFIG_JSON" ".auths | has(\"$H2\")" false
expect_fail 1 "wasmpack login $H2" -- wp push --ca-cert "$REG_CA" layout "$H2/app:v2"
expect_no_tag app v2
registry_stop "$T/tls-basic"

# === tls+token: the token server on HTTPS as well ===============================
registry_start tls+token "$T/tls-token" -u "frank:$PW" >/dev/null
H3=$REG_HOST
expect_match '^https://' "$REG_TOKEN_URL" "REG_TOKEN_URL"
expect_fail 1 "refused the credentials" -- wp login --ca-cert "$REG_CA" "$H3" -u frank --password-stdin \
	<<<"$WRONG_PW"
expect_ok wp login --debug --ca-cert "$REG_CA" "$H3" -u frank --password-stdin <<<"$PW"
expect_ok wp push --debug --ca-cert "$REG_CA" layout "$H3/app:v1"
expect_refs_on_stdout "$D" "$H3/app:v1"
expect_contains "$ERR" "> GET $REG_TOKEN_URL?" "token request over HTTPS"
expect_registry_digest app v1 "$D"
pull_compare "$H3/app:v1" layout --src-cert-dir "$REG_CERT_DIR" --src-creds "frank:$PW"

# === plain HTTP under a non-loopback name: only with --insecure or --plain-http ===
registry_start anonymous "$T/plain" >/dev/null
N=0.0.0.0:$REG_PORT
mark=$(log_mark)
expect_fail 1 "registry \"$N\"" "--insecure" -- wp push --retries 0 layout "$N/app:v1"
expect_eq "" "$(access_lines "$mark" '^(POST|PUT|PATCH|HEAD|GET) ')" "plain-HTTP requests without --insecure"
expect_ok wp push --insecure layout "$N/app:v1"
expect_refs_on_stdout "$D" "$N/app:v1"
expect_ok wp push --plain-http layout "$N/app:v2"
expect_refs_on_stdout "$D" "$N/app:v2"
expect_registry_digest app v2 "$D"

expect_no_secrets "$PW" "$WRONG_PW" "$(b64 "erin:$PW")" "$(b64 "frank:$PW")" "$(b64 "erin:$WRONG_PW")" \
	"$(b64 "frank:$WRONG_PW")"
