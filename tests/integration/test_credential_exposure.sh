#!/usr/bin/env bash
# Where credentials could leak besides wasmpack's own output (test_push_secrets.sh covers that):
# - processes: no execve of any child (strace -f) holds a secret in its argv or environment,
#   WASMPACK_PASSWORD included; a credential helper gets exactly one argument ("get", "store",
#   "erase") and the secret on stdin only;
# - core files: a wasmpack killed by SIGSEGV while it holds credentials leaves no core file;
# - config.json: written 0600 whatever the umask, other keys kept, a looser mode tightened, and
#   a write killed half-way (SIGXFSZ) leaves the old file as it was;
# - registry errors that echo the Authorization header, and --format json output.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

CONFIG_JSON=$DOCKER_CONFIG/config.json
PW=Secret-Expo-61f2
ENV_PW=Secret-EnvPw-8d0

expect_ok wp build "$HELLO" -t hello:v1 -o layout
registry_start htpasswd "$T/basic" -u "alice:$PW" >/dev/null
H=$REG_HOST
# registry.sh exports the password for its own helpers: nothing here needs it, and every process
# of this test would otherwise carry it
export -n REG_PASS

# --- a credential helper that records how it was run, then does the work
mkdir bin
cat >bin/docker-credential-rec <<'EOF'
#!/bin/sh
# one record per call: its arguments, then its environment, NUL-separated
{
	printf 'argc=%s' "$#"
	for a in "$@"; do printf ' arg=[%s]' "$a"; done
	printf '\n'
	env -0
	printf '\n--\n'
} >>"$REC_LOG"
# REC_KILL_PARENT=get: kill wasmpack (the parent) while it waits for the answer
if [ "${REC_KILL_PARENT:-}" = "$1" ]; then
	kill -SEGV "$PPID"
	exit 1
fi
exec docker-credential-test "$@"
EOF
chmod +x bin/docker-credential-rec
export PATH=$T/bin:$TOOLS:$PATH TEST_CREDENTIAL_STORE=$T/store.json REC_LOG=$T/rec.log
printf '{"credHelpers": {"%s": "rec"}}\n' "$H" >"$CONFIG_JSON"

# traced RUN_ARGS...: run with every execve of wasmpack and its children traced (full argv and
# environment) into trace/N.*
mkdir trace
TRACES=0
traced() {
	TRACES=$((TRACES + 1))
	# LeakSanitizer cannot work under ptrace: off for these runs of an ASan build
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -s 65536 -v -e trace=execve -e signal=none -o "$T/trace/$TRACES" "$@"
}

WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$PW traced "$WASMPACK" login --debug "$H"
expect_status 0
traced "$WASMPACK" push --debug layout "$H/a:v1"
expect_status 0
traced "$WASMPACK" pull --debug --format json "$H/a:v1" -o pulled
expect_status 0
# the environment's password, with a helper to run (credsStore): not passed on
printf '{"credsStore": "rec"}\n' >"$CONFIG_JSON"
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$PW traced "$WASMPACK" login --debug "$H"
expect_status 0
WASMPACK_USERNAME=alice WASMPACK_PASSWORD=$ENV_PW traced "$WASMPACK" login --debug "$H"
expect_error_line "refused"
traced "$WASMPACK" logout --debug "$H"
expect_status 0

