#!/usr/bin/env bash
# Registries that want credentials, with wasmpack login/logout and push:
# - htpasswd (HTTP Basic): login stores config.json (0600, auths), push uses
#   it; wrong passwords fail clearly at login (nothing stored) and at push
#   (no tag); --username/--password-stdin; logout; anonymous pushes say to
#   run "wasmpack login HOST".
# - token auth (the Docker Hub / ghcr.io flow): a pushing user, a pull-only
#   user (denied: insufficient scope, no tag), anonymous; short-lived tokens
#   that expire mid-push (renewed, and re-authenticated after a 401, again
#   when the renewed token dies in transit too); an
#   identitytoken (refresh token) in config.json.
# - a credential helper (credHelpers -> docker-credential-test): push gets
#   the credentials from it, login stores into it, logout erases from it.
# No output holds a password, a Basic value, a refresh token or a JWT.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

CONFIG_JSON=$DOCKER_CONFIG/config.json
ALICE_PW=Alice-Secret-7f3
BOB_PW=Bob-Secret-2c9
WRONG_PW=Wrong-Secret-81d

expect_ok wp build "$HELLO" -t hello:v1 -o layout
D=$(cat "$OUT")
SECRETS=("$ALICE_PW" "$BOB_PW" "$WRONG_PW" "$(b64 "alice:$ALICE_PW")" "$(b64 "bob:$BOB_PW")"
	"$(b64 "alice:$WRONG_PW")")

# auths_entry HOST: config.json's auths[HOST], compact ("null" when absent).
auths_entry() {
	if [[ -f $CONFIG_JSON ]]; then jq -c --arg h "$1" '.auths[$h]' "$CONFIG_JSON"; else echo null; fi
}

# === htpasswd ===================================================================
registry_start htpasswd "$T/basic" -u "alice:$ALICE_PW" >/dev/null
H=$REG_HOST

# anonymous: refused, with the way out
expect_fail 1 "needs credentials" "run \"wasmpack login $H\"" -- wp push layout "$H/anon:v1"
expect_no_tag anon v1

# login with a wrong password: one clear line, nothing stored
expect_fail 1 "refused the credentials" "$H" -- wp login "$H" -u alice --password-stdin <<<"$WRONG_PW"
expect_absent "$CONFIG_JSON"
# login: config.json (0600) gets auths[HOST].auth = base64(user:password)
expect_ok wp login --debug "$H" -u alice --password-stdin <<<"$ALICE_PW"
expect_eq "Login Succeeded" "$(cat "$OUT")" "login stdout"
expect_file "$CONFIG_JSON"
expect_eq 600 "$(stat -c %a "$CONFIG_JSON")" "mode of config.json"
expect_eq "{\"auth\":\"$(b64 "alice:$ALICE_PW")\"}" "$(auths_entry "$H")" "auths entry"

# push with the stored credentials
expect_ok wp push --debug layout "$H/app:v1"
expect_refs_on_stdout "$D" "$H/app:v1"
expect_contains "$ERR" "credentials for $H from $CONFIG_JSON" "push --debug"
expect_registry_digest app v1 "$D"

# wrong credentials from the environment win over the stored ones: refused,
# and no tag appears
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$WRONG_PW \
	expect_fail 1 "refused the credentials" "$H" -- wp push layout "$H/app:wrong"
expect_no_tag app wrong
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$WRONG_PW run wp push --debug layout "$H/app:wrong"
expect_error_line "refused the credentials"
expect_no_tag app wrong
# right ones from the environment
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$ALICE_PW expect_ok wp push --debug layout "$H/app:env"
expect_refs_on_stdout "$D" "$H/app:env"

# logout removes the entry; then anonymous again
expect_ok wp logout "$H"
expect_eq null "$(auths_entry "$H")" "auths entry after logout"
expect_ok wp logout "$H"
expect_contains "$ERR" "not logged in"
expect_fail 1 "run \"wasmpack login $H\"" -- wp push layout "$H/app:after-logout"
expect_no_tag app after-logout

# --username/--password-stdin on push: for this command only
expect_ok wp push --debug --username alice --password-stdin layout "$H/app:stdin" <<<"$ALICE_PW"
expect_refs_on_stdout "$D" "$H/app:stdin"
expect_registry_digest app stdin "$D"
expect_eq null "$(auths_entry "$H")" "auths entry after a push with --password-stdin"
expect_fail 1 "refused the credentials" -- \
	wp push --username alice --password-stdin layout "$H/app:stdin-wrong" <<<"$WRONG_PW"
