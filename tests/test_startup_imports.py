"""Start-up cost of `check`: what its modules leave out until they need it (analysis/lazy_re.py,
the registry's discovery of rule modules, stdlib modules imported where they are used)."""

import pkgutil
import re
import subprocess
import sys

from convex_lsp.analysis import lazy_re, registry, rules

# stdlib modules `check` needs only sometimes (suggestions, the cache, debug logging) or never
# (threading: `_thread`'s lock and local do; heapq; zlib: deferred summaries stamp bytes by hash)
DEFERRED = ("dataclasses", "inspect", "difflib", "hashlib", "logging", "importlib.resources", "tempfile",
            "threading", "heapq", "zlib")

PROBE = f"""
import sys
import convex_lsp.server.cli, convex_lsp.server.runner, convex_lsp.server.units, convex_lsp.server.reporters
import convex_lsp.analysis.engine, convex_lsp.analysis.cache, convex_lsp.quickfixes
from convex_lsp.analysis.source import language
language('ts'), language('tsx')
from convex_lsp.analysis import registry
registry.all_rules()
print(",".join(m for m in {DEFERRED!r} if m in sys.modules))
"""


def test_check_modules_leave_rarely_needed_stdlib_modules_out():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"imported at start-up: {out.stdout.strip()}"


def test_lazy_pattern_compiles_on_first_use_and_answers_as_re():
    p = lazy_re.compile(r"a(b+)", re.IGNORECASE)
    assert "search" not in vars(p)  # nothing compiled yet
    m = p.search("xxABBb")
    assert m is not None and m.group(1) == "BBb"
    assert "search" in vars(p) and "finditer" in vars(p)  # the compiled pattern's methods, kept
    real = re.compile(r"a(b+)", re.IGNORECASE)
    s = "ab aBB x abbb"
    assert [x.span() for x in p.finditer(s)] == [x.span() for x in real.finditer(s)]
    assert p.findall(s) == real.findall(s) and p.sub("-", s) == real.sub("-", s)
    assert p.match("zab") is None and p.fullmatch("ab") is not None
    assert (p.pattern, p.flags, p.groups) == (real.pattern, real.flags, real.groups)
    b = lazy_re.compile(rb"\bx+")
    assert b.search(b"a xx").group() == b"xx"
    assert not hasattr(lazy_re.compile("a"), "__wrapped__")  # dunder probes (copy, pickle) are not forwarded


def test_registry_lists_the_modules_pkgutil_lists(tmp_path):
    want = [i.name for i in sorted(pkgutil.iter_modules(rules.__path__), key=lambda i: i.name)]
    assert registry._module_names(rules.__path__) == want
    (tmp_path / "a_rule.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "not_a_pkg").mkdir()
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "b.cpython-311-x86_64-linux-gnu.so").write_text("")
    (tmp_path / "x.y.py").write_text("")
    got = registry._module_names([str(tmp_path), str(tmp_path / "missing")])
    assert got == [i.name for i in sorted(pkgutil.iter_modules([str(tmp_path)]), key=lambda i: i.name)]
    assert got == ["a_rule", "b", "pkg"]


def test_grammar_binding_is_the_packages():
    import tree_sitter
    import tree_sitter_typescript

    from convex_lsp.analysis import source, ts_grammar

    b, pkg = ts_grammar.binding, tree_sitter_typescript
    for mine, theirs, kind in ((b.language_typescript, pkg.language_typescript, "ts"),
                               (b.language_tsx, pkg.language_tsx, "tsx")):
        assert tree_sitter.Language(mine()) == tree_sitter.Language(theirs()) == source.language(kind)
    assert source.language("ts") != source.language("tsx")


CLI_PROBE = """
import argparse, sys
from convex_lsp.server import cli

def helps(ap):
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    return [ap.format_help(), ap.format_usage()] + [p.format_help() for p in sub.choices.values()]

ap = cli.build_parser()
print("shutil" in sys.modules)
cli._BuildingFormatter = argparse.HelpFormatter  # the parser as argparse builds it by default
print(helps(ap) == helps(cli.build_parser()))
print(max(len(line) for line in helps(ap)[0].splitlines()))
"""


def test_building_the_parser_leaves_shutil_out_and_help_is_unchanged():
    import os

    widths = []
    for cols in ("60", "150"):
        env = dict(os.environ, COLUMNS=cols)
        out = subprocess.run([sys.executable, "-c", CLI_PROBE], capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["False", "True", out.stdout.split()[2]]
        widths.append(int(out.stdout.split()[2]))
    assert widths[0] < widths[1]  # the help follows the terminal's width
