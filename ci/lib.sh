# Shared by ci/test, ci/demo and the other ci/ scripts: install what is
# missing, build, and start the reference server on a free port.
# Source it; it defines functions only.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

# The Debian packages the project needs (see ../shared/NOTES-dependencies.md);
# python3 for the tests that write raw byte streams (conformance/proxy_judges.sh);
# help2man and dpkg-dev (dpkg-shlibdeps) for the man pages and the .deb (CMakeLists.txt).
PACKAGES=(build-essential cmake pkg-config libpistache-dev rapidjson-dev libboost-test-dev
          libboost-program-options-dev libyaml-cpp-dev libcurl4-openssl-dev libssl-dev curl ca-certificates
          python3 help2man dpkg-dev)

# install_packages [extra packages...]: apt-get installs what is missing of
# the project's packages and the extra ones.
install_packages() {
  install_missing "${PACKAGES[@]}" "$@"
}

# install_missing <packages...>: apt-get installs those of them that are missing.
install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build [cmake args...]: configures (once) and builds everything into $BUILD_DIR.
build() {
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

# start_server [server options...]: starts purchase-server in the background
# on SERVER_PORT (default 0: a free port) with the fixtures of SERVER_FIXTURES
# (default fixtures/), its log to SERVER_LOG (default none); sets SERVER_PID, SERVER_URL and SERVER_BANNER (its "listening on"
# line). Stop it with stop_server.
start_server() {
  local out
  out=$(mktemp)
  "$BUILD_DIR/server/purchase-server" --port "${SERVER_PORT:-0}" --fixtures "${SERVER_FIXTURES:-$ROOT/fixtures}" "$@" >"$out" \
    2>"${SERVER_LOG:-/dev/null}" &
  SERVER_PID=$!
  SERVER_URL=
  for _ in $(seq 1 200); do
    SERVER_URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$out" | head -n 1)
    [ -n "$SERVER_URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.02
  done
  SERVER_BANNER=$(grep -m 1 '^listening on' "$out" || true)
  rm -f "$out"
  if [ -z "$SERVER_URL" ]; then
    echo "purchase-server did not start (port ${SERVER_PORT:-0}, options: $*)" >&2
    return 1
  fi
}

stop_server() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
