"""Paths and `file://` URIs go through pygls' helpers (pygls.uris), so Windows paths, drive
letters, UNC shares and special characters come out as every client expects."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pygls")

from pygls import uris  # noqa: E402

from convex_lsp.server import convert  # noqa: E402


def test_posix_paths_round_trip_with_special_characters(tmp_path):
    d = tmp_path / "my app #1" / "convex"
    d.mkdir(parents=True)
    f = d / "tâches %20.ts"
    f.write_text("x")
    uri = convert.path_to_uri(str(f))
    assert uri == uris.from_fs_path(str(f))
    assert uri.startswith("file:///") and " " not in uri and "%2520" in uri and "%23" in uri
    assert convert.uri_to_path(uri) == os.path.realpath(str(f))


def test_windows_paths_as_pygls_makes_them(monkeypatch):
    monkeypatch.setattr(uris, "IS_WIN", True)
    uri = convert.path_to_uri("C:\\x\\y.ts")
    assert uri == "file:///c:/x/y.ts"  # the drive letter lower-cased, backslashes turned
    assert convert.uri_to_path(uri) == "c:\\x\\y.ts"
    # what VS Code sends (the colon escaped) names the same file
    assert convert.uri_to_path("file:///c%3A/x/y.ts") == "c:\\x\\y.ts"
    assert convert.uri_to_path("file:///C:/My%20App/convex/a.ts") == "c:\\My App\\convex\\a.ts"
    # a UNC share keeps its host
    assert convert.path_to_uri("\\\\server\\share\\a.ts") == "file://server/share/a.ts"
    assert convert.uri_to_path("file://server/share/a.ts") == "\\\\server\\share\\a.ts"


def test_non_file_uris_are_left_alone():
    assert convert.uri_to_path("untitled:Untitled-1") == "untitled:Untitled-1"
