#!/bin/sh
# Two CI jobs sharing one server (issue 21): starts one reference server of
# API $4 on a free port, runs three `conformance run --sandbox new` of its
# suite and one `conformance explore --sandbox new` at once against it, and
# checks that all four pass and that they leave the server as they found it
# (only the default sandbox, with no order).
# Usage: shared_server.sh PURCHASE_SERVER CONFORMANCE REPO_ROOT API
set -eu
. "$(dirname "$0")/server_url.sh"
server=$1 runner=$2 root=$3 api=$4
out=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
cd "$root"
if [ "$api" = hl-connector ]; then
  suite=scenarios target_args="--token test-token-vendor-a --token-b test-token-vendor-b" api_args=""
else
  suite=scenarios/$api target_args="--target-file fixtures/$api/target.yaml" api_args="--api $api"
fi
"$server" --api "$api" --port 0 --quiet >"$out/server" 2>/dev/null &
pid=$!
url=$(server_url "$out/server") || exit 2
for job in 1 2 3; do
  # shellcheck disable=SC2086  # target_args is a list of words
  "$runner" run --target "$url" $target_args --strict-reference --jobs 2 --sandbox new "$suite" >"$out/job$job" 2>&1 &
  eval "job$job=\$!"
done
# shellcheck disable=SC2086  # target_args and api_args are lists of words
"$runner" explore --target "$url" $target_args $api_args --strict-reference --seed 1 --sequences 40 \
  --sandbox new >"$out/job4" 2>&1 &
job4=$!
failed=0
for job in 1 2 3 4; do
  eval "wait \$job$job" || { failed=1; echo "== job $job failed:"; cat "$out/job$job"; }
  tail -n 1 "$out/job$job"
done
[ "$failed" = 0 ] || exit 1
# Exactly one sandbox, the default, with no order: a leftover sandbox or order fails.
left=$(curl -sS "$url/_control/sandboxes")
names=$(printf '%s' "$left" | grep -o '"name":"[^"]*"' | tr '\n' ' ')
orders=$(printf '%s' "$left" | grep -o '"orders":[0-9]*' | tr '\n' ' ')
if [ "$names" = '"name":"default" ' ] && [ "$orders" = '"orders":0 ' ]; then
  echo "the server is left as it was: $left"
else
  echo "shared_server.sh: the runs left sandboxes or orders behind: $left" >&2
  exit 1
fi
