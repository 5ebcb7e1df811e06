# shellcheck shell=bash
# Real registries for the registry-client integration tests: a bash library,
# to be sourced (bash 5; written for callers running `set -euo pipefail`, it
# does not change the caller's shell options).
#
#   . "$ROOT/tests/tools/registry.sh"
#   registry_install_trap              # stop everything on EXIT/INT/TERM/HUP
#   registry_start anonymous "$T/reg"  # -> REG_HOST=127.0.0.1:PORT, REG_URL, ...
#   skopeo copy --dest-tls-verify=false oci:layout:v1 "docker://$REG_HOST/x:v1"
#   registry_stop "$T/reg"             # or leave it to the trap
#
# registry_start MODE DIR [OPTIONS]
#   Starts the CNCF distribution registry (/usr/bin/docker-registry, 2.8) on
#   127.0.0.1 and a free random port, with its config, storage, log and
#   credentials under DIR (created; one registry per DIR), waits until
#   `GET /v2/` answers (200 or 401) from this very registry (every response
#   carries a per-instance `X-Wasmpack-Test-Registry` header; a port taken
#   meanwhile is retried with another, 5 times), prints REG_URL on stdout and
#   exports the REG_* variables below (also written to DIR/registry.env,
#   which `registry_use DIR` sources again to switch between registries).
#   DIR holds: config.yml, storage/, registry.log, registry.env, htpasswd,
#   token-users.json, tls/ (ca.crt ca.key server.crt server.key certs.d/),
#   token/ (token.key token.crt token.log token.out), .http-secret.
#   MODE, words joined by "+":
#     anonymous       no auth, plain HTTP
#     htpasswd        HTTP Basic, bcrypt htpasswd file (htpasswd -Bbn)
#     token           Docker token auth: starts tests/tools/token_server.py
#                     (on its own free port) and points auth.token
#                     realm/service/issuer/rootcertbundle at it
#     tls             HTTPS, certificate for IP:127.0.0.1 and DNS:localhost
#                     signed by a CA made in DIR/tls (openssl, EC P-256)
#     tls+htpasswd, tls+token (the token server then speaks HTTPS too, with
#                     the same CA), tls+anonymous (= tls)
#   OPTIONS
#     -u USER:PASS    a user (repeatable). htpasswd: one htpasswd line each;
#                     token without --users: full access (pull, push, delete
#                     on every repository, and the catalog). Default
#                     testuser:testpass. The first one is REG_USER/REG_PASS.
#     --users FILE    token mode: the token server's users file (see
#                     token_server.py; re-read on every token request, so a
#                     test may rewrite it while the registry runs). -u then
#                     only sets REG_USER/REG_PASS.
#     --token-arg ARG pass ARG to token_server.py (repeatable), e.g.
#                     --token-arg --expires-in --token-arg 2
#     --port N        this port instead of a free one (e.g. to restart a
#                     stopped registry where clients expect it: same DIR,
#                     same storage and http.secret, so upload URLs survive);
#                     no retry when it is taken.
#     --env NAME=VAL  an environment variable for the registry, e.g.
#                     --env REGISTRY_HTTP_RELATIVEURLS=true (distribution maps
#                     REGISTRY_<SECTION>_<KEY> onto its config). Every other
#                     REGISTRY_* variable of the caller is removed from the
#                     registry's environment (REGISTRY_AUTH_FILE, used by
#                     skopeo, would otherwise be read as config).
#   Exported (empty when not applicable):
#     REG_MODE REG_DIR REG_HOST (127.0.0.1:PORT, for image references)
#     REG_PORT REG_URL (http[s]://127.0.0.1:PORT) REG_LOG (the registry's log)
#     REG_CONFIG REG_STORAGE REG_USER REG_PASS REG_HTPASSWD
#     REG_CA (CA certificate, tls) REG_CERT_DIR (a directory holding only
#     ca.crt: skopeo --dest-cert-dir/--src-cert-dir)
#     REG_TOKEN_URL (the realm, .../token) REG_TOKEN_SERVICE REG_TOKEN_ISSUER
#     REG_TOKEN_USERS REG_TOKEN_LOG REG_TOKEN_CERT (the signing certificate)
#   Registry log level: warn plus the access log (one line a request), all in
#   DIR/registry.log; REG_LOG_LEVEL=info|debug for more. On a failed start the
#   log's tail is printed on stderr and the function returns 1.
#
# registry_stop DIR          stops the processes started for DIR (or under it):
#                            its registry and token server (or proxy).
# registry_stop_all          stops every process this library started (the
#                            registries, token servers, fault proxies).
# registry_install_trap      chains registry_stop_all in front of the current
#                            EXIT trap and makes INT/TERM/HUP exit through it.
# registry_use DIR           re-exports the REG_* of DIR's registry.
#
# token_server_start DIR USERS_FILE [token_server.py options...]
#   The token server alone (registry_start token uses it): signing key and
#   certificate in DIR (token.key, token.crt), log DIR/token.log. Exports
#   TOKEN_URL (http://127.0.0.1:PORT/token), TOKEN_PORT, TOKEN_LOG,
#   TOKEN_CERT. Options are token_server.py's (--service, --issuer,
#   --expires-in, --tls-cert/--tls-key, ...).
#
# fault_proxy_start DIR UPSTREAM_URL [fault_proxy.py options...]
#   Starts tests/tools/fault_proxy.py in front of UPSTREAM_URL (for a TLS
#   registry pass --upstream-ca "$REG_CA"); exports PROXY_DIR, PROXY_PORT,
#   PROXY_HOST (127.0.0.1:PORT), PROXY_URL (http://..., https:// with
#   --tls-cert/--tls-key), PROXY_LOG (DIR/proxy.log, JSON lines). Prints
#   PROXY_URL. Faults at start: fault_proxy.py's --fault/--count/... or
#   --rules; later: fault_proxy_set.
# hostile_registry_start DIR UPSTREAM_URL [--tls] [hostile_registry.py options...]
#   Starts tests/tools/hostile_registry.py in front of UPSTREAM_URL (plain
#   HTTP): a main port (HTTPS with --tls, its certificate from a fresh test
#   CA in DIR/tls, naming IP:0.0.0.0 too) and a "storage" port that redirects may point at.
#   Exports HOSTILE_DIR, HOSTILE_PORT, HOSTILE_STORAGE_PORT, HOSTILE_HOST
#   (127.0.0.1:PORT), HOSTILE_URL, HOSTILE_LOG (DIR/hostile.log, JSON
#   lines), HOSTILE_CA (with --tls). Prints HOSTILE_URL.
# hostile_registry_mode JSON [URL]  sets its mode (see hostile_registry.py).
# fault_proxy_set JSON [URL] POSTs JSON to URL/__fault (default $PROXY_URL);
#                            replaces the rules, e.g.
#                            fault_proxy_set '{"fault":"status:503","count":2}'
# fault_proxy_clear [URL]    no faults.
# fault_proxy_state [URL]    prints the rules with their counters (JSON).
# fault_proxy_stop DIR       stops the proxy of DIR.
#
# Processes: each one is recorded in $REG_PIDFILE (default
# ${TMPDIR:-/tmp}/registry-tools.<shell pid>.pids; "PID STARTTIME KIND DIR"
# lines) and stopped from it (SIGTERM, then SIGKILL after 3 s; the start time
# guards against a recycled pid). Each is also started with
# PR_SET_PDEATHSIG=SIGKILL, so it dies with the shell that started it even
# when that shell is SIGKILLed and no trap runs. Hence: call the *_start
# functions from the test's main shell, never inside $(...) or a pipeline
# (they refuse to run in a subshell).
#
# What distribution 2.8 does that client tests trip on:
# - GET/HEAD of an OCI manifest (even by digest) answers 404 MANIFEST_UNKNOWN
#   unless Accept names application/vnd.oci.image.manifest.v1+json.
# - TLS modes speak HTTP/2 to curl/libcurl (ALPN): header names arrive in
#   lower case. Through fault_proxy.py it is HTTP/1.1.
# - Token auth: GET /v2/ challenges without a scope; insufficient scope is a
#   401 (not 403) with error="insufficient_scope"; an expired or bad token
#   is a 401 with error="invalid_token"; `exp` is accepted for 60 s more.
#   With ?mount=&from= the challenge's scope holds two space-separated
#   scopes.
# - Uploads: POST answers 202, an absolute Location and `Range: 0-0`; PATCH
#   ignores Content-Range (appends; never 416); a stale Location (an older
#   _state) is 404 BLOB_UPLOAD_INVALID/UNKNOWN; a wrong ?digest= is 400
#   DIGEST_INVALID; no OCI-Chunk-Min-Length. Mount: 201 + Location.
# - Manifest PUT: 201 + Docker-Content-Digest; a Content-Type that does not
#   match the body is 400 MANIFEST_INVALID. No referrers API (404). DELETE
#   by tag is 400 DIGEST_INVALID, by digest 202.

