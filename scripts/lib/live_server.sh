# Shared by the live checks: a real uvicorn server on a fresh PostgreSQL database.
#   start_live_server NAME PORT   creates database tasks_api_NAME_<pid>, migrates it, serves
#                                 on 127.0.0.1:PORT (log: artifacts/NAME/server.log) and sets
#                                 LIVE_URL; an EXIT trap stops the server by PID and drops
#                                 the database.
# Needs PostgreSQL on PGHOST:PGPORT (default 127.0.0.1:5432, user postgres) and .venv-dev (the checks' environment).

LIVE_PID=""
LIVE_DB=""

stop_live_server() {
  if [ -n "$LIVE_PID" ] && kill -0 "$LIVE_PID" 2>/dev/null; then
    kill "$LIVE_PID"
    wait "$LIVE_PID" 2>/dev/null || true
  fi
  LIVE_PID=""
  if [ -n "$LIVE_DB" ]; then
    dropdb --if-exists --force -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" "$LIVE_DB" || true
    LIVE_DB=""
  fi
}

start_live_server() {
  local name=$1 port=$2
  mkdir -p "artifacts/$name"
  LIVE_DB="tasks_api_${name//-/_}_$$"
  createdb -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" "$LIVE_DB"
  trap stop_live_server EXIT
  export DATABASE_URL="postgresql://${PGUSER:-postgres}@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$LIVE_DB"
  export ENVIRONMENT=test HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warning
  JWT_SECRET=$(.venv-dev/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')
  export JWT_SECRET
  .venv-dev/bin/python -m impl.migrate upgrade
  .venv-dev/bin/python -m impl.serve >"artifacts/$name/server.log" 2>&1 &
  LIVE_PID=$!
  LIVE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if curl -fsS "$LIVE_URL/api/v1/health/ready" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$LIVE_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "live server did not become ready; see artifacts/$name/server.log" >&2
  cat "artifacts/$name/server.log" >&2
  return 1
}

# register_live_user EMAIL PASSWORD: create an account through the API.
register_live_user() {
  curl -fsS -X POST "$LIVE_URL/api/v1/auth/register" -H 'Content-Type: application/json' \
    --data "{\"email\": \"$1\", \"password\": \"$2\"}" >/dev/null
}
