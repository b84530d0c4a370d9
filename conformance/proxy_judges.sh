#!/bin/sh
# `conformance proxy` between a client and a service (issue 22): with the
# runner as the client and the reference server of API $4 as the service,
#  1. the suite run through the proxy gets the same verdicts as run directly,
#     and the proxy sees no service violation (the reference server conforms);
#  2. on a server started with the deliberate defect $5, the proxy names it
#     (a service violation whose text holds $6) and exits 1; its --report
#     files say the same: the JUnit report has it as a failure, the JSON
#     report parses and holds every exchange, the HTML draws the orders;
#  3. an unreachable upstream is a 502 UPSTREAM_FAILED JSON error, and
#     --exchanges N stops the proxy by itself, exit 1;
#  4. GET $7 without credentials is logged as the client's violation;
#  5. hostile byte streams (garbage, a lying Content-Length, 100 KB of
#     header, a NUL-laden body) leave the proxy serving.
# Usage: proxy_judges.sh PURCHASE_SERVER CONFORMANCE REPO_ROOT API DEFECT EXPECTED_TEXT SECURED_PATH
set -eu
. "$(dirname "$0")/server_url.sh"
server=$1 runner=$2 root=$3 api=$4 defect=$5 expected=$6 secured=$7
out=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"' EXIT
cd "$root"
if [ "$api" = hl-connector ]; then
  suite=scenarios target_args="--token test-token-vendor-a --token-b test-token-vendor-b"
else
  suite=scenarios/$api target_args="--target-file fixtures/$api/target.yaml"
fi
fail() { echo "proxy_judges.sh ($api): $*" >&2; exit 1; }
# The verdict line of a run, without its time.
verdicts() { tail -n 1 "$1" | sed 's/ in [0-9]* ms$//'; }

# start_pair NAME [server options...]: a server and a proxy in front of it;
# sets $url (the server) and $proxy_url, $proxy_pid.
start_pair() {
  name=$1
  shift
  "$server" --api "$api" --port 0 --quiet "$@" >"$out/$name.server" 2>/dev/null &
  pids="$pids $!"
  url=$(server_url "$out/$name.server") || exit 2
  # shellcheck disable=SC2086  # proxy_args is a list of words
  "$runner" proxy --upstream "$url" --listen 127.0.0.1:0 --api "$api" ${proxy_args:-} >"$out/$name.proxy" 2>&1 &
  proxy_pid=$!
  pids="$pids $proxy_pid"
  proxy_url=$(server_url "$out/$name.proxy") || exit 2
}
# stop_proxy NAME: SIGTERM, then its exit code in $proxy_rc.
stop_proxy() {
  kill -TERM "$proxy_pid"
  proxy_rc=0
  wait "$proxy_pid" || proxy_rc=$?
}

# 1. The same verdicts, and no service violation.
start_pair clean
# shellcheck disable=SC2086  # target_args is a list of words
"$runner" run --target "$url" $target_args --jobs 1 "$suite" >"$out/direct" 2>&1 || true
# shellcheck disable=SC2086
"$runner" run --target "$proxy_url" $target_args --jobs 1 "$suite" >"$out/proxied" 2>&1 || true
stop_proxy clean
direct=$(verdicts "$out/direct") proxied=$(verdicts "$out/proxied")
echo "direct:  $direct"
echo "proxied: $proxied"
[ "$direct" = "$proxied" ] || { cat "$out/proxied"; fail "the suite's verdicts differ through the proxy"; }
summary=$(grep '^conformance proxy:' "$out/clean.proxy") || fail "no summary: $(cat "$out/clean.proxy")"
echo "$summary"
case "$summary" in
  *" 0 service violations, 0 upstream failures,"*) ;;
  *) grep 'service:' "$out/clean.proxy" | head -n 5 >&2; fail "the proxy blamed the reference server" ;;
esac
# The suite sends bad requests on purpose: those are the client's, and the proxy says so.
case "$summary" in *" 0 client violations,"*) fail "the suite's bad requests were not judged the client's" ;; esac
[ "$proxy_rc" = 1 ] || fail "the proxy exited $proxy_rc after seeing client violations, not 1"

