"""`exclude` and `per-file-ignores` patterns have gitignore semantics (pathspec), and the
project's `.gitignore` files are honoured (`respect-gitignore = false` turns that off)."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("pathspec", reason="pathspec (a dependency) is not installed here: pip install -e . again")

from convex_lsp.analysis.config import ConfigError, parse_mapping
from convex_lsp.analysis.ignore import GitIgnore, matches
from tests.cli_helpers import MESSAGES, cli, project


@pytest.mark.parametrize("pattern,path,expected", [
    ("convex/**/*.ts", "convex/x.ts", True),             # ** matches no folder at all
    ("convex/**/*.ts", "convex/a/b/x.ts", True),
    ("convex/migrations/*.ts", "convex/migrations/m1.ts", True),
    ("convex/migrations/*.ts", "convex/migrations/old/m1.ts", False),  # * stays in its folder
    ("migrations/*.ts", "convex/migrations/m1.ts", False),  # a slash anchors to the root
    ("*.gen.ts", "convex/deep/x.gen.ts", True),          # no slash: any depth
    ("legacy/", "convex/legacy/a.ts", True),             # a folder and everything in it
    ("convex/legacy/**", "convex/legacy/a/b.ts", True),
    ("convex/legacy", "convex/legacyish.ts", False),
])
def test_gitignore_semantics(pattern, path, expected):
    assert matches(path, [pattern]) is expected


def test_negation_reincludes():
    assert matches("convex/keep.ts", ["convex/*.ts", "!convex/keep.ts"]) is False


def test_config_exclude_and_per_file_ignores(tmp_path):
    cfg = parse_mapping({"exclude": ["convex/**/*.gen.ts"],
                         "per-file-ignores": {"convex/migrations/*.ts": ["CVX201"]}}, "convex-lsp.toml", str(tmp_path))
    root = str(tmp_path)
    assert cfg.is_excluded(os.path.join(root, "convex", "x.gen.ts"))
    assert not cfg.is_excluded(os.path.join(root, "convex", "x.ts"))
    assert cfg.effective_severity("CVX201", os.path.join(root, "convex", "migrations", "m.ts")) is None
    assert cfg.effective_severity("CVX201", os.path.join(root, "convex", "migrations", "sub", "m.ts")) == "warning"
    assert cfg.respect_gitignore is True
    off = parse_mapping({"respect-gitignore": False}, "convex-lsp.toml", root)
    assert off.respect_gitignore is False
    with pytest.raises(ConfigError, match="respect-gitignore"):
        parse_mapping({"respect-gitignore": "yes"}, "convex-lsp.toml", root)


def test_check_honours_exclude_and_gitignore(tmp_path):
    root = project(tmp_path, {
        "convex/legacy/old.ts": MESSAGES,
        "convex/generated_by_tool/x.ts": MESSAGES,
        "convex/migrations/m1.ts": MESSAGES,
        "convex/migrations/archive/m0.ts": MESSAGES,
        ".gitignore": "convex/generated_by_tool/\n",
        "convex-lsp.toml": 'exclude = ["convex/legacy/**"]\n[per-file-ignores]\n"convex/migrations/*.ts" = ["CVX201"]\n',
    })
    os.mkdir(os.path.join(root, ".git"))
    files = cli("check", "--show-files", cwd=root).stdout.splitlines()
    assert "convex/legacy/old.ts" not in files and "convex/generated_by_tool/x.ts" not in files
    assert "convex/migrations/m1.ts" in files and "convex/messages.ts" in files
    found = json.loads(cli("check", "--output-format", "json", "--select", "CVX201", cwd=root).stdout)
    assert sorted(f["filename"] for f in found) == ["convex/messages.ts", "convex/migrations/archive/m0.ts"]
    # respect-gitignore = false: the ignored folder is linted again
    with open(os.path.join(root, "convex-lsp.toml"), "a") as fh:
        fh.write("")
    with open(os.path.join(root, "convex-lsp.toml"), "w") as fh:
        fh.write('respect-gitignore = false\n')
    files = cli("check", "--show-files", cwd=root).stdout.splitlines()
    assert "convex/generated_by_tool/x.ts" in files and "convex/legacy/old.ts" in files


def test_nested_gitignore_and_negation(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "app" / "convex" / "gen").mkdir(parents=True)
    (root / ".gitignore").write_text("*.tmp.ts\n")
    (root / "app" / "convex" / ".gitignore").write_text("gen/\n!keep.tmp.ts\n")
    gi = GitIgnore()
    proj = str(root / "app")
    assert gi.ignored(str(root / "app" / "convex" / "a.tmp.ts"), proj)
    assert not gi.ignored(str(root / "app" / "convex" / "keep.tmp.ts"), proj)  # the deeper file decides
    assert gi.ignored(str(root / "app" / "convex" / "gen" / "x.ts"), proj)
    assert not gi.ignored(str(root / "app" / "convex" / "x.ts"), proj)
