#!/usr/bin/env bash
# No credential ever reaches wasmpack's output: every login, logout and push
# here runs with --debug (each request logged), on basic and token
# registries, succeeding and failing, with the password from stdin, -p, the
# environment, config.json, a credential helper (also a failing one), an
# identity token and a registry token, and a config.json broken next to a
# secret. Everything printed is searched for the passwords, the Basic
# values, the refresh token, the registry token and any JWT ("eyJ"). The
# search is checked first: it finds a secret planted on purpose.
# (The other test_push_*.sh end with the same check over their own output.)
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

CONFIG_JSON=$DOCKER_CONFIG/config.json
PW=Secret-Pw-93b1
BOB_PW=Secret-Bob-4d2
WRONG_PW=Secret-Wrong-77c

# --- the check itself finds what it looks for
mkdir planted
printf 'debug: > GET /v2/ Authorization: Basic %s\n' "$(b64 "alice:$PW")" >planted/a.err
printf 'token eyJhbGciOiJSUzI1NiJ9.x.y\n' >planted/b.out
printf 'nothing here\n' >planted/c.err
expect_eq "planted/a.err: $(b64 "alice:$PW" | cut -c1-6)..." "$(secrets_in planted "$(b64 "alice:$PW")" | grep -v eyJ)" \
	"the search for a Basic value"
expect_eq "planted/b.out: eyJ..." "$(secrets_in planted nothing-like-this)" "the search for a JWT"
rm -r planted

expect_ok wp build "$HELLO" -t hello:v1 -o layout
D=$(cat "$OUT")

# === token auth ===================================================================
cat >users.json <<EOF
{
 "alice": {"password": "$PW", "access": [{"name": "*", "actions": ["pull", "push"]}]},
 "bob": {"password": "$BOB_PW", "access": [{"name": "*", "actions": ["pull"]}]}
}
EOF
registry_start token "$T/token" --users users.json -u "alice:$PW" >/dev/null
H=$REG_HOST
run wp login --debug "$H" -u alice --password-stdin <<<"$WRONG_PW"
expect_error_line "refused"
run wp login --debug "$H" -u alice -p "$PW"
expect_status 0
expect_contains "$ERR" "prefer --password-stdin"
expect_ok wp push --debug layout "$H/a:v1"
expect_contains "$ERR" "(authorized)" "--debug output of a push with a token"
run wp push --debug --username bob --password-stdin layout "$H/b:v1" <<<"$BOB_PW"
expect_error_line "insufficient_scope"
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$WRONG_PW run wp push --debug layout "$H/a:wrong"
expect_error_line "refused"
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$PW expect_ok wp push --debug layout "$H/a:env"
# an identity token (refresh token), then a registry token, in config.json
curl -sS --fail -d grant_type=password -d username=alice --data-urlencode "password=$PW" \
	-d service="$REG_TOKEN_SERVICE" -d client_id=t -d access_type=offline "$REG_TOKEN_URL" \
	>oauth.json 2>curl.err || fail "OAuth2 password grant: $(first_line curl.err)"
REFRESH=$(jqr oauth.json .refresh_token)
[[ -n $REFRESH && $REFRESH != null ]] || fail "no refresh token"
jq -n --arg h "$H" --arg t "$REFRESH" '{auths: {($h): {identitytoken: $t}}}' >"$CONFIG_JSON"
expect_ok wp push --debug layout "$H/a:identity"
jq -n --arg h "$H" '{auths: {($h): {identitytoken: "Secret-Bogus-Refresh"}}}' >"$CONFIG_JSON"
run wp push --debug layout "$H/a:bogus-identity"
expect_error_line "$H"
curl -sS --fail -u "alice:$PW" "$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=repository:a:pull,push" \
	>token.json 2>curl.err || fail "token request: $(first_line curl.err)"
REGTOKEN=$(jqr token.json .token)
jq -n --arg h "$H" --arg t "$REGTOKEN" '{auths: {($h): {registrytoken: $t}}}' >"$CONFIG_JSON"
expect_ok wp push --debug layout "$H/a:registrytoken"
expect_registry_digest a registrytoken "$D"
rm "$CONFIG_JSON"
expect_ok wp logout --debug "$H"

# === htpasswd ===================================================================
registry_start htpasswd "$T/basic" -u "alice:$PW" >/dev/null
H2=$REG_HOST
run wp login --debug "$H2" -u alice --password-stdin <<<"$WRONG_PW"
expect_error_line "refused"
expect_ok wp login --debug "$H2" -u alice --password-stdin <<<"$PW"
expect_ok wp push --debug --chunk-size 20000 layout "$H2/a:v1"
expect_contains "$ERR" "> PATCH " "--debug output of a chunked push"
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$WRONG_PW run wp push --debug layout "$H2/a:wrong"
expect_error_line "refused"
# config.json broken right after a secret: the error names the file only
printf '{"auths": {"%s": {"auth": "%s"}}, oops}' "$H2" "$(b64 "alice:$PW")" >"$CONFIG_JSON"
run wp push --debug layout "$H2/a:broken"
expect_error_line "$CONFIG_JSON"
# an auth value that is not base64 of user:password
printf '{"auths": {"%s": {"auth": "%s"}}}' "$H2" "$(b64 "$PW")" >"$CONFIG_JSON"
run wp push --debug layout "$H2/a:malformed"
expect_status 1
rm "$CONFIG_JSON"

# --- a credential helper: stored, used, failing, erased
export PATH=$TOOLS:$PATH TEST_CREDENTIAL_STORE=$T/store.json
printf '{"credHelpers": {"%s": "test"}}\n' "$H2" >"$CONFIG_JSON"
expect_ok wp login --debug "$H2" -u alice --password-stdin <<<"$PW"
expect_ok wp push --debug layout "$H2/a:helper"
TEST_CREDENTIAL_FAIL='get' run wp push --debug layout "$H2/a:helper-fails"
expect_error_line "docker-credential-test"
expect_ok wp logout --debug "$H2"

# the archived output is real: requests were logged, with credentials sent
expect_ne 0 "$(cat "$LOGS"/*.err | grep -c '^wasmpack: debug: > PUT .* (authorized)$')" "authorized PUTs logged"
expect_ne 0 "$(cat "$LOGS"/*.err | grep -c '^wasmpack: debug: > POST .*/token')" "OAuth2 POSTs logged"
expect_no_secrets "$PW" "$BOB_PW" "$WRONG_PW" "$REFRESH" "$REGTOKEN" Secret-Bogus-Refresh \
	"$(b64 "alice:$PW")" "$(b64 "bob:$BOB_PW")" "$(b64 "alice:$WRONG_PW")" "$(b64 "$PW")"
