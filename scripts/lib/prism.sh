# Prism as a validating proxy in front of the live server (scripts/lib/live_server.sh): every
# request and response that passes through is checked against openapi.yaml; with --errors a
# violation becomes an error response, so a client flow through it fails on the first one.
# HEAD cannot pass through it: Prism 5 parses every non-204 response with a JSON Content-Type
# as JSON (prism-http's parseResponseBody), and a HEAD response has the GET's Content-Type and
# no body, so the clients send HEAD to the server directly.
#   start_prism PORT   proxies 127.0.0.1:PORT to $LIVE_URL (log: artifacts/prism/prism.log)
#                      and sets PRISM_URL; stopped by PID on exit, with the live server.
#   prism_violations   prints the violations Prism logged (none: prints nothing).

PRISM_PID=""

stop_prism() {
  if [ -n "$PRISM_PID" ] && kill -0 "$PRISM_PID" 2>/dev/null; then
    kill "$PRISM_PID"
    wait "$PRISM_PID" 2>/dev/null || true
  fi
  PRISM_PID=""
}

start_prism() {
  local port=$1
  mkdir -p artifacts/prism
  trap 'stop_prism; stop_live_server' EXIT
  # The binary itself (not npx), so that PRISM_PID is Prism's own process.
  node_modules/.bin/prism proxy openapi.yaml "$LIVE_URL" --errors --cors false --host 127.0.0.1 --port "$port" \
    >artifacts/prism/prism.log 2>&1 &
  PRISM_PID=$!
  PRISM_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    if curl -fsS "$PRISM_URL/api/v1/health/live" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$PRISM_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "Prism did not start; see artifacts/prism/prism.log" >&2
  cat artifacts/prism/prism.log >&2
  return 1
}

prism_violations() {
  grep -aE 'Violation|✖|\berror\b' "${1:-artifacts/prism/prism.log}" || true
}

# prism_canary PORT: Prism (on PORT) in front of tests/clients/broken_upstream.py (on PORT+1)
# must refuse its broken response and log the violation, or "0 violations" would prove nothing.
prism_canary() {
  local port=$1 upstream_pid prism_pid status log=artifacts/prism/canary.log
  mkdir -p artifacts/prism
  .venv-dev/bin/python tests/clients/broken_upstream.py $((port + 1)) &
  upstream_pid=$!
  node_modules/.bin/prism proxy openapi.yaml "http://127.0.0.1:$((port + 1))" --errors --cors false \
    --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
  prism_pid=$!
  status=000
  for _ in $(seq 1 150); do
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/health/live" || true)
    [ "$status" != 000 ] && break
    sleep 0.2
  done
  # Prism logs the violation after it has answered: wait for the line (bounded) before the kill.
  for _ in $(seq 1 50); do
    [ -n "$(prism_violations "$log")" ] && break
    sleep 0.1
  done
  kill "$prism_pid" "$upstream_pid"
  wait "$prism_pid" "$upstream_pid" 2>/dev/null || true
  if [ "$status" != 500 ] || [ -z "$(prism_violations "$log")" ]; then
    echo "Prism did not catch a broken response (status $status); see $log" >&2
    return 1
  fi
}
