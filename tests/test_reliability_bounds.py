"""Bounded algorithms (issue 17, item 3): export resolution through `export *` cycles, and every
regular expression the analysis runs over user text, on adversarial input.

Export resolution is measured in operations (module look-ups); the patterns against a generous
time bound on inputs sized so that the quadratic versions took tens of seconds or more (the
linear ones take milliseconds)."""

from __future__ import annotations

import os
import time

import pytest

from convex_lsp.analysis import convex as cx
from convex_lsp.analysis.index import WorkspaceIndex
from convex_lsp.analysis.rules import _identity, hardcoded_secret as hs, string_id_validator as siv
from convex_lsp.analysis.rules.client_supplied_identity import IDENTITY_ARG_RE
from tests.ruletester import lint_files, write_project

# ------------------------------------------------------------------ export * cycles


def star_cycle(n: int, extra: str = "") -> dict[str, str]:
    """n files, each `export *` from every other one."""
    files = {}
    for i in range(n):
        stars = "".join(f'export * from "./m{j}";\n' for j in range(n) if j != i)
        files[f"convex/m{i}.ts"] = stars + (extra if i == n - 1 else "")
    return files


@pytest.mark.parametrize("n", [3, 4, 6])
def test_export_star_cycles_resolve_in_linear_operations(tmp_path, monkeypatch, n):
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover

    root = write_project(tmp_path, {"package.json": "{}", **star_cycle(n, "export const found = 1;\n")})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    calls = {"n": 0}
    real = WorkspaceIndex.resolve_module

    def counted(self, from_path, spec):
        calls["n"] += 1
        if calls["n"] > 10_000:
            raise AssertionError("export resolution does not terminate in reasonable time")
        return real(self, from_path, spec)

    monkeypatch.setattr(WorkspaceIndex, "resolve_module", counted)
    m0 = os.path.join(root, "convex/m0.ts")
    assert an.index.resolve_export(m0, "missing") is None
    assert calls["n"] <= n * n  # each file's stars followed once
    assert an.index.resolve_export(m0, "found") == (os.path.join(root, f"convex/m{n - 1}.ts"), "found")
    before = calls["n"]
    assert an.index.resolve_export(m0, "missing") is None  # memoised
    assert calls["n"] == before


def test_export_star_cycle_through_a_reexport_still_finds_the_binding(tmp_path):
    # a: export * from b, export * from c; b: export * from a; c defines y. b re-exports y via a.
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover

    root = write_project(tmp_path, {"package.json": "{}",
                                    "convex/a.ts": 'export * from "./b";\nexport * from "./c";\n',
                                    "convex/b.ts": 'export * from "./a";\n',
                                    "convex/c.ts": "export const y = 1;\n"})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    c = os.path.join(root, "convex/c.ts")
    assert an.index.resolve_export(os.path.join(root, "convex/a.ts"), "y") == (c, "y")
    assert an.index.resolve_export(os.path.join(root, "convex/b.ts"), "y") == (c, "y")


def test_check_on_a_four_file_export_star_cycle_finishes(tmp_path):
    files = star_cycle(4)
    files["convex/use.ts"] = ('import { query } from "./_generated/server";\nimport { helper } from "./m0";\n'
                              'import { v } from "convex/values";\n'
                              "export const q = query({ args: {}, returns: v.null(), handler: async (ctx) => { "
                              "await helper(ctx); return null; } });\n")
    t0 = time.monotonic()
    lint_files(tmp_path, files)
    assert time.monotonic() - t0 < 60  # was over 120 s


# ------------------------------------------------------------------ regular expressions

BOUND_S = 3.0  # each case takes milliseconds; the quadratic/exponential versions took >= 15 s


def timed(fn, arg) -> float:
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0


JWT = hs.PATTERNS[-1][1]
PEM = hs.PATTERNS[-2][1]

ADVERSARIAL = {
    "cvx701-json-web-token": (JWT.search, "eyJ-" * 60_000),
    "cvx701-json-web-token-dots": (JWT.search, ("eyJ" + "a" * 12 + ".") * 30_000),
    "cvx701-private-key": (PEM.search, "-----BEGIN PRIVATE KEY-----" + "\n" * 39 + "!"),
    "cvx701-private-key-headers": (PEM.search, "-----BEGIN " + "A " * 100_000),
    "cvx701-placeholder": (hs.PLACEHOLDER_RE.search, "<" * 200_000),
    "cvx701-every-pattern": (lambda s: [p.search(s) for _, p, _ in hs.PATTERNS], "sk-" * 70_000),
    "cvx701-secret-names": (hs.SECRET_NAME_RE.search, "token_" * 40_000 + "x"),
    "auth-call-names": (cx.AUTH_CALL_RE.match, "get" + "User" * 50_000 + "."),
    "identity-references": (_identity.is_identity_ref, "require" * 30_000),
    "identity-names": (_identity.IDENTITY_NAME_RE.search, "x" * 200_000),
    "identity-arguments": (IDENTITY_ARG_RE.search, "user_" * 40_000),
    "id-types": (siv.ID_TYPE_RE.match, "Id<'a'>" + " " * 100_000 + "x"),
    "ctx-types": (cx.CTX_TYPE_RE.search, "Generic" * 30_000),
}


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_patterns_over_user_text_are_linear(case):
    fn, arg = ADVERSARIAL[case]
    assert timed(fn, arg) < BOUND_S, case


@pytest.mark.parametrize("literal,found", [
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", True),
    ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", True),
    ("x-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", True),
    ("eyJ-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", True),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.short", False),
    ("eyJhbGciOiJIUzI1NiJ9.notapayload12345.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", False),
])
def test_the_linear_jwt_pattern_finds_what_the_old_one_found(literal, found):
    import re

    old = re.compile(r"\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{16,}")
    m_old, m_new = old.search(literal), JWT.search(literal)
    assert (m_new is not None) == found == (m_old is not None)
    if found:
        assert m_new.group(0) == m_old.group(0)


def test_identity_reference_names_unchanged():
    yes = ["viewer", "requireUser", "ensureSignedInUser", "requireCurrentUser", "getMe", "me"]
    no = ["listMessages", "userRequire", "requireAdmin", "ensureTeam", "users"]
    assert [n for n in yes if _identity.is_identity_ref(n)] == yes
    assert [n for n in no if _identity.is_identity_ref(n)] == []


def test_cvx701_on_a_huge_adversarial_literal(tmp_path):
    body = "eyJ-" * 200_000  # 800 KB, under the file size limit
    src = f'export const blob = "{body}";\n'
    t0 = time.monotonic()
    found = lint_files(tmp_path, {"convex/blob.ts": src})
    assert time.monotonic() - t0 < 60  # minutes before
    assert [f.code for f in found] == []
