#!/usr/bin/env bash
# For every Python 3.11+ interpreter found (pyenv versions and python3.1x on PATH): a throwaway
# venv in $TMPDIR, `pip install -e '.[test]'` (the pinned dependencies, no extra), then the unit
# and domain tests. Prints one line per interpreter; exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root="${TMPDIR:-/tmp}/yibao-pythons"
mkdir -p "$root"
found=()
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[1-9]*/bin/python3 \
                 $(command -v python3.11 python3.12 python3.13 python3.14 2>/dev/null); do
  [ -x "$candidate" ] || continue
  # pyenv's shims stand for interpreters not selected here: they print nothing
  version=$("$candidate" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || continue
  [ -n "$version" ] || continue
  case " ${found[*]-} " in *" $version "*) continue ;; esac
  found+=("$version")
done
status=0
for version in "${found[@]}"; do
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version"/bin/python3 $(command -v python3.11 python3.12 python3.13 python3.14 2>/dev/null); do
    [ -x "$candidate" ] && [ "$("$candidate" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" = "$version" ] && break
  done
  venv="$root/py$version"
  log="$root/py$version.log"
  if { [ -x "$venv/bin/python" ] || "$candidate" -m venv "$venv"; } >"$log" 2>&1 \
     && "$venv/bin/pip" install -q -e '.[test]' >>"$log" 2>&1 \
     && "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/unit tests/domain >>"$log" 2>&1; then
    echo "Python $version: passed ($(tail -n 1 "$log"))"
  else
    echo "Python $version: FAILED (see $log)"; status=1
  fi
done
[ ${#found[@]} -gt 0 ] || { echo "no Python 3.11+ interpreter found"; status=1; }
exit $status
