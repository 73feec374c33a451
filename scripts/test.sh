#!/usr/bin/env bash
# Second command of the README: install everything and run the whole test
# suite twice, on SQLite and on PostgreSQL (a fresh database per run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

# Browser tests use Debian's Chromium (Playwright never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium missing and cannot install it; browser tests will fail" >&2
  fi
fi

export ZHILI_DATA_DIR="${ZHILI_DATA_DIR:-$(mktemp -d)}"
PG_URL_BASE="${ZHILI_TEST_PG:-postgres://postgres@127.0.0.1:5432}"

run_pytest() {
  local label="$1"; shift
  echo "== tests on $label =="
  set +e
  .venv/bin/python -m pytest -p no:cacheprovider "$@"
  local status=$?
  set -e
  # Exit status 5 means no test ran: that is a failure, not a pass.
  if [ "$status" -eq 5 ]; then
    echo "error: no tests were collected on $label" >&2
    return 1
  fi
  return "$status"
}

.venv/bin/ruff check zhili tests bench
DATABASE_URL="" run_pytest SQLite "$@"

db="zhili_ci_$(date +%s)_$$"
.venv/bin/python scripts/pgdb.py create "$PG_URL_BASE" "$db"
trap '.venv/bin/python scripts/pgdb.py drop "$PG_URL_BASE" "$db" || true' EXIT
DATABASE_URL="$PG_URL_BASE/$db" run_pytest PostgreSQL --create-db "$@"
