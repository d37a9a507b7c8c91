"""fs.plain_absolute / relative_inside: slicing only where os.path.relpath would give the same."""

from __future__ import annotations

import os

import pytest

from convex_lsp.analysis import fs


@pytest.mark.skipif(os.sep != "/", reason="POSIX paths")
@pytest.mark.parametrize("path, plain", [
    ("/a/b/c.ts", True), ("/home/.cache/x/convex/a.ts", True), ("/a/.b", True), ("/", False),
    ("a/b", False), ("/a//b", False), ("/a/./b", False), ("/a/../b", False), ("/a/b/", False),
    ("/a/b/.", False), ("/a/b/..", False),
])
def test_plain_absolute_same_answer_when_asked_again(path, plain):
    assert fs.plain_absolute(path) is plain
    assert fs.plain_absolute(path) is plain  # (the kept answer)


@pytest.mark.skipif(os.sep != "/", reason="POSIX paths")
def test_relative_inside_matches_relpath():
    folder = "/w/.cache/proj/convex"
    for path in ("/w/.cache/proj/convex/a.ts", "/w/.cache/proj/convex/sub/b.ts"):
        assert fs.relative_inside(path, folder) == os.path.relpath(path, folder)
    assert fs.relative_inside("/w/.cache/proj/convexity/a.ts", folder) is None
    assert fs.relative_inside("/w/.cache/proj/./convex/a.ts", folder) is None
    assert fs.relative_inside(folder, folder) is None
