#!/usr/bin/env bash
# Install reftrail into .venv and crawl the bundled offline demo web into ./reftrail-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
bash scripts/allocator.sh  # optional: a faster malloc for text extraction
exec .venv/bin/reftrail demo "$@"
