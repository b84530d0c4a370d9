#!/bin/sh
# `conformance proxy --record DIR` (issue 22): a recording replays green
# against another server than the one it was recorded from.
#  1. example-client buys an asset through the proxy from the HL Connector's
#     reference server (real clock, 100x): the recording, replayed with `conformance
#     run` against a fresh server of another seed (other ids, tokens and URL
#     signatures), passes, twice in a row on that server (its vendor order ids
#     carry ${run_id}), and holds no token;
#  2. the same under the drill lost-register-reply: the lost register is sent
#     again on replay, and the client's retry meets the 409 it met;
#  3. the tabs profile: three scenarios of scenarios/tabs run through the
#     proxy (two merchants), their recording replayed against a fresh --api
#     tabs server of another seed, holding neither merchant's token.
# Usage: proxy_records.sh PURCHASE_SERVER CONFORMANCE EXAMPLE_CLIENT REPO_ROOT
set -eu
. "$(dirname "$0")/server_url.sh"
server=$1 runner=$2 client=$3 root=$4
out=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"' EXIT
cd "$root"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
fail() { echo "proxy_records.sh: $*" >&2; exit 1; }

# start_server NAME [options...]: sets $url.
start_server() {
  name=$1
  shift
  "$server" --port 0 --quiet "$@" >"$out/$name.server" 2>/dev/null &
  pids="$pids $!"
  url=$(server_url "$out/$name.server") || exit 2
}
# start_recording NAME UPSTREAM [proxy options...]: a proxy recording into
# $out/NAME; sets $proxy_url and $proxy_pid.
start_recording() {
  name=$1 upstream=$2
  shift 2
  "$runner" proxy --upstream "$upstream" --listen 127.0.0.1:0 --record "$out/$name" "$@" >"$out/$name.proxy" 2>&1 &
  proxy_pid=$!
  pids="$pids $proxy_pid"
  proxy_url=$(server_url "$out/$name.proxy") || exit 2
}
# stop_recording NAME: SIGTERM; the recording must have been written.
stop_recording() {
  kill -TERM "$proxy_pid"
  wait "$proxy_pid" || true
  grep '^recorded ' "$out/$1.proxy" || fail "$1: no recording written: $(tail -n 5 "$out/$1.proxy")"
}
# no_secrets NAME TOKEN...: no file of the recording holds a token.
no_secrets() {
  name=$1
  shift
  for token in "$@"; do
    ! grep -rl -- "$token" "$out/$name" || fail "$name: the recording holds the token $token"
  done
}
# replay NAME RUN_ARGS...: `conformance run` of the recording must pass.
replay() {
  name=$1
  shift
  "$runner" run "$@" "$out/$name" >"$out/$name.replay" 2>&1 ||
    { cat "$out/$name.replay"; for f in "$out/$name"/*.yaml; do echo "== $f"; cat "$f"; done; fail "$name: the replay failed"; }
  tail -n 1 "$out/$name.replay"
}
# buy NAME [server options...]: example-client through a recording proxy.
buy() {
  name=$1
  shift
  start_server "$name" --clock real --time-scale 100 "$@"
  start_recording "$name" "$url" --preserve-host
  timeout 30 "$client" --base-url "$proxy_url" --token test-token-vendor-a --asset asset-basic \
    --vendor-order-id "vo-$name" --recheck-after 1 >"$out/$name.client" 2>&1 || { cat "$out/$name.client"; fail "$name: example-client failed"; }
  stop_recording "$name"
}

# 1. A purchase, replayed twice against a server whose ids all differ.
buy purchase
grep -q 'poll:' "$out/purchase"/*.yaml || fail "purchase: the polls were not collapsed into one step"
# shellcheck disable=SC2016  # a literal ${: the fetch of a captured URL
grep -q 'request: "GET ${' "$out/purchase"/*.yaml || fail "purchase: the signed URL is not fetched from a capture"
no_secrets purchase test-token-vendor-a
start_server replay --seed 7
replay_url=$url
replay purchase --target "$replay_url" --token test-token-vendor-a
replay purchase --target "$replay_url" --token test-token-vendor-a

# 2. A lost reply: sent again on replay, so the retry meets its 409.
buy lost --drill lost-register-reply
grep -q 'a lost reply' "$out/lost"/*.yaml || fail "lost: the lost register is not in the recording"
no_secrets lost test-token-vendor-a
replay lost --target "$replay_url" --token test-token-vendor-a

# 3. The tabs profile, recorded from the runner's own traffic.
start_server tabs --api tabs
start_recording tabs "$url" --api tabs --target-file fixtures/tabs/target.yaml
# Scenarios whose flows stand alone: a purchase completed on the tab, refusals, a second merchant. (A scenario that
# moves the clock or pays a tab that other orders share is split across flows that do not replay on their own: see
# conformance/README.md, `conformance proxy`.)
"$runner" run --target "$proxy_url" --target-file fixtures/tabs/target.yaml --jobs 1 \
  scenarios/tabs/purchases/pay_later_on_tab.yaml scenarios/tabs/errors/validation.yaml \
  scenarios/tabs/isolation/other_merchant.yaml >"$out/tabs.run" 2>&1 ||
  { cat "$out/tabs.run"; fail "tabs: the scenarios failed through the proxy"; }
stop_recording tabs
[ -f "$out/tabs/_api.yaml" ] || fail "tabs: no _api.yaml in the recording"
no_secrets tabs test-token-merchant-a test-token-merchant-b
start_server tabs-replay --api tabs --seed 7
replay tabs --target "$url" --target-file fixtures/tabs/target.yaml
