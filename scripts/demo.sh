#!/usr/bin/env bash
# First command of the README: install everything, then run the demo district
# (migrate, load the synthetic district, serve on http://127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
ZHILI_EXTRAS=test bash scripts/install.sh
exec .venv/bin/zhili demo "$@"
