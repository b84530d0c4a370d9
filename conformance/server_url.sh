# Sourced by the end-to-end test scripts beside it (run_against_reference.sh,
# shared_server.sh, explore_isolation.sh), which start purchase-server on a
# free port (--port 0) with its stdout in a file:
#   server_url FILE   prints the URL the server said it listens on, waiting up
#                     to 5 s for it; fails (status 2) naming the script if it
#                     never says.
server_url() {
  for _ in $(seq 1 100); do
    found=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$1" | head -n 1)
    [ -n "$found" ] && { echo "$found"; return 0; }
    sleep 0.05
  done
  echo "$(basename "$0"): the server did not say where it listens" >&2
  return 2
}
