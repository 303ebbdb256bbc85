# Sourced by scripts/test-browser and scripts/test-schemathesis: starts a `serve --demo`
# server on a free port over a fresh data dir and stops it when the calling script exits.
#
#   start_demo_server BIN WORKDIR [extra serve flags…]
#     sets SERVER_URL (http://127.0.0.1:PORT) and SERVER_PID; the log is WORKDIR/server.log.

start_demo_server() {
  local bin="$1" work="$2"
  shift 2
  mkdir -p "$work"
  "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$work/data" "$@" >"$work/server.log" 2>&1 &
  SERVER_PID=$!
  trap 'stop_demo_server' EXIT
  local port=""
  for _ in $(seq 1 240); do
    port="$(grep -ao 'listening on http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 | sed 's/.*://')" || true
    if [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
      SERVER_URL="http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server stopped while starting; its log:" >&2
      tail -30 "$work/server.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "the server did not start within 120 s; its log:" >&2
  tail -30 "$work/server.log" >&2
  return 1
}

stop_demo_server() {
  if [[ -n "${SERVER_PID:-}" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
