#!/bin/sh
# `conformance run --shard K/N` (issue 23): the suite of API $4 run once with
# a JUnit report, then as shards 1/3, 2/3 and 3/3 with one report each,
# against one reference server. The shards' reports together must hold the
# one run's test cases exactly, each once, with the same outcome, and each
# testsuite (folder) in one shard only, so a CI matrix's reports merge into
# the single run's result. Then `explore --shard K/3 --sequences 2` runs six
# distinct seeds between them.
# Usage: shards_merge.sh PURCHASE_SERVER CONFORMANCE REPO_ROOT API
set -eu
. "$(dirname "$0")/server_url.sh"
server=$1 runner=$2 root=$3 api=$4
out=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
cd "$root"
if [ "$api" = hl-connector ]; then
  suite=scenarios target_args="--token test-token-vendor-a --token-b test-token-vendor-b"
else
  suite=scenarios/$api target_args="--target-file fixtures/$api/target.yaml"
fi
"$server" --api "$api" --port 0 --quiet >"$out/server" 2>/dev/null &
pid=$!
url=$(server_url "$out/server") || exit 2
# shellcheck disable=SC2086  # target_args is a list of words
"$runner" run --target "$url" $target_args --report "junit=$out/one.xml" "$suite" >"$out/one.log" 2>&1 || true
for k in 1 2 3; do
  # shellcheck disable=SC2086
  "$runner" run --target "$url" $target_args --shard "$k/3" --report "junit=$out/$k.xml" "$suite" >"$out/$k.log" 2>&1 || true
  [ -s "$out/$k.xml" ] || { echo "shards_merge.sh ($api): shard $k/3 wrote no report: $(tail -n 3 "$out/$k.log")" >&2; exit 1; }
done
python3 - "$out" "$api" <<'PY'
import sys, xml.etree.ElementTree as ET
out, api = sys.argv[1], sys.argv[2]
def cases(path):
    found = []
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            outcome = "failed" if case.find("failure") is not None else "skipped" if case.find("skipped") is not None else "passed"
            found.append((suite.get("name"), case.get("name"), outcome))
    return found
one = cases(out + "/one.xml")
shards = [cases("%s/%d.xml" % (out, k)) for k in (1, 2, 3)]
merged = sorted(c for s in shards for c in s)
assert merged == sorted(one), ("the shards' cases differ from the one run's", set(merged) ^ set(one))
suites = [set(c[0] for c in s) for s in shards]
for i in range(3):
    for j in range(i + 1, 3):
        assert not (suites[i] & suites[j]), ("a testsuite in two shards", suites[i] & suites[j])
print("%s: one run %d cases; shards %s; merged: the same cases and outcomes, each testsuite in one shard"
      % (api, len(one), "+".join(str(len(s)) for s in shards)))
PY
if [ "$api" = hl-connector ]; then
  for k in 1 2 3; do
    # shellcheck disable=SC2086
    "$runner" explore --target "$url" $target_args --seed 7 --shard "$k/3" --sequences 2 --budget 60 \
      >"$out/explore-$k.log" 2>&1 || { echo "shards_merge.sh: explore --shard $k/3 failed: $(tail -n 3 "$out/explore-$k.log")" >&2; exit 1; }
    grep -q "seed $((6 + k))," "$out/explore-$k.log" || { echo "shards_merge.sh: explore --shard $k/3 did not start at seed $((6 + k)): $(head -n 2 "$out/explore-$k.log")" >&2; exit 1; }
  done
  echo "explore: shards 1/3, 2/3, 3/3 start at seeds 7, 8, 9 (stride 3)"
fi
