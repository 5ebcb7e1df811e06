#!/usr/bin/env bash
# The action's main step (action.yml): turns the INPUT_* variables into one
# `wasmpack build` command line, logs in for this step only when a password
# is given (a credentials file in a temporary DOCKER_CONFIG, removed on
# exit), and writes the step's outputs and job summary.
#
# Lists are split as docker/build-push-action splits them: tags on newlines
# and commas, labels, annotations and build-args on newlines only (values may
# hold commas; from-stages too); each item is trimmed and empty ones are dropped.
set -euo pipefail

wasmpack=${WASMPACK:-${GITHUB_ACTION_PATH:?}/build/wasmpack}
tmp=$(mktemp -d "${RUNNER_TEMP:-/tmp}/wasmpack-action.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "::error title=wasmpack::$*"
	exit 1
}

# list NAME VALUE [commas]: the items of VALUE in the array NAME
list() {
	local -n out=$1
	local value=$2 item
	out=()
	[[ ${3:-} == commas ]] && value=${value//,/$'\n'}
	while IFS= read -r item; do
		item="${item#"${item%%[![:space:]]*}"}"
		item="${item%"${item##*[![:space:]]}"}"
		[[ -n $item ]] && out+=("$item")
	done <<<"$value"
	return 0
}

is_true() {
	case ${1,,} in
	true | 1 | yes) return 0 ;;
	false | 0 | no | "") return 1 ;;
	*) fail "expected true or false, got \"$1\"" ;;
	esac
}

args=(build)
if [[ -n ${INPUT_FILE:-} ]]; then
	args+=(-f "$INPUT_FILE")
	list build_args "${INPUT_BUILD_ARGS:-}"
	for a in "${build_args[@]}"; do args+=(--build-arg "$a"); done
	list from_stages "${INPUT_FROM_STAGES:-}"
	for a in "${from_stages[@]}"; do args+=(--from-stage "$a"); done
	args+=("${INPUT_CONTEXT:-.}")
else
	read -r -a inputs <<<"${INPUT_INPUT:-.}"
	args+=("${inputs[@]}")
fi
list tags "${INPUT_TAGS:-}" commas
for t in "${tags[@]}"; do args+=(-t "$t"); done
list labels "${INPUT_LABELS:-}"
for l in "${labels[@]}"; do args+=(--label "$l"); done
list annotations "${INPUT_ANNOTATIONS:-}"
for a in "${annotations[@]}"; do args+=(--annotation "$a"); done
args+=(--platform "${INPUT_PLATFORM:-wasi/wasm}")

case ${INPUT_FORMAT:-image} in
image | "") ;;
artifact | wasm-layer) args+=(--format "$INPUT_FORMAT") ;;
*) fail "format \"$INPUT_FORMAT\": expected image, artifact or wasm-layer" ;;
esac
case ${INPUT_OPTIMIZE:-none} in
none | "" | 0 | O0) ;;
s | Os | -Os) args+=(-Os) ;;
z | Oz | -Oz) args+=(-Oz) ;;
*) fail "optimize \"$INPUT_OPTIMIZE\": expected none, s or z" ;;
esac
case ${INPUT_AOT:-none} in
none | "") ;;
native | wasmedge | wasmtime | wamr) args+=(--aot "$INPUT_AOT") ;;
*) fail "aot \"$INPUT_AOT\": expected none, native, wasmedge, wasmtime or wamr" ;;
esac

output=${INPUT_OUTPUT:-wasmpack-out}
args+=(-o "$output" --metadata-file "$tmp/metadata.json")
push=false
if is_true "${INPUT_PUSH:-false}"; then
	((${#tags[@]})) || fail "push: true needs at least one tag"
	push=true
	args+=(--push)
fi
# attached to the pushed image as OCI referrers, never entries of an index
for doc in sbom provenance; do
	var=INPUT_${doc^^}
	if is_true "${!var:-false}"; then
		[[ $push == true ]] || fail "$doc: true needs push: true (it is attached to the pushed image)"
		args+=(--"$doc")
	fi
done

# credentials for this step only: a DOCKER_CONFIG of our own, removed on exit
if [[ -n ${INPUT_PASSWORD:-} ]]; then
	echo "::add-mask::$INPUT_PASSWORD"
	[[ -n ${INPUT_USERNAME:-} ]] || fail "password is set but username is not"
	registry=${INPUT_REGISTRY:-}
	if [[ -z $registry ]]; then
		((${#tags[@]})) || fail "password is set but there is no registry or tag to use it for"
		first=${tags[0]%%/*}
		if [[ ${tags[0]} == */* && ($first == *.* || $first == *:* || $first == localhost) ]]; then
			registry=$first
		else
			registry=docker.io
		fi
	fi
	export DOCKER_CONFIG=$tmp/docker-config
	mkdir -m 700 "$DOCKER_CONFIG"
	printf '%s' "$INPUT_PASSWORD" |
		"$wasmpack" login "$registry" -u "$INPUT_USERNAME" --password-stdin -q ||
		fail "login to $registry as $INPUT_USERNAME failed (see above)"
fi

echo "wasmpack ${args[*]}"
"$wasmpack" "${args[@]}" || fail "wasmpack build failed: see its error above"

meta=$tmp/metadata.json
digest=$(jq -r '."containerimage.digest"' "$meta")
{
	echo "digest=$digest"
	echo "imageid=$(jq -r '."containerimage.config.digest"' "$meta")"
	echo "metadata=$(jq -c . "$meta")"
} >>"${GITHUB_OUTPUT:?}"

# the job summary: what was made, and what the module is
if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
	case $output in
	*:*) src=$output ;;
	*) src=oci:$output ;;
	esac
	info=$tmp/inspect.json
	"$wasmpack" -q inspect "$src:$digest" --format json >"$info" 2>/dev/null || echo '{}' >"$info"
	{
		echo "### wasmpack: ${tags[0]:-the image} $([[ $push == true ]] && echo "built and pushed" || echo built)"
		echo
		echo "| | |"
		echo "|---|---|"
		echo "| Images | $(jq -r '.tags | map("`" + . + "`") | join("<br>")' "$meta") |"
		echo "| Digest | \`$digest\` |"
		echo "| Platform | $(jq -r .platform "$meta") |"
		echo "| Size | $(jq -r '[.layers[].size] | add' "$meta") bytes in $(jq -r '.layers | length' "$meta") layer(s) ($(jq -r '.layers[0].compression' "$meta")) |"
		echo "| Pushed | $push |"
		jq -r '.module // empty | "| Module | \(.path // "") \(.kind), \(.size) bytes |",
			(if .wasi then "| WASI | \(.wasi) |" else empty end),
			"| Imports / exports | \(.imports | length) / \(.exports | length) |"' "$info"
	} >>"$GITHUB_STEP_SUMMARY"
fi