# the traces are real: the helper ran for store, get and erase
grep -h 'execve(' trace/* >execve.txt
for action in store get erase; do
	grep -q "docker-credential-rec\", \[\"docker-credential-rec\", \"$action\"\]" execve.txt ||
		fail "no traced execve of \"docker-credential-rec $action\""
done
# every execve but wasmpack's own (which strace started with the test's environment)
grep -vF "execve(\"$WASMPACK\", " execve.txt >children.txt || true
expect_ne 0 "$(wc -l <children.txt)" "traced execve calls of children"
found=$(secrets_in trace "$PW" "$ENV_PW" "$(b64 "alice:$PW")" | grep -v eyJ || true)
grep -qF -e "$PW" -e "$ENV_PW" -e "$(b64 "alice:$PW")" children.txt &&
	fail "a secret in a child's execve: $(grep -F -e "$PW" -e "$ENV_PW" children.txt | cut -c1-200)"
grep -q 'WASMPACK_PASSWORD=' children.txt && fail "WASMPACK_PASSWORD reached a child"
[[ -n $found ]] || fail "the trace search found nothing, not even wasmpack's own environment"
# the helper's own record: one argument, no secret anywhere
grep -a '^argc=' rec.log | sort -u >rec.args
expect_eq $'argc=1 arg=[erase]\nargc=1 arg=[get]\nargc=1 arg=[store]' "$(cat rec.args)" \
	"the helper's arguments"
grep -qaF -e "$PW" -e "$ENV_PW" -e WASMPACK_PASSWORD rec.log && fail "a secret in the helper's argv or environment"

# --- no core file from a crash while holding credentials
printf '{"credHelpers": {"%s": "rec"}}\n' "$H" >"$CONFIG_JSON"
printf '%s' "$PW" | wp login "$H" -u alice --password-stdin >/dev/null 2>&1 || fail "login for the crash"
mkdir control crash
(cd control && ulimit -c unlimited && exec sh -c 'kill -SEGV $$') || true
status=0
# an ASan build must let the signal kill it, not report it and abort
(cd crash && ulimit -c unlimited && exec env REC_KILL_PARENT=get \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" "$WASMPACK" push "$T/layout" "$H/a:crash") \
	>crash.out 2>crash.err || status=$?
expect_eq 139 "$status" "status of the push killed by SIGSEGV ($(first_line crash.err))"
[[ $(grep -ac 'arg=\[get\]' rec.log) -ge 2 ]] || fail "the helper did not run for the crash"
if compgen -G 'control/core*' >/dev/null; then
	[[ -z $(ls crash) ]] || fail "the crash left files (a core?): $(ls crash)"
else
	note "a dumpable process left no core file either (core_pattern $(cat /proc/sys/kernel/core_pattern)): the core check checked nothing"
fi

# --- config.json: mode 0600 whatever the umask, everything else kept
rm -f "$CONFIG_JSON"
rmdir "$DOCKER_CONFIG"
(umask 000 && printf '%s' "$PW" | exec "$WASMPACK" login "$H" -u alice --password-stdin) \
	>/dev/null 2>login.err || fail "login with umask 000: $(first_line login.err)"
expect_eq 600 "$(stat -c %a "$CONFIG_JSON")" "config.json mode with umask 000"
expect_eq 700 "$(stat -c %a "$DOCKER_CONFIG")" "the directory made for it, with umask 000"
jq -n --arg other "other.example:5000" \
	'{psFormat: "table {{.ID}}", proxies: {default: {httpProxy: "http://p:3128"}},
	  auths: {($other): {auth: "b3RoZXI6b3RoZXI="}}, credHelpers: {"gcr.io": "gcloud"}}' >"$CONFIG_JSON"
chmod 644 "$CONFIG_JSON"
jq -S . "$CONFIG_JSON" >before.json
(umask 000 && printf '%s' "$PW" | exec "$WASMPACK" login "$H" -u alice --password-stdin) \
	>/dev/null 2>login.err || fail "login over a config with other keys: $(first_line login.err)"
expect_eq 600 "$(stat -c %a "$CONFIG_JSON")" "a 0644 config.json after login"
jq -S "del(.auths[\"$H\"])" "$CONFIG_JSON" >after.json
expect_same_file before.json after.json
expect_jq "$CONFIG_JSON" ".auths[\"$H\"].auth" "\"$(b64 "alice:$PW")\""
expect_eq "" "$(find "$DOCKER_CONFIG" -name '.config.json.tmp*')" "temporary files left"

# a write killed half-way (file size limit: SIGXFSZ) leaves the old file, and the temporary
# file it leaves behind is 0600
jq --arg pad "$(head -c 20000 /dev/zero | tr '\0' x)" '.padding = $pad' "$CONFIG_JSON" >big.json
cp big.json "$CONFIG_JSON"
chmod 600 "$CONFIG_JSON"
status=0
(ulimit -f 8 && printf '%s' "$PW" | exec "$WASMPACK" login "$H" -u alice --password-stdin) \
	>/dev/null 2>login.err || status=$?
expect_eq $((128 + 25)) "$status" "status of the login killed by SIGXFSZ while writing"
expect_same_file big.json "$CONFIG_JSON"
for f in "$DOCKER_CONFIG"/.config.json.tmp*; do
	[[ -e $f ]] || continue
	expect_eq 600 "$(stat -c %a "$f")" "mode of the interrupted temporary file"
done

# --- a registry that echoes the Authorization header in its errors
fault_proxy_start "$T/proxy" "$REG_URL" >/dev/null
P=$PROXY_HOST
body=$(jq -cn --arg b "$(b64 "alice:$PW")" --arg pw "$PW" \
	'{errors: [{code: "DENIED", message: ("bad request headers: Authorization: Basic " + $b + " (password " + $pw + ")")}]}')
expect_ok fault_proxy_set "$(jq -cn --arg body "$body" \
	'{fault: "status:403", method: "PUT", path: "/manifests/", body: $body, content_type: "application/json"}')"
printf '{}\n' >"$CONFIG_JSON"
run wp push --debug --username alice --password-stdin layout "$P/a:echo" <<<"$PW"
expect_status 1
grep '^wasmpack: push ' "$ERR" >echo.err || fail "no error line from: $LAST_CMD"
for s in "403: DENIED: bad request headers: Authorization: Basic ****" "(password ****"; do
	expect_contains echo.err "$s" "the error of a push to a registry echoing the header"
done
run wp push --debug --format json --username alice --password-stdin layout "$P/a:echo" <<<"$PW"
expect_status 1
expect_ok fault_proxy_clear

# --format json of login and logout
run wp login --debug --format json "$H" -u alice --password-stdin <<<"$PW"
expect_status 0
expect_jq "$OUT" .registry "\"$H\""
run wp push --debug --format json layout "$H/a:json"
expect_status 0
run wp logout --debug --format json "$H"
expect_status 0
expect_jq "$OUT" .removed true

keep_log rec.log
expect_no_secrets "$PW" "$ENV_PW" "$(b64 "alice:$PW")"
