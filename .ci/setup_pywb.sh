#!/usr/bin/env bash
# Create (or confirm) the virtualenv that holds pywb for the interop tests.
#
# pywb pins old redis / werkzeug / fakeredis versions, so it never goes into reftrail's own
# environment: it gets a virtualenv of its own, installed from the pinned
# .ci/pywb-requirements.txt. Idempotent: a venv whose stamp matches the requirements file and
# interpreter is reused after a quick check; anything else is rebuilt from scratch.
#
#   REFTRAIL_PYWB_VENV    where the venv goes (default ~/.cache/reftrail/pywb-venv)
#   REFTRAIL_PYWB_PYTHON  interpreter to build it with (default python3.11, else python3)
#   REFTRAIL_PYWB_FORCE=1 rebuild even when the stamp matches
#
# After building it proves the venv works: `wb-manager init` a collection in a temp dir, start
# `wayback` (pywb's own gevent server, no uwsgi) on 127.0.0.1 and fetch the collection page.
# Prints what it did; exits non-zero with a message saying what failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/pywb-requirements.txt"
venv="${REFTRAIL_PYWB_VENV:-$HOME/.cache/reftrail/pywb-venv}"
stamp="$venv/.reftrail-stamp"

say() { printf 'setup_pywb: %s\n' "$*"; }
die() { printf 'setup_pywb: ERROR: %s\n' "$*" >&2; exit 1; }

[ -f "$req" ] || die "pinned requirements not found at $req"

python="${REFTRAIL_PYWB_PYTHON:-}"
if [ -z "$python" ]; then
    if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi
command -v "$python" >/dev/null 2>&1 || die "no Python interpreter '$python' (set REFTRAIL_PYWB_PYTHON)"
pyver="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" \
    || die "cannot run '$python'"
"$python" -c 'import sys; sys.exit(not ((3, 9) <= sys.version_info[:2] <= (3, 14)))' \
    || die "pywb 2.10 needs Python 3.9-3.14, '$python' is $pyver (set REFTRAIL_PYWB_PYTHON)"

want="$(sha256sum "$req" | cut -d' ' -f1) python-$pyver"

# Serialise concurrent runs (pytest-xdist workers, parallel CI jobs) on the same venv.
mkdir -p "$(dirname "$venv")"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv.lock"
    flock 9 || die "cannot lock $venv.lock"
fi

quick_check() {
    [ -x "$venv/bin/python" ] && [ -x "$venv/bin/wb-manager" ] && [ -x "$venv/bin/wayback" ] &&
        "$venv/bin/python" -c 'import pywb, pywb.apps.frontendapp' >/dev/null 2>&1
}

if [ "${REFTRAIL_PYWB_FORCE:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && quick_check; then
    say "pywb venv up to date at $venv ($("$venv/bin/wayback" --version 2>&1 | tail -n1), Python $pyver); nothing to do"
    exit 0
fi

start=$(date +%s)
if [ -e "$venv" ]; then
    # Only ever delete what is recognisably a virtualenv (or an empty directory): the path
    # comes from the environment and a typo must not wipe anything else.
    if [ ! -f "$venv/pyvenv.cfg" ] && [ -n "$(ls -A "$venv" 2>/dev/null)" ]; then
        die "$venv exists and is not a virtualenv; refusing to replace it (set REFTRAIL_PYWB_VENV)"
    fi
    say "rebuilding $venv (stamp missing, stale or broken)"
    rm -rf "$venv"
else
    say "creating $venv"
fi
"$python" -m venv "$venv" || die "'$python -m venv $venv' failed"
say "installing pinned pywb requirements from $req with $python ($pyver)"
piplog="$(mktemp)"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -r "$req" \
        >"$piplog" 2>&1; then
    grep -v "^WARNING: Location '.*' is ignored" "$piplog" | tail -n 40 >&2 || true
    rm -f "$piplog"
    rm -rf "$venv"
    die "pip could not install $req into $venv (pip output above)"
fi
grep -E '^Successfully installed' "$piplog" | cut -c1-300 || true
rm -f "$piplog"
"$venv/bin/python" -m pip check --disable-pip-version-check \
    || { rm -rf "$venv"; die "pinned pywb requirements are inconsistent (pip check failed)"; }

say "smoke test: wb-manager init + wayback on 127.0.0.1"
if ! "$venv/bin/python" - "$venv" <<'PY'
import os, socket, subprocess, sys, tempfile, time, urllib.request
bindir = os.path.join(sys.argv[1], "bin")
os.environ["no_proxy"] = os.environ["NO_PROXY"] = "127.0.0.1,localhost"
with tempfile.TemporaryDirectory(prefix="pywb-smoke-") as root:
    out = subprocess.run([os.path.join(bindir, "wb-manager"), "init", "smoke"], cwd=root,
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit("wb-manager init failed:\n" + out.stdout + out.stderr)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(os.path.join(root, "wayback.log"), "wb") as log:
        proc = subprocess.Popen([os.path.join(bindir, "wayback"), "--port", str(port),
                                 "--bind", "127.0.0.1"], cwd=root, stdout=log, stderr=log)
    served, err = False, None
    try:
        deadline = time.monotonic() + 30
        while not served and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/smoke/", timeout=5) as r:
                    served = r.status == 200
                    print(f"setup_pywb: smoke test: GET /smoke/ -> {r.status}")
            except OSError as e:
                err = e
                time.sleep(0.2)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if not served:
        with open(os.path.join(root, "wayback.log"), errors="replace") as f:
            sys.exit(f"wayback did not serve on 127.0.0.1:{port} (last error: {err}):\n{f.read()}")
PY
then
    rm -rf "$venv"
    die "the freshly built pywb venv does not serve (see above); removed it"
fi

printf '%s\n' "$want" >"$stamp"
say "built $venv in $(( $(date +%s) - start ))s: $("$venv/bin/wayback" --version 2>&1 | tail -n1), Python $pyver"
