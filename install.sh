#!/bin/sh
# Install convex-lsp from this checkout, then lint the bundled example project.
#
#   ./install.sh         the `convex-lsp` command for your user: with `uv tool` or `pipx` when
#                        one is installed, else in a private virtual environment
#                        (~/.local/share/convex-lsp/venv) linked from ~/.local/bin; then runs
#                        `convex-lsp check examples/app`
#   ./install.sh --dev   a development environment in .venv (editable, with the test tools)
#
# Works with the system python3 of Debian/Ubuntu (PEP 668: nothing is installed into it) and of
# macOS. Environment: CONVEX_LSP_INSTALLER=uv|pipx|venv forces a way; CONVEX_LSP_PYTHON=/path
# a Python (3.10 or newer); CONVEX_LSP_VENV the private environment's folder.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mode=user
case "${1:-}" in
  --dev) mode=dev ;;
  "") ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

say() { printf '%s\n' "install.sh: $*" >&2; }
die() { printf '%s\n' "install.sh: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- a Python >= 3.10
find_python() {
  for py in ${CONVEX_LSP_PYTHON:-} python3.14 python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

# a virtual environment at $1 with pip in it, even where python3-venv/ensurepip is missing
make_venv() {
  dir=$1
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$dir"
  if "$PY" -m venv "$dir" >/dev/null 2>&1; then
    return 0
  fi
  # Debian/Ubuntu without python3-venv: a venv without pip, then pip's own zipapp
  say "python3 -m venv cannot install pip here (on Debian/Ubuntu: sudo apt install python3-venv); using pip's zipapp"
  rm -rf "$dir"
  "$PY" -m venv --without-pip "$dir" || die "cannot create a virtual environment with $PY"
  pyz="$dir/pip.pyz"
  "$dir/bin/python" -c 'import sys, urllib.request; urllib.request.urlretrieve("https://bootstrap.pypa.io/pip/pip.pyz", sys.argv[1])' "$pyz" ||
    die "cannot download pip (https://bootstrap.pypa.io/pip/pip.pyz); install python3-venv and try again"
  "$dir/bin/python" "$pyz" install -q pip || die "cannot install pip into $dir"
  rm -f "$pyz"
}

pip_install() {  # pip_install VENV ARGS...
  v=$1; shift
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$v/bin/python" -m pip install -q "$@"
}

# ---------------------------------------------------------------- --dev: .venv for contributors
if [ "$mode" = dev ]; then
  PY=$(find_python) || die "Python 3.10 or newer is needed (python3 --version says: $(python3 --version 2>&1 || echo none))"
  make_venv "$here/.venv"
  pip_install "$here/.venv" -e ".[test]"
  say "development environment ready: .venv (run the tests with .venv/bin/python -m pytest -q tests)"
  exit 0
fi

# ---------------------------------------------------------------- the user's command
installer=${CONVEX_LSP_INSTALLER:-}
if [ -z "$installer" ]; then
  if command -v uv >/dev/null 2>&1; then installer=uv
  elif command -v pipx >/dev/null 2>&1; then installer=pipx
  else installer=venv
  fi
fi
bin_dir="$HOME/.local/bin"
exe=""
case "$installer" in
  uv)
    say "installing with uv tool"
    uv tool install --force --quiet "$here" >&2 || die "uv tool install failed"
    exe=$(command -v convex-lsp || echo "$(uv tool dir --bin 2>/dev/null || echo "$bin_dir")/convex-lsp")
    ;;
  pipx)
    say "installing with pipx"
    PY=$(find_python) || die "Python 3.10 or newer is needed"
    pipx install --force --python "$PY" "$here" >&2 || die "pipx install failed"
    exe="${PIPX_BIN_DIR:-$bin_dir}/convex-lsp"
    ;;
  venv)
    PY=$(find_python) || die "Python 3.10 or newer is needed (python3 --version says: $(python3 --version 2>&1 || echo none)); on macOS: brew install python, on Debian/Ubuntu: sudo apt install python3"
    venv=${CONVEX_LSP_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/convex-lsp/venv}
    say "installing into $venv (with $PY)"
    make_venv "$venv"
    pip_install "$venv" --upgrade "$here" || die "pip install failed"
    mkdir -p "$bin_dir"
    ln -sf "$venv/bin/convex-lsp" "$bin_dir/convex-lsp"
    exe="$bin_dir/convex-lsp"
    ;;
  *) die "CONVEX_LSP_INSTALLER must be uv, pipx or venv (got $installer)" ;;
esac
[ -x "$exe" ] || die "convex-lsp was installed but $exe is not there"
say "installed: $("$exe" --version) at $exe"
case ":$PATH:" in
  *":$(dirname "$exe"):"*) ;;
  *) say "add $(dirname "$exe") to your PATH to run convex-lsp by name (e.g. in ~/.profile: export PATH=\"$(dirname "$exe"):\$PATH\")" ;;
esac

say "linting the example project: convex-lsp check examples/app (it is written to show most rules firing)"
set +e
"$exe" check examples/app
rc=$?
set -e
if [ "$rc" = 1 ]; then
  say "done: the findings above are expected (exit code 1 means findings). Next: convex-lsp check path/to/your/app"
  exit 0
fi
exit "$rc"
