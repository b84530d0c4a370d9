#!/bin/sh
# Sandboxes never see each other (issue 21): on one reference server of API
# $4 (started with deliberate defect $5, which explore finds), explore runs
# alone with --jobs 1, then three explores with --jobs 2 run at once (six
# sandboxes busy together, each resetting, moving its clock and adding fault
# rules). Explore compares every answer with an in-process reference, so a
# clock move, fault rule or order leaking between sandboxes would be a
# finding; each of the three must report exactly what the solo run reported.
# Usage: explore_isolation.sh PURCHASE_SERVER CONFORMANCE REPO_ROOT API DEFECT
set -eu
. "$(dirname "$0")/server_url.sh"
server=$1 runner=$2 root=$3 api=$4 defect=$5
out=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
cd "$root"
if [ "$api" = hl-connector ]; then
  target_args="--token test-token-vendor-a --token-b test-token-vendor-b" api_args=""
else
  target_args="--target-file fixtures/$api/target.yaml" api_args="--api $api"
fi
"$server" --api "$api" --port 0 --quiet --allow-defects --defect "$defect" >"$out/server" 2>/dev/null &
pid=$!
url=$(server_url "$out/server") || exit 2
# findings FILE: what a run found, without timings and sandbox names.
findings() { grep -E '^(FAIL|  sequence seed|  rule|    [0-9]+\.)' "$1" | sed -E 's/found after [^;]*;//; s/, [0-9]+ ms//g'; }
explore() {
  # shellcheck disable=SC2086  # target_args and api_args are lists of words
  "$runner" explore --target "$url" $target_args $api_args --strict-reference --seed 1 --sequences 60 \
    --max-failures 0 "$@"
}
explore --jobs 1 >"$out/solo" 2>&1 || true
findings "$out/solo" >"$out/solo.findings"
[ -s "$out/solo.findings" ] || { echo "explore_isolation.sh: the solo run found nothing; pick a defect it finds" >&2; cat "$out/solo"; exit 2; }
for job in 1 2 3; do
  explore --jobs 2 >"$out/job$job" 2>&1 &
  eval "job$job=\$!"
done
failed=0
for job in 1 2 3; do
  eval "wait \$job$job" || true
  findings "$out/job$job" >"$out/job$job.findings"
  if ! cmp -s "$out/solo.findings" "$out/job$job.findings"; then
    failed=1
    echo "== explore $job (--jobs 2, run beside two others) differs from the solo run:"
    diff "$out/solo.findings" "$out/job$job.findings" || true
  fi
done
[ "$failed" = 0 ] || exit 1
echo "3 explores x 2 sandboxes at once on one server: each found what the solo run found ($(grep -c '^FAIL' "$out/solo.findings") distinct failures)"
