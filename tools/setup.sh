#!/usr/bin/env bash
# Create .venv (once) and install the project with everything it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*"; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
# What was installed, and from where: pip runs again only when pyproject.toml or this folder changed.
stamp="$(cat pyproject.toml | sha256sum | cut -c1-16) $PWD"
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" = "$stamp" ] &&
   .venv/bin/python -c "import grader, numpy, importlib.util as u; assert u.find_spec('nbgrader')" 2>/dev/null; then
  say "the project's Python packages are installed (pyproject.toml unchanged)"
else
  say "installing the project and its Python packages into .venv (under a minute on a fresh machine)"
  rm -f .venv/.setup-stamp
  # uv resolves, fetches and unpacks in parallel: about 20 s where pip takes two minutes of CPU.
  # Byte-compiled at install (in parallel too): every process the tests start imports nbgrader,
  # and without .pyc files each would compile it again (PYTHONDONTWRITEBYTECODE, or another user).
  # pip is the fallback when uv cannot be had or cannot install (uv does not read pip's configuration:
  # a machine that reaches packages only through a mirror set for pip).
  pip_quiet() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
    | grep -v "^WARNING: Location" || true; }
  pip_quiet 'uv>=0.4'
  if ! { [ -x .venv/bin/uv ] &&
         .venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -e '.[test]'; }; then
    say "uv could not install the packages: installing with pip instead (slower)"
    pip_quiet -e '.[test]'
  fi
  .venv/bin/python -c "import grader, nbgrader, numpy" # fail here, not later, if the install broke
  echo "$stamp" > .venv/.setup-stamp
fi

# System packages the tests use, from Debian when run as root (as in CI):
# headless Chromium for pages; the system Python with venv, for OS users of
# their own (students on a shared machine, grading without root); PostgreSQL's
# server (the tests start throwaway clusters; the Debian service is not used);
# procps/passwd. Dask comes from PyPI with the project.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
/usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3 python3-venv)
command -v useradd >/dev/null || missing+=(passwd)
command -v pkill >/dev/null || missing+=(procps)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)  # the PostgreSQL gradebook tests
# libseccomp: the sealed child's system-call allowlist (pyseccomp binds it; without it the
# seal lacks that layer and says so); ipcrm and sleep: the seal's tests.
{ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -q 'libseccomp\.so\.2' || missing+=(libseccomp2)
command -v ipcrm >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages for the tests: ${missing[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
      >/dev/null 2>&1 || echo "warning: could not install ${missing[*]}; some tests will fail" >&2
  else
    echo "warning: install ${missing[*]} (Debian packages) for the tests" >&2
  fi
fi
say "done: .venv is ready (export PATH=\"$PWD/.venv/bin:\$PATH\" puts grader and nbgrader on your PATH)"
