#!/bin/sh
# Starts the reference server on a free port, runs every scenario against it
# with both vendors, and stops the server. Usage:
#   run_against_reference.sh PURCHASE_SERVER CONFORMANCE REPO_ROOT [conformance run options...]
set -eu
server=$1 runner=$2 root=$3
shift 3
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
"$server" --port 0 --fixtures "$root/fixtures" >"$out" 2>/dev/null &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$out" | head -n 1)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "run_against_reference.sh: the server did not say where it listens" >&2; exit 2; }
cd "$root"
"$runner" run --target "$url" --token test-token-vendor-a --token-b test-token-vendor-b "$@" scenarios
