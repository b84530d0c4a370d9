#!/bin/sh
# Starts the reference server on a free port, runs every scenario against it,
# and stops the server. Usage:
#   run_against_reference.sh PURCHASE_SERVER CONFORMANCE REPO_ROOT [server options...] [-- runner options...]
# Without runner options it runs with both vendors of fixtures/; the server
# options come after the default --fixtures (a later --fixtures is refused by
# the server, so pass FIXTURES=DIR in the environment to change it).
set -eu
. "$(dirname "$0")/server_url.sh"
server=$1 runner=$2 root=$3
shift 3
server_args=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do server_args="$server_args $1"; shift; done
[ $# -gt 0 ] && shift  # the --
[ $# -gt 0 ] || set -- --token test-token-vendor-a --token-b test-token-vendor-b
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
# shellcheck disable=SC2086  # server_args is a list of words
"$server" --port 0 --fixtures "${FIXTURES:-$root/fixtures}" $server_args >"$out" 2>/dev/null &
pid=$!
url=$(server_url "$out") || exit 2
cd "$root"
"$runner" run --target "$url" "$@" scenarios