expect_no_tag app stdin-wrong

# === credential helper ==========================================================
export PATH=$TOOLS:$PATH TEST_CREDENTIAL_STORE=$T/helper/store.json TEST_CREDENTIAL_LOG=$T/helper.log
mkdir -p "$T/helper"
printf '{"credHelpers": {"%s": "test"}}\n' "$H" >"$CONFIG_JSON"
printf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}' "$H" "$ALICE_PW" >cred.json
expect_ok docker-credential-test store <cred.json
rm cred.json
# push: the helper's credentials
expect_ok wp push --debug layout "$H/helper:v1"
expect_refs_on_stdout "$D" "$H/helper:v1"
expect_contains "$T/helper.log" "get $H"
expect_registry_digest helper v1 "$D"
# login stores through the helper, nothing in config.json
expect_ok docker-credential-test erase <<<"$H"
expect_ok wp login "$H" -u alice --password-stdin <<<"$ALICE_PW"
expect_contains "$T/helper.log" "store $H"
expect_jq "$TEST_CREDENTIAL_STORE" ".[\"$H\"]" "{\"Secret\":\"$ALICE_PW\",\"Username\":\"alice\"}"
expect_jq "$CONFIG_JSON" . "{\"credHelpers\":{\"$H\":\"test\"}}"
expect_ok wp push --debug layout "$H/helper:v2"
expect_refs_on_stdout "$D" "$H/helper:v2"
# a wrong password is not stored
expect_fail 1 "refused the credentials" -- wp login "$H" -u alice --password-stdin <<<"$WRONG_PW"
expect_jq "$TEST_CREDENTIAL_STORE" ".[\"$H\"].Secret" "\"$ALICE_PW\""
# logout erases through the helper
expect_ok wp logout "$H"
expect_contains "$T/helper.log" "erase $H"
expect_jq "$TEST_CREDENTIAL_STORE" "has(\"$H\")" false
expect_fail 1 "run \"wasmpack login $H\"" -- wp push layout "$H/helper:v3"
expect_no_tag helper v3
! grep -qF -- "$ALICE_PW" "$T/helper.log" || fail "the helper log holds the password"
rm "$CONFIG_JSON"
registry_stop "$T/basic"

# === token auth =================================================================
cat >users.json <<EOF
{
 "alice": {"password": "$ALICE_PW", "access": [{"name": "*", "actions": ["pull", "push", "delete"]}]},
 "bob": {"password": "$BOB_PW", "access": [{"name": "*", "actions": ["pull"]}]}
}
EOF
registry_start token "$T/token" --users users.json -u "alice:$ALICE_PW" >/dev/null
H=$REG_HOST

# anonymous: refused (the anonymous token grants nothing), with the way out
expect_fail 1 "needs credentials" "run \"wasmpack login $H\"" -- wp push layout "$H/anon:v1"
expect_no_tag anon v1
# a wrong password: the token server refuses it
expect_fail 1 "refused the credentials" "token server answered 401" -- \
	wp login "$H" -u alice --password-stdin <<<"$WRONG_PW"
expect_absent "$CONFIG_JSON"
expect_fail 1 "refused the credentials" -- wp push --username alice --password-stdin layout "$H/app:v1" \
	<<<"$WRONG_PW"
expect_no_tag app v1

# login + push as alice (push rights)
expect_ok wp login --debug "$H" -u alice --password-stdin <<<"$ALICE_PW"
expect_eq "{\"auth\":\"$(b64 "alice:$ALICE_PW")\"}" "$(auths_entry "$H")" "auths entry (token registry)"
expect_ok wp push --debug layout "$H/app:v1"
expect_refs_on_stdout "$D" "$H/app:v1"
expect_registry_digest app v1 "$D"
expect_eq '["pull","push"]' \
	"$(jq -c 'select(.user == "alice" and .status == 200 and (.scopes | index("repository:app:pull,push"))) | .granted[0].actions' \
		"$REG_TOKEN_LOG" | sort -u)" "what alice's tokens granted for app"

# bob may pull but not push: denied for lack of scope, no tag
expect_fail 1 "denied" "insufficient_scope" "\"repository:bobs:" -- \
	wp push --username bob --password-stdin layout "$H/bobs:v1" <<<"$BOB_PW"
expect_no_tag bobs v1
# (to an existing repository: the blobs are there, the manifest is refused;
# -q: no progress lines about those blobs before the error)
expect_fail 1 "denied" "insufficient_scope" "manifest upload" -- \
	wp push -q --username bob --password-stdin layout "$H/app:by-bob" <<<"$BOB_PW"
