# shellcheck shell=bash
# Shared by tests/faults/scenario.sh and kill.sh: the environment, a private
# HOME (no machine credentials), and direct (proxy-less) registry checks.
# shellcheck disable=SC2034 # the variables set here are used by the scripts

set -uo pipefail
export LC_ALL=C
: "${WASMPACK:?WASMPACK must name the wasmpack binary}"
: "${GENWASM:?GENWASM must name the genwasm binary}"
FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FAULTS_DIR/../.." && pwd)
TOOLS=$ROOT/tests/tools
# shellcheck source=../tools/registry.sh
. "$TOOLS/registry.sh"
registry_install_trap

MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

# isolate: a private HOME etc. under $1 (no credentials, caches or helpers of
# the machine's).
isolate() {
	export HOME=$1/home DOCKER_CONFIG=$1/docker-config REGISTRY_AUTH_FILE=$1/auth.json
	export XDG_RUNTIME_DIR=$1/xdg-run XDG_CONFIG_HOME=$1/xdg-config XDG_CACHE_HOME=$1/xdg-cache
	export XDG_DATA_HOME=$1/xdg-data TMPDIR=$1/tmp
	unset WASMPACK_USERNAME WASMPACK_PASSWORD GITHUB_OUTPUT SOURCE_DATE_EPOCH
	mkdir -p "$HOME" "$DOCKER_CONFIG" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" \
		"$XDG_DATA_HOME" "$TMPDIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	echo '{}' >"$REGISTRY_AUTH_FILE"
}

die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 2
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1 | sed 's/^/sha256:/'; }

# reg_auth REPO: sets AUTH, the curl arguments to read REPO on the registry
# directly ($REG_URL, never through a proxy): a pull token in token mode.
reg_auth() {
	local tok
	AUTH=()
	case $REG_MODE in
	*token*)
		tok=$(curl -sS --fail --max-time 10 -u "$REG_USER:$REG_PASS" \
			"$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=repository:$1:pull" | jq -r .token) ||
			return 1
		AUTH=(-H "Authorization: Bearer $tok")
		;;
	esac
}

# reg_curl REPO CURL_ARGS...: curl on the registry directly with REPO's
# pull token (a fresh one each time; tried 3 times on a 401, as the tokens of
# the token-expiry scenario live about 1 s). Prints the HTTP status.
reg_curl() {
	local repo=$1 code try
	shift
	for try in 1 2 3; do
		reg_auth "$repo" || {
			echo 000
			return
		}
		code=$(curl -s -w '%{http_code}' --max-time 30 "${AUTH[@]}" "$@") || code=000
		[[ $code == 401 ]] || break
	done
	echo "$code"
}

# tag_status REPO TAG: the HTTP status of HEAD /v2/REPO/manifests/TAG.
tag_status() {
	reg_curl "$1" -o /dev/null -I -H "Accept: $MT_OCI_MANIFEST" "$REG_URL/v2/$1/manifests/$2"
}

# fetch_checked REPO WHAT URL DIGEST FILE [CURL ARGS...]: GET URL (read
# directly) into FILE, which must answer 200 and hash to DIGEST. Prints what
# is wrong (WHAT names it) and returns 1 otherwise.
fetch_checked() {
	local repo=$1 what=$2 url=$3 digest=$4 file=$5 code got
	shift 5
	rm -f "$file"
	code=$(reg_curl "$repo" "$@" -o "$file" "$url")
	[[ $code == 200 ]] || {
		echo "GET of $what answered $code"
		return 1
	}
	got=$(sha256_of "$file")
	[[ $got == "$digest" ]] || {
		echo "$what is $got, expected $digest"
		return 1
	}
}

# registry_holds REPO TAG DIGEST SCRATCH: the registry (read directly) maps
# TAG to a manifest whose bytes hash to DIGEST, and every blob it names
# (config and layers) is there with the digest it is named by. Prints what
# is wrong and returns 1 otherwise.
registry_holds() {
	local repo=$1 tag=$2 digest=$3 s=$4 d
	fetch_checked "$repo" "the manifest $repo:$tag" "$REG_URL/v2/$repo/manifests/$tag" "$digest" \
		"$s.manifest" -H "Accept: $MT_OCI_MANIFEST" || return 1
	for d in $(jq -r '.config.digest, .layers[].digest' "$s.manifest"); do
		fetch_checked "$repo" "blob $d of $repo" "$REG_URL/v2/$repo/blobs/$d" "$d" "$s.blob" -L ||
			return 1
	done
	rm -f "$s.manifest" "$s.blob"
}

# tree_sum DIR: one checksum of every file (name and content) under DIR, or
# "absent".
tree_sum() {
	if [[ ! -e $1 ]]; then
		echo absent
		return
	fi
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum | sha256sum | cut -c1-64)
}

# layout_ok DIR DIGEST: DIR is a valid OCI layout (validate-layout.py: the
# schemas, every descriptor's blob with its size and digest) whose index
# lists DIGEST (when given), and blobs/sha256 holds nothing that is not a
# blob named by its digest (a temporary file visible as a blob).
layout_ok() {
	local dir=$1 digest=${2:-} f out
	out=$(/usr/bin/python3 "$TOOLS/validate-layout.py" "$dir" 2>&1) || {
		echo "invalid layout: $(grep -v '^ok\|valid' <<<"$out" | head -n 2 | tr '\n' ' ')"
		return 1
	}
	if [[ -n $digest ]] && ! jq -e --arg d "$digest" 'any(.manifests[]; .digest == $d)' \
		"$dir/index.json" >/dev/null; then
		echo "$digest is not in $dir/index.json"
		return 1
	fi
	for f in "$dir"/blobs/sha256/*; do
		[[ -e $f ]] || continue
		[[ ${f##*/} =~ ^[0-9a-f]{64}$ ]] || {
			echo "a file that is not a blob in blobs/sha256: ${f##*/}"
			return 1
		}
	done
}

# one_error_line FILE: FILE is exactly one "wasmpack: ..." line.
one_error_line() {
	local n
	n=$(wc -l <"$1")
	[[ $n == 1 && $(tail -c 1 "$1" | od -An -c | tr -d ' ') == '\n' ]] || {
		echo "stderr has $n lines: $(head -n 3 "$1" | cut -c1-200 | tr '\n' '|')"
		return 1
	}
	grep -q '^wasmpack: ..' "$1" || {
		echo "stderr is not a wasmpack error: $(cut -c1-200 "$1")"
		return 1
	}
}

# normalize_error: the error lines with ports, repositories and digests
# blanked, so that equal causes count together.
normalize_error() {
	sed -E 's/127\.0\.0\.1:[0-9]+/HOST/g; s/sha256:[0-9a-f]{64}/sha256:D/g; s/[0-9a-f]{12,}/H/g;
		s/r[0-9]+:v1/rN:v1/g; s/\/r[0-9]+\//\/rN\//g; s/"r[0-9]+"/"rN"/g; s/[0-9]+(\.[0-9]+)? s\b/N s/g'
}
