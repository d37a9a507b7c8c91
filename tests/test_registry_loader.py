"""The registry imports the rule modules from their compiled files directly (registry._pyc_loader):
the same modules as importlib's, importlib itself for anything but an up-to-date `.pyc`."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from convex_lsp.analysis import registry


def _package(tmp_path, name: str, modules: dict[str, str]):
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for mod, text in modules.items():
        (root / f"{mod}.py").write_text(text)
    return root


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """A package folder on sys.path whose modules are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def _forget(pkg_name: str) -> None:
    for name in [n for n in sys.modules if n == pkg_name or n.startswith(pkg_name + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _count_importlib(monkeypatch) -> list[str]:
    asked: list[str] = []
    real = importlib.import_module

    def spy(name, package=None):
        asked.append(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", spy)
    return asked


def test_up_to_date_pyc_is_read_directly_and_gives_importlibs_module(fresh, monkeypatch):
    _package(fresh, "pkg_a", {"one": "from . import two\nX = two.Y + 1\n", "two": "Y = 41\n"})
    for m in ("pkg_a.one", "pkg_a.two"):
        importlib.import_module(m)  # (writes the .pyc files)
    want = {n: (m.__file__, m.__cached__, m.__spec__.origin, m.__spec__.cached, m.__spec__.parent,
                m.__spec__.has_location, type(m.__loader__), m.__loader__.path, m.__package__)
            for n, m in sys.modules.items() if n.startswith("pkg_a.")}
    _forget("pkg_a")
    pkg = importlib.import_module("pkg_a")
    asked = _count_importlib(monkeypatch)
    load = registry._pyc_loader(pkg)
    one = load("one")  # (its `from . import two` imports `two` the usual way)
    two = load("two")
    assert asked == ["pkg_a.two"]  # (imported already: importlib's answer)
    assert one.X == 42 and pkg.one is one and pkg.two is two
    assert sys.modules["pkg_a.one"] is one
    for n, m in (("pkg_a.one", one), ("pkg_a.two", two)):
        got = (m.__file__, m.__cached__, m.__spec__.origin, m.__spec__.cached, m.__spec__.parent,
               m.__spec__.has_location, type(m.__loader__), m.__loader__.path, m.__package__)
        assert got == want[n]
    assert importlib.reload(one).X == 42  # (a spec importlib can use again)


def test_stale_or_missing_pyc_goes_through_importlib(fresh, monkeypatch):
    root = _package(fresh, "pkg_b", {"mod": "X = 1\n", "other": "Y = 1\n"})
    importlib.import_module("pkg_b.mod")
    importlib.import_module("pkg_b.other")
    _forget("pkg_b")
    (root / "mod.py").write_text("X = 22\n")  # another size: the .pyc is stale
    st = os.stat(root / "mod.py")
    os.utime(root / "mod.py", (st.st_atime, st.st_mtime + 5))
    for f in (root / "__pycache__").iterdir():
        if f.name.startswith("other."):
            f.unlink()
    pkg = importlib.import_module("pkg_b")
    asked = _count_importlib(monkeypatch)
    load = registry._pyc_loader(pkg)
    assert load("mod").X == 22
    assert load("other").Y == 1
    assert asked == ["pkg_b.mod", "pkg_b.other"]
    assert any(f.name.startswith("other.") for f in (root / "__pycache__").iterdir())  # written again


def test_module_that_fails_is_not_left_imported(fresh, monkeypatch):
    root = _package(fresh, "pkg_c", {"bad": "X = 1\n"})
    importlib.import_module("pkg_c.bad")
    _forget("pkg_c")
    # same size and time, other bytes: the .pyc is taken as up to date (importlib's own test), so
    # make the compiled module itself fail
    (root / "bad.py").write_text("X = 1\n")
    pyc = next(f for f in (root / "__pycache__").iterdir() if f.name.startswith("bad."))
    code = compile("raise RuntimeError('boom')\n", str(root / "bad.py"), "exec")
    import marshal

    data = pyc.read_bytes()
    st = os.stat(root / "bad.py")
    header = data[:8] + (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    pyc.write_bytes(header + marshal.dumps(code))
    pkg = importlib.import_module("pkg_c")
    load = registry._pyc_loader(pkg)
    with pytest.raises(RuntimeError, match="boom"):
        load("bad")
    assert "pkg_c.bad" not in sys.modules


def test_rule_modules_as_importlib_gives_them():
    probe = (
        "import importlib, sys\n"
        "from convex_lsp.analysis import registry, rules\n"
        "registry.all_rules()\n"
        "names = sorted(n for n in sys.modules if n.startswith('convex_lsp.analysis.rules.'))\n"
        "def shape(m):\n"
        "    s = m.__spec__\n"
        "    return (m.__name__, m.__file__, m.__cached__, m.__package__, s.name, s.origin, s.cached, s.parent,\n"
        "            type(m.__loader__).__name__, getattr(rules, m.__name__.rsplit('.', 1)[1]) is m,\n"
        "            sorted(k for k in vars(m) if not k.startswith('__')))\n"
        "print(repr([shape(sys.modules[n]) for n in names]))\n"
    )
    fast = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert fast.returncode == 0, fast.stderr
    slow_probe = probe.replace("from convex_lsp.analysis import registry, rules\n",
                               "from convex_lsp.analysis import registry, rules\n"
                               "registry._pyc_loader = lambda pkg: (lambda name: importlib.import_module("
                               "pkg.__name__ + '.' + name))\n")
    slow = subprocess.run([sys.executable, "-c", slow_probe], capture_output=True, text=True, timeout=300)
    assert slow.returncode == 0, slow.stderr
    assert fast.stdout == slow.stdout and len(fast.stdout) > 1000