REG_TOOLS=${REG_TOOLS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REG_PIDFILE=${REG_PIDFILE:-${TMPDIR:-/tmp}/registry-tools.$$.pids}
REG_PYTHON=${REG_PYTHON:-/usr/bin/python3}
REG_BINARY=${REG_BINARY:-/usr/bin/docker-registry}

# execs argv[2:] with PR_SET_PDEATHSIG=SIGKILL, unless its parent (argv[1])
# is already gone.
_REG_PDEATH='import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
if os.getppid() != int(sys.argv[1]):
    sys.exit("registry.sh: the shell that started this is gone")
os.execvp(sys.argv[2], sys.argv[2:])'

_reg_err() { printf 'registry.sh: %s\n' "$*" >&2; }

_reg_in_main_shell() {
	if [[ $BASHPID != "$$" ]]; then
		_reg_err "$1 must run in the test's main shell, not in \$(...), ( ) or a pipeline"
		return 1
	fi
}

_reg_free_port() {
	"$REG_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

_reg_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# field 22 of /proc/PID/stat is the 20th after "pid (comm) "
	read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ st _ <<<"$stat"
	printf '%s' "$st"
}

# _reg_spawn KIND DIR LOG ENV_ARGS_NAME -- CMD...: starts CMD in the
# background (stdin /dev/null, stdout+stderr appended to LOG, no REGISTRY_*
# variables but those in the array named ENV_ARGS_NAME), records it, sets
# _REG_PID.
_reg_spawn() {
	local kind=$1 dir=$2 log=$3 _sp_name=$4 _sp_v _sp_st
	shift 5
	local -a _sp_env=()
	for _sp_v in $(compgen -e); do
		[[ $_sp_v != REGISTRY_* ]] || _sp_env+=(-u "$_sp_v")
	done
	if [[ -n $_sp_name ]]; then
		local -n _sp_extra=$_sp_name
		_sp_env+=("${_sp_extra[@]}")
	fi
	local _sp_parent=$BASHPID # expanded here: in the background job it would be the job's
	env "${_sp_env[@]}" "$REG_PYTHON" -c "$_REG_PDEATH" "$_sp_parent" "$@" </dev/null >>"$log" 2>&1 &
	_REG_PID=$!
	_sp_st=$(_reg_starttime "$_REG_PID") || _sp_st=0
	printf '%s %s %s %s\n' "$_REG_PID" "$_sp_st" "$kind" "$dir" >>"$REG_PIDFILE"
}

# _reg_kill PID STARTTIME: TERM, wait up to 3 s, KILL; only if PID is still
# the process that was started.
_reg_kill() {
	local pid=$1 st=$2 now i
	now=$(_reg_starttime "$pid") || return 0
	[[ $st == 0 || $now == "$st" ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 60; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then break; fi
		# a zombie child of ours counts as gone once reaped
		if [[ $(_reg_state "$pid") == Z ]]; then break; fi
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null && [[ $(_reg_state "$pid") != Z ]]; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

_reg_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	printf '%s' "${stat%% *}"
}

# _reg_stop_matching DIR|"" [KIND]: stops the recorded processes of DIR (all
# when DIR is empty), of KIND when given, and drops them from the pid file.
_reg_stop_matching() {
	local want_dir=$1 want_kind=${2:-} pid st kind dir
	local -a keep=()
	[[ -f $REG_PIDFILE ]] || return 0
	while read -r pid st kind dir; do
		[[ -n $pid ]] || continue
		if [[ (-z $want_dir || $dir == "$want_dir" || $dir == "$want_dir"/*) &&
			(-z $want_kind || $kind == "$want_kind") ]]; then
			_reg_kill "$pid" "$st"
		else
			keep+=("$pid $st $kind $dir")
		fi
	done <"$REG_PIDFILE"
	if [[ ${#keep[@]} -gt 0 ]]; then
		printf '%s\n' "${keep[@]}" >"$REG_PIDFILE"
	else
		rm -f "$REG_PIDFILE"
	fi
}

_reg_abs() { (cd "$1" && pwd); }

registry_stop() {
	local dir
	dir=$(_reg_abs "$1") || return 0
	_reg_stop_matching "$dir"
}

fault_proxy_stop() { registry_stop "$@"; }

registry_stop_all() { _reg_stop_matching ""; }

registry_install_trap() {
	local prev
	prev=$(trap -p EXIT)
	prev=${prev#"trap -- "}
	prev=${prev%" EXIT"}
	if [[ -n $prev ]]; then
		eval "prev=$prev"
	fi
	if [[ $prev == *registry_stop_all* ]]; then
		return 0
	fi
	# shellcheck disable=SC2064 # expand $prev now
	trap "registry_stop_all || true; $prev" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

registry_use() {
	[[ -f $1/registry.env ]] || {
		_reg_err "no registry in $1"
		return 1
	}
	# shellcheck disable=SC1091
	. "$1/registry.env"
}

_reg_log_tail() {
	_reg_err "$1; the end of $2:"
	tail -n 25 "$2" 2>/dev/null | sed 's/^/  | /' >&2 || true
}

# _reg_make_tls DIR [SAN...]: DIR/tls/{ca.crt,ca.key,server.crt,server.key}
# and DIR/tls/certs.d/ca.crt; the certificate names 127.0.0.1, localhost
# and each extra SAN (e.g. IP:0.0.0.0).
_reg_make_tls() {
	local t=$1/tls san=IP:127.0.0.1,DNS:localhost
	shift
	while [[ $# -gt 0 ]]; do
		san+=,$1
		shift
	done
	mkdir -p "$t/certs.d"
	[[ -f $t/server.crt ]] && return 0
	{
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$t/ca.key" -out "$t/ca.crt" -days 2 -subj "/CN=wasmpack test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" &&
			openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-keyout "$t/server.key" -out "$t/server.csr" -subj "/CN=localhost" &&
			printf '%s\n' "subjectAltName=$san" \
				"basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
				"extendedKeyUsage=serverAuth" >"$t/server.ext" &&
			openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" \
				-CAcreateserial -days 2 -sha256 -extfile "$t/server.ext" -out "$t/server.crt"
	} >"$t/openssl.log" 2>&1 || {
		_reg_log_tail "openssl failed" "$t/openssl.log"
		return 1
	}
	cp "$t/ca.crt" "$t/certs.d/ca.crt"
}

# _reg_wait_port_file FILE PID WHAT LOG: waits (10 s) for a tool's port file.
_reg_wait_port_file() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -s $1 ]] && return 0
		if ! kill -0 "$2" 2>/dev/null || [[ $(_reg_state "$2") == Z ]]; then
			_reg_log_tail "$3 exited at startup" "$4"
			return 1
		fi
		sleep 0.05
	done
	_reg_log_tail "$3 did not start within 10 s" "$4"
	return 1
}

token_server_start() {
	_reg_in_main_shell token_server_start || return 1
	local dir=$1 users=$2 port
	shift 2
	mkdir -p "$dir"
	dir=$(_reg_abs "$dir")
	rm -f "$dir/token.port"
	_reg_spawn token "$dir" "$dir/token.out" "" -- "$REG_PYTHON" "$REG_TOOLS/token_server.py" \
		--users "$users" --key "$dir/token.key" --cert "$dir/token.crt" \
		--port-file "$dir/token.port" --log "$dir/token.log" "$@"
	_reg_wait_port_file "$dir/token.port" "$_REG_PID" "token_server.py" "$dir/token.out" || return 1
	port=$(<"$dir/token.port")
	local scheme=http a
	for a in "$@"; do [[ $a != --tls-cert ]] || scheme=https; done
	export TOKEN_PORT=$port TOKEN_URL=$scheme://127.0.0.1:$port/token TOKEN_LOG=$dir/token.log
	export TOKEN_CERT=$dir/token.crt
}

registry_start() {
	_reg_in_main_shell registry_start || return 1
	if [[ $# -lt 2 ]]; then
		_reg_err "usage: registry_start MODE DIR [-u USER:PASS]... [--users FILE] [--token-arg ARG]... [--env NAME=VALUE]..."
		return 1
	fi
	local mode=$1 dir=$2 w
	shift 2
	local tls=0 auth=none
	local -a words
	IFS=+ read -r -a words <<<"$mode"
	for w in "${words[@]}"; do
		case $w in
		anonymous) ;;
		tls) tls=1 ;;
		htpasswd | token)
			if [[ $auth != none ]]; then
				_reg_err "mode $mode: htpasswd and token exclude each other"
				return 1
			fi
			auth=$w
			;;
		*)
			_reg_err "unknown registry mode word \"$w\" in \"$mode\" (anonymous, htpasswd, token, tls)"
			return 1
			;;
		esac
	done
	local -a users=() token_args=() reg_env=()
	local users_file="" fixed_port=""
	while [[ $# -gt 0 ]]; do
		case $1 in
		-u)
			[[ ${2:-} == *:* ]] || {
				_reg_err "-u wants USER:PASS"
				return 1
			}
			users+=("$2")
			shift 2
			;;
		--users)
			users_file=$2
			shift 2
			;;
		--token-arg)
			token_args+=("$2")
			shift 2
			;;
		--env)
			reg_env+=("$2")
			shift 2
			;;
		--port)
			fixed_port=$2
			shift 2
			;;
		*)
			_reg_err "registry_start: unknown option \"$1\""
			return 1
			;;
		esac
	done
	[[ ${#users[@]} -gt 0 ]] || users=(testuser:testpass)

	mkdir -p "$dir/storage"
	dir=$(_reg_abs "$dir")
	if [[ -f $dir/registry.env ]] && grep -q " registry $dir\$" "$REG_PIDFILE" 2>/dev/null; then
		_reg_err "a registry already runs in $dir (registry_stop it first)"
		return 1
	fi
	local config=$dir/config.yml log=$dir/registry.log scheme=http
	local ca="" certdir="" htpasswd_file="" token_url="" token_log="" token_cert=""
	local service="" issuer="" secret instance u
	# kept across restarts in the same DIR: upload URLs (_state) stay valid
	[[ -s $dir/.http-secret ]] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/.http-secret"
	secret=$(<"$dir/.http-secret")
	instance=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

	if [[ $tls == 1 ]]; then
		_reg_make_tls "$dir" || return 1
		scheme=https ca=$dir/tls/ca.crt certdir=$dir/tls/certs.d
	fi
	local auth_yaml=""
	case $auth in
	htpasswd)
		htpasswd_file=$dir/htpasswd
		: >"$htpasswd_file"
		for u in "${users[@]}"; do
			htpasswd -Bbn "${u%%:*}" "${u#*:}" | grep . >>"$htpasswd_file" || {
				_reg_err "htpasswd failed for user ${u%%:*}"
				return 1
			}
		done
		auth_yaml=$(printf 'auth:\n  htpasswd:\n    realm: wasmpack-test-registry\n    path: %s\n' "$htpasswd_file")
		;;
	token)
		service=wasmpack-test-registry issuer=wasmpack-test-issuer
		if [[ -z $users_file ]]; then
			users_file=$dir/token-users.json
			"$REG_PYTHON" - "$users_file" "${users[@]}" <<'EOF' || return 1
import json, sys
full = [{"name": "*", "actions": ["pull", "push", "delete"]},
        {"type": "registry", "name": "catalog", "actions": ["*"]}]
users = {}
for up in sys.argv[2:]:
    u, _, p = up.partition(":")
    users[u] = {"password": p, "access": full}
with open(sys.argv[1], "w") as f:
    json.dump(users, f, indent=1)
EOF
		fi
		users_file=$(cd "$(dirname "$users_file")" && pwd)/$(basename "$users_file")
		local -a ts_tls=()
		[[ $tls == 0 ]] || ts_tls=(--tls-cert "$dir/tls/server.crt" --tls-key "$dir/tls/server.key")
		token_server_start "$dir/token" "$users_file" --service "$service" --issuer "$issuer" \
			"${ts_tls[@]}" "${token_args[@]}" || return 1
		token_url=$TOKEN_URL token_log=$TOKEN_LOG token_cert=$TOKEN_CERT
		auth_yaml=$(printf 'auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n' \
			"$token_url" "$service" "$issuer" "$token_cert")
		;;
	esac

	local attempt port code i started=0
	local -a curl_tls=()
	[[ -z $ca ]] || curl_tls=(--cacert "$ca")
	for ((attempt = 1; attempt <= 5 && started == 0; attempt++)); do
		if [[ -n $fixed_port ]]; then
			port=$fixed_port attempt=5 # no retry on another port
		else
			port=$(_reg_free_port) || return 1
		fi
		{
			printf 'version: 0.1\n'
			printf 'log:\n  level: %s\n  formatter: text\n  fields:\n    service: registry\n' "${REG_LOG_LEVEL:-warn}"
			printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/storage"
			printf '  delete:\n    enabled: true\n  cache:\n    blobdescriptor: inmemory\n'
			printf '  maintenance:\n    uploadpurging:\n      enabled: false\n'
			printf 'http:\n  addr: 127.0.0.1:%s\n  secret: %s\n' "$port" "$secret"
			# tells our registry from whatever else may answer on the port
			printf '  headers:\n    X-Wasmpack-Test-Registry: [%s]\n' "$instance"
			if [[ $tls == 1 ]]; then
				printf '  tls:\n    certificate: %s\n    key: %s\n' "$dir/tls/server.crt" "$dir/tls/server.key"
			fi
			[[ -z $auth_yaml ]] || printf '%s\n' "$auth_yaml"
		} >"$config"
		printf -- '--- start %s (attempt %d, port %s)\n' "$(date -u +%FT%TZ)" "$attempt" "$port" >>"$log"
		_reg_spawn registry "$dir" "$log" reg_env -- "$REG_BINARY" serve "$config"
		local pid=$_REG_PID
		for ((i = 0; i < 200; i++)); do
			if ! kill -0 "$pid" 2>/dev/null || [[ $(_reg_state "$pid") == Z ]]; then
				wait "$pid" 2>/dev/null || true
				break
			fi
			code=$(curl -s -o /dev/null -D "$dir/.ready" -w '%{http_code}' --max-time 1 \
				"${curl_tls[@]}" "$scheme://127.0.0.1:$port/v2/" 2>/dev/null) || code=000
			if [[ ($code == 200 || $code == 401) ]] &&
				grep -qi "^X-Wasmpack-Test-Registry: $instance" "$dir/.ready"; then
				started=1
				break
			fi
			sleep 0.05
		done
		rm -f "$dir/.ready"
		if [[ $started == 0 ]]; then
			_reg_stop_matching "$dir" registry
			if ! tail -n 5 "$log" | grep -q 'address already in use'; then
				_reg_log_tail "the registry did not start ($mode)" "$log"
				_reg_stop_matching "$dir"
				return 1
			fi
		fi
	done
	if [[ $started == 0 ]]; then
		_reg_log_tail "the registry did not start: port $port is taken${fixed_port:+ (--port)}" "$log"
		_reg_stop_matching "$dir"
		return 1
	fi

	local user="" pass="" v
	if [[ $auth != none ]]; then user=${users[0]%%:*} pass=${users[0]#*:}; fi
	[[ $auth == token ]] || users_file=""
	export REG_MODE=$mode REG_DIR=$dir REG_PORT=$port REG_HOST=127.0.0.1:$port
	export REG_URL=$scheme://127.0.0.1:$port REG_LOG=$log REG_CONFIG=$config
	export REG_STORAGE=$dir/storage REG_USER=$user REG_PASS=$pass REG_HTPASSWD=$htpasswd_file
	export REG_CA=$ca REG_CERT_DIR=$certdir REG_TOKEN_URL=$token_url REG_TOKEN_SERVICE=$service
	export REG_TOKEN_ISSUER=$issuer REG_TOKEN_USERS=$users_file REG_TOKEN_LOG=$token_log
	export REG_TOKEN_CERT=$token_cert
	: >"$dir/registry.env"
	for v in REG_MODE REG_DIR REG_HOST REG_PORT REG_URL REG_LOG REG_CONFIG REG_STORAGE REG_USER \
		REG_PASS REG_HTPASSWD REG_CA REG_CERT_DIR REG_TOKEN_URL REG_TOKEN_SERVICE REG_TOKEN_ISSUER \
		REG_TOKEN_USERS REG_TOKEN_LOG REG_TOKEN_CERT; do
		printf 'export %s=%q\n' "$v" "${!v}" >>"$dir/registry.env"
	done
	printf '%s\n' "$REG_URL"
}

fault_proxy_start() {
	_reg_in_main_shell fault_proxy_start || return 1
	if [[ $# -lt 2 ]]; then
		_reg_err "usage: fault_proxy_start DIR UPSTREAM_URL [fault_proxy.py options...]"
		return 1
	fi
	local dir=$1 upstream=$2 port
	shift 2
	mkdir -p "$dir"
	dir=$(_reg_abs "$dir")
	rm -f "$dir/proxy.port"
	_reg_spawn proxy "$dir" "$dir/proxy.out" "" -- "$REG_PYTHON" "$REG_TOOLS/fault_proxy.py" \
		--upstream "$upstream" --port-file "$dir/proxy.port" --log "$dir/proxy.log" "$@"
	_reg_wait_port_file "$dir/proxy.port" "$_REG_PID" "fault_proxy.py" "$dir/proxy.out" || return 1
	port=$(<"$dir/proxy.port")
	local scheme=http a
	for a in "$@"; do [[ $a != --tls-cert ]] || scheme=https; done
	export PROXY_DIR=$dir PROXY_PORT=$port PROXY_HOST=127.0.0.1:$port
	export PROXY_URL=$scheme://127.0.0.1:$port PROXY_LOG=$dir/proxy.log
	printf '%s\n' "$PROXY_URL"
}

# hostile_registry_start DIR UPSTREAM_URL [--tls] [hostile_registry.py options...]
hostile_registry_start() {
	_reg_in_main_shell hostile_registry_start || return 1
	if [[ $# -lt 2 ]]; then
		_reg_err "usage: hostile_registry_start DIR UPSTREAM_URL [--tls] [options...]"
		return 1
	fi
	local dir=$1 upstream=$2 scheme=http ports
	local -a extra=()
	shift 2
	mkdir -p "$dir"
	dir=$(_reg_abs "$dir")
	if [[ ${1:-} == --tls ]]; then
		shift
		# 0.0.0.0 reaches the listener but is not loopback to clients
		_reg_make_tls "$dir" IP:0.0.0.0 || return 1
		extra=(--tls-cert "$dir/tls/server.crt" --tls-key "$dir/tls/server.key")
		scheme=https
	fi
	rm -f "$dir/hostile.ports"
	: >>"$dir/hostile.log"
	_reg_spawn proxy "$dir" "$dir/hostile.out" "" -- "$REG_PYTHON" "$REG_TOOLS/hostile_registry.py" \
		--upstream "$upstream" --port-file "$dir/hostile.ports" --log "$dir/hostile.log" \
		"${extra[@]}" "$@"
	_reg_wait_port_file "$dir/hostile.ports" "$_REG_PID" "hostile_registry.py" "$dir/hostile.out" ||
		return 1
	read -r HOSTILE_PORT HOSTILE_STORAGE_PORT <"$dir/hostile.ports"
	export HOSTILE_DIR=$dir HOSTILE_PORT HOSTILE_STORAGE_PORT HOSTILE_HOST=127.0.0.1:$HOSTILE_PORT
	export HOSTILE_URL=$scheme://127.0.0.1:$HOSTILE_PORT HOSTILE_LOG=$dir/hostile.log
	export HOSTILE_CA=
	[[ $scheme == http ]] || HOSTILE_CA=$dir/tls/ca.crt
	printf '%s\n' "$HOSTILE_URL"
}

# hostile_registry_mode JSON [URL]: replaces the mode of the hostile registry.
hostile_registry_mode() {
	local url=${2:-${HOSTILE_URL:?no HOSTILE_URL: start a hostile registry or pass its URL}}
	curl -k -sS --fail-with-body --max-time 5 -o /dev/null -X POST \
		-H 'Content-Type: application/json' --data-binary "$1" "$url/__hostile"
}

# the control endpoint of our own proxy: no certificate check needed (-k)
fault_proxy_set() {
	local url=${2:-${PROXY_URL:?no PROXY_URL: start a proxy or pass its URL}}
	curl -k -sS --fail-with-body --max-time 5 -o /dev/null -X POST \
		-H 'Content-Type: application/json' --data-binary "$1" "$url/__fault"
}

fault_proxy_clear() {
	local url=${1:-${PROXY_URL:?no PROXY_URL: start a proxy or pass its URL}}
	curl -k -sS --fail-with-body --max-time 5 -o /dev/null -X DELETE "$url/__fault"
}

fault_proxy_state() {
	local url=${1:-${PROXY_URL:?no PROXY_URL: start a proxy or pass its URL}}
	curl -k -sS --fail-with-body --max-time 5 "$url/__fault"
}
