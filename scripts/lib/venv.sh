# Shared by the scripts: find a Python 3.11+ and keep a virtual environment in step with
# requirement files (reinstalled only when they change).

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

# ensure_venv DIR REQUIREMENTS...
ensure_venv() {
  local venv=$1
  shift
  local wanted
  wanted=$(cat "$@" | sha256sum | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.installed" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  local python
  python=$(find_python)
  echo "setting up $venv from $* (one-time; re-run when requirements change)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  local args=()
  local file
  for file in "$@"; do args+=(-r "$file"); done
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}"
  echo "$wanted" >"$venv/.installed"
}
