#!/usr/bin/env bash
# Install everything the suite needs into .venv and run the whole suite, on SQLite and on the
# real PostgreSQL. Extra arguments go to pytest (e.g. scripts/test.sh -k warc --db sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
bash scripts/services.sh
bash scripts/allocator.sh  # optional: a faster malloc for text extraction
# The browser test drives Debian's chromium with Playwright (which cannot download browsers here).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test: installing Debian's chromium for the browser test"
    apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; }
fi
# Real pages written by others live beside the checkout (../shared/corpus); tests say when absent.
if [ -z "${REFTRAIL_CORPUS_DIR:-}" ] && [ ! -d ../shared/corpus ] && [ -d /work/shared/corpus ]; then
    export REFTRAIL_CORPUS_DIR=/work/shared/corpus
fi
bash .ci/setup_pywb.sh
# Files the tests leave for people to look at (the browser test's screenshots).
export REFTRAIL_ARTIFACTS="${REFTRAIL_ARTIFACTS:-$PWD/artifacts}"
exec .venv/bin/python -m pytest -n 2 --dist loadscope --db all "$@"