# 2. A service that breaks the contract is named, in the log and in the reports.
proxy_args="--report junit=$out/defect.xml --report json=$out/defect.json --report html=$out/defect.html"
start_pair defect --allow-defects --defect "$defect"
proxy_args=
# shellcheck disable=SC2086
"$runner" run --target "$proxy_url" $target_args --jobs 1 "$suite" >"$out/defect-run" 2>&1 || true
stop_proxy defect
grep 'service:' "$out/defect.proxy" | grep -F -- "$expected" | head -n 1 ||
  fail "defect $defect: no service violation with '$expected' ($(grep '^conformance proxy:' "$out/defect.proxy"))"
[ "$proxy_rc" = 1 ] || fail "defect $defect: the proxy exited $proxy_rc, not 1"
grep -F -- "$expected" "$out/defect.xml" | grep -q 'service: ' || fail "defect $defect: the JUnit report does not name it"
exchanges=$(sed -n 's/^conformance proxy: \([0-9]*\) exchanges.*/\1/p' "$out/defect.proxy")
python3 - "$out/defect.json" "$exchanges" "$expected" <<'PY' || fail "defect $defect: the JSON report disagrees with the log"
import json, sys
report = json.load(open(sys.argv[1]))
steps = [st for sc in report["scenarios"] for st in sc["steps"]]
assert len(steps) == int(sys.argv[2]), (len(steps), sys.argv[2])
messages = [f["message"] for st in steps for f in st.get("failures", [])]
assert any(m.startswith("service: ") and sys.argv[3] in m for m in messages), messages[:5]
print("reports: %d flows, %d exchanges, the defect among %d failures" % (len(report["scenarios"]), len(steps), len(messages)))
PY
grep -q '<svg' "$out/defect.html" || fail "defect $defect: the HTML report draws no lifecycle"

# 3. An unreachable upstream: 502 JSON; --exchanges 1 stops it.
port=$(sed -n 's/^listening on http:[^ ]*:\([0-9]*\).*/\1/p' "$out/clean.server")
"$runner" proxy --upstream "http://127.0.0.1:$port" --listen 127.0.0.1:0 --api "$api" --exchanges 1 \
  >"$out/gone.proxy" 2>&1 &
gone_pid=$!
pids="$pids $gone_pid"
gone_url=$(server_url "$out/gone.proxy") || exit 2
for p in $pids; do [ "$p" = "$gone_pid" ] || kill "$p" 2>/dev/null || true; done  # the upstream goes away
sleep 0.2
answer=$(curl -sS -w ' %{http_code}' "$gone_url/_control")
case "$answer" in
  *'"code":"UPSTREAM_FAILED"'*' 502') echo "unreachable upstream: 502 UPSTREAM_FAILED" ;;
  *) fail "unreachable upstream answered: $answer" ;;
esac
gone_rc=0
wait "$gone_pid" || gone_rc=$?
[ "$gone_rc" = 1 ] || fail "--exchanges 1 with a failed upstream: exit $gone_rc, not 1"
grep -q '^stopped by 1 exchanges' "$out/gone.proxy" || fail "--exchanges 1 did not stop it: $(cat "$out/gone.proxy")"

# 4. A request without credentials is the client's violation.
start_pair lone
curl -sS -o /dev/null "$proxy_url$secured"
stop_proxy lone
grep -q '^  client: .*credential' "$out/lone.proxy" ||
  fail "GET $secured without credentials was not judged the client's: $(cat "$out/lone.proxy")"
echo "GET $secured without credentials: the client's violation"

# 5. Hostile streams: each gets its answer or a close, and the proxy still serves.
start_pair hostile
python3 - "$proxy_url" <<'PY'
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
streams = [
    b"GARBAGE\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\nshort",
    b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nContent-Type: application/json\r\n\r\n{\x00\xff\x00}\n",
]
for s in streams:
    c = socket.create_connection((u.hostname, u.port), timeout=5)
    try:
        c.sendall(s)
        c.shutdown(socket.SHUT_WR)
        c.recv(65536)
    except OSError:
        pass
    c.close()
PY
answer=$(curl -sS -o /dev/null -w '%{http_code}' "$proxy_url$secured")
[ "$answer" != 000 ] || fail "the proxy stopped serving after hostile streams"
stop_proxy hostile
grep -q '^conformance proxy:' "$out/hostile.proxy" || fail "the proxy did not end normally: $(tail -n 3 "$out/hostile.proxy")"
echo "hostile streams: the proxy kept serving ($answer after them)"
