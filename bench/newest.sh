#!/usr/bin/env bash
# The suite on the newest releases, as a user's `pipx install` gets them today, not on
# uv.lock: a fresh venv (.venv-newest, or $NEWEST_VENV), the project and its test extras
# resolved afresh, then pytest with the given arguments (the whole suite by default).
#   bash bench/newest.sh                       # the whole suite
#   bash bench/newest.sh tests/mtls tests/demo # a part of it
# Before the run it lists the packages whose versions differ from the lock; when the run
# fails it lists them again, since a release new since the lock is the likely cause.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${NEWEST_VENV:-.venv-newest}
python=${PYTHON:-python3}
# uv: $UV, else the one the README's test command put in .venv, else uv on PATH.
uv=${UV:-}
[ -z "$uv" ] && [ -x .venv/bin/uv ] && uv=.venv/bin/uv
[ -z "$uv" ] && uv=$(command -v uv || true)
[ -n "$uv" ] || { echo "newest: no uv (the README's test command installs it in .venv)"; exit 2; }
rm -rf "$venv"
"$python" -m venv "$venv" || exit 2
# --refresh: no cached metadata, so a release out since the last resolve is seen.
"$uv" pip install --quiet --refresh --python "$venv/bin/python" -e '.[test]' || {
  echo "newest: the newest releases do not install together (above)"
  exit 1
}
drift=$("$venv/bin/python" bench/lock_drift.py uv.lock)
if [ -n "$drift" ]; then
  printf 'newest: these differ from uv.lock:\n%s\n' "$drift" | sed '2,$s/^/  /'
else
  echo "newest: the newest releases are the locked ones"
fi
unset PYTHONDONTWRITEBYTECODE
"$venv/bin/python" -m pytest -q "$@"
status=$?
if [ "$status" -ne 0 ]; then
  echo "newest: the suite failed on the newest releases (exit $status)."
  if [ -n "$drift" ]; then
    printf 'newest: the packages whose versions differ from uv.lock, the likely cause:\n%s\n' \
      "$drift" | sed '2,$s/^/  /'
  else
    echo "newest: no version differs from uv.lock: the failure is not a new release's."
  fi
fi
exit "$status"