expect_no_tag app by-bob
expect_eq 200 "$(manifest_status app v1)" "app:v1 after bob's attempts"

# an identity token (refresh token) in config.json, no password: the
# OAuth2 refresh_token grant
# (not with run: its archived output would hold the refresh token)
curl -sS --fail -d grant_type=password -d username=alice --data-urlencode "password=$ALICE_PW" \
	-d service="$REG_TOKEN_SERVICE" -d client_id=wasmpack-test -d offline_token=true \
	"$REG_TOKEN_URL" >oauth.json 2>oauth.err || fail "OAuth2 password grant: $(first_line oauth.err)"
REFRESH=$(jqr oauth.json .refresh_token)
[[ -n $REFRESH && $REFRESH != null ]] || fail "the token server issued no refresh token"
SECRETS+=("$REFRESH")
jq -n --arg h "$H" --arg t "$REFRESH" '{auths: {($h): {identitytoken: $t}}}' >"$CONFIG_JSON"
chmod 600 "$CONFIG_JSON"
before=$(wc -l <"$REG_TOKEN_LOG")
expect_ok wp push --debug layout "$H/app:identity"
expect_refs_on_stdout "$D" "$H/app:identity"
tail -n +"$((before + 1))" "$REG_TOKEN_LOG" >identity-tokens.log
expect_registry_digest app identity "$D"
expect_jq <(jq -s -c '[.[] | select(.grant_type == "refresh_token" and .status == 200)] | length > 0' \
	identity-tokens.log) . true
expect_eq "" "$(jq -c 'select(.method == "GET")' identity-tokens.log)" "GET token requests with an identity token"
rm "$CONFIG_JSON"
registry_stop "$T/token"

# === tokens that expire mid-push ================================================
# 2 s tokens that really die at the registry (--exp-skew -60 cancels its
# 60 s leeway); every blob PUT takes 0.8 s through the proxy and the first
# request 2.5 s, so its token is dead on arrival (401, re-authentication)
# and the push outlives several tokens (renewals).
registry_start token "$T/short" -u "alice:$ALICE_PW" --token-arg --expires-in --token-arg 2 \
	--token-arg --exp-skew --token-arg -60 >/dev/null
fault_proxy_start "$T/short-proxy" "$REG_URL" --rules \
	'[{"fault": "delay:2.5", "method": "HEAD", "path": "/manifests/", "count": 1},
	  {"fault": "delay:0.8", "method": "PUT", "path": "/blobs/uploads/"}]' >/dev/null
MD=$(make_layout many 3 20000 v1)
mark=$(log_mark)
timed wp push --debug --jobs 1 --username alice --password-stdin many "$PROXY_HOST/slow:v1" <<<"$ALICE_PW"
expect_status 0
expect_refs_on_stdout "$MD" "$PROXY_HOST/slow:v1"
expect_took_between 5000 30000 "the slow push"
expect_registry_digest slow v1 "$MD"
pull_compare "$REG_HOST/slow:v1" many --src-tls-verify=false --src-creds "alice:$ALICE_PW"
# the delayed HEAD got a 401 (dead token), and was answered after a new token
expect_eq "HEAD /v2/slow/manifests/v1 401" "$(access_lines "$mark" '^HEAD /v2/slow/manifests/v1 ' | sed -n 1p)" \
	"the first (delayed) request"
expect_eq "HEAD /v2/slow/manifests/v1 404" "$(access_lines "$mark" '^HEAD /v2/slow/manifests/v1 ' | sed -n 2p)" \
	"the request after re-authentication"
tokens=$(jq -c 'select(.user == "alice" and .status == 200 and (.scopes | index("repository:slow:pull,push")))' \
	"$REG_TOKEN_LOG" | wc -l)
((tokens >= 3)) || fail "only $tokens tokens for a push that outlived several: no renewal"
# the renewed token dies in transit too (the start of an upload held twice):
# renewed again, not taken for refused credentials (it was: one renewal a
# request)
fault_proxy_set '{"fault": "delay:2.5", "method": "POST", "path": "/blobs/uploads/", "count": 2}'
mark=$(log_mark)
run wp push -q --jobs 1 --username alice --password-stdin many "$PROXY_HOST/slow2:v1" <<<"$ALICE_PW"
expect_status 0
expect_registry_digest slow2 v1 "$MD"
expect_eq 2 "$(access_lines "$mark" '^POST /v2/slow2/blobs/uploads/ 401$' | wc -l)" \
	"upload starts that met a dead token"

expect_no_secrets "${SECRETS[@]}"
