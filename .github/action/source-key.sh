#!/usr/bin/env bash
# The action's cache key for the wasmpack binary: a hash of every file it is
# built from (an action's checkout has no .git to ask), with the runner's OS,
# architecture and image, since the binary links the runner's libraries.
set -euo pipefail
cd "${GITHUB_ACTION_PATH:?}"
hash=$(find Makefile cmd lib oci wasmopt -type f -print0 | LC_ALL=C sort -z |
	xargs -0 sha256sum | sha256sum | cut -c1-16)
key="wasmpack-${RUNNER_OS:-linux}-${RUNNER_ARCH:-$(uname -m)}-${ImageOS:-unknown}-$hash"
echo "key=$key" >>"${GITHUB_OUTPUT:?}"
