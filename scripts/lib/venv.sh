# Shared by the scripts: find a Python 3.11+ and keep a virtual environment in step with its
# requirement file. One environment per purpose, each built from its own file and never from
# another's:
#   .venv           the service (requirements.txt): scripts/serve
#   .venv-dev       tests and checks (requirements-dev.txt): scripts/test, lint, bench-*, *-check
#   .venv-codegen   the generator (scripts/codegen/requirements.txt): scripts/generate
# When the file changes, the environment is updated in place (pip install -r), never deleted,
# so a server running from it keeps running.

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "tasks-api needs Python 3.11 or newer on PATH (or PYTHON=/path/to/python3.11)" >&2
  return 1
}

# ensure_venv DIR REQUIREMENTS
ensure_venv() {
  local venv=$1 requirements=$2
  local wanted
  wanted="$requirements $(sha256sum "$requirements" | cut -d' ' -f1)"
  local installed
  installed=$(cat "$venv/.installed" 2>/dev/null || true)
  if [ -x "$venv/bin/python" ] && [ "$installed" = "$wanted" ]; then
    return 0
  fi
  # (A marker without a file name predates this rule: updated in place like any other.)
  if [ "${installed#* }" != "$installed" ] && [ "${installed%% *}" != "$requirements" ]; then
    echo "$venv was built from ${installed%% *}, not $requirements: each environment has one" \
      "requirement file (see scripts/lib/venv.sh); remove $venv to rebuild it" >&2
    return 1
  fi
  if [ ! -x "$venv/bin/python" ]; then
    local python
    python=$(find_python)
    echo "setting up $venv from $requirements (one-time; updated when it changes)" >&2
    "$python" -m venv "$venv"
  else
    echo "updating $venv from $requirements" >&2
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" >"$venv/.installed"
}
