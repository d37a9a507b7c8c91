"""The per-version table of Convex releases and how a project's `convex` version is found."""

import json
import os

import pytest

from convex_lsp.analysis import convex_versions as cv
from convex_lsp.analysis.project import convex_version, discover


def test_every_feature_names_its_changelog_line():
    for f in cv.FEATURES.values():
        assert f.changelog.startswith(cv.version_text(f.version)), f
        assert f.version <= cv.LATEST


@pytest.mark.parametrize("feature", sorted(cv.FEATURES))
def test_version_boundary(feature):
    first = cv.first_version(feature)
    at = cv.parse_spec(cv.version_text(first))
    major, minor, patch = first
    below = (major, minor, patch - 1) if patch else (major, minor - 1, 9)
    just_below = cv.parse_spec(cv.version_text(below))
    assert at.has(feature) and at.may_have(feature)
    assert not just_below.has(feature) and not just_below.may_have(feature)


@pytest.mark.parametrize("spec, low, high", [
    ("1.31.2", (1, 31, 2), (1, 31, 2)),
    ("^1.25.0", (1, 25, 0), cv.LATEST),
    ("~1.29.1", (1, 29, 1), (1, 29, 999)),
    (">=1.20 <1.40", (1, 20, 0), (1, 39, 999)),
    ("1.x", (1, 0, 0), cv.LATEST),
    ("1.20.0 - 1.40.1", (1, 20, 0), (1, 40, 1)),
    ("^1.17.0 || ^1.30.0", (1, 17, 0), cv.LATEST),
    ("npm:convex@1.44.0", (1, 44, 0), (1, 44, 0)),
])
def test_parse_spec(spec, low, high):
    got = cv.parse_spec(spec)
    assert (got.low, got.high, got.known) == (low, high, True)


@pytest.mark.parametrize("spec", [None, "", "latest", "*", "workspace:*", "catalog:", "github:get-convex/convex-js"])
def test_unknown_is_the_newest(spec):
    got = cv.parse_spec(spec)
    assert not got.known and got.low == got.high == cv.LATEST
    assert got.has("v.function")


PNPM = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      convex:
        specifier: ^1.30.0
        version: 1.44.1(react@19.1.0)
      convex-helpers:
        specifier: ^0.1.100
        version: 0.1.100(convex@1.44.1(react@19.1.0))
packages:
  convex@1.44.1:
    resolution: {integrity: sha512-x}
"""
YARN_CLASSIC = '''"convex-helpers@^0.1.0":
  version "0.1.90"

convex@^1.30.0:
  version "1.38.0"
  resolved "https://registry.yarnpkg.com/convex/-/convex-1.38.0.tgz"
'''
YARN_BERRY = '''"convex@npm:^1.30.0":
  version: 1.36.1
  resolution: "convex@npm:1.36.1"
'''
BUN = '''{
  "lockfileVersion": 1,
  "packages": {
    "convex": ["convex@1.47.0", "", { "dependencies": {} }, "sha512-x"],
    "convex-helpers": ["convex-helpers@0.1.99", "", {}, "sha512-y"],
  }
}
'''
LOCK_V3 = json.dumps({"lockfileVersion": 3, "packages": {
    "": {"dependencies": {"convex": "^1.30.0"}},
    "node_modules/convex": {"version": "1.42.3"},
    "node_modules/convex-helpers": {"version": "0.1.9"}}})


@pytest.mark.parametrize("name, data, want", [
    ("package-lock.json", LOCK_V3, "1.42.3"),
    ("pnpm-lock.yaml", PNPM, "1.44.1"),
    ("yarn.lock", YARN_CLASSIC, "1.38.0"),
    ("yarn.lock", YARN_BERRY, "1.36.1"),
    ("bun.lock", BUN, "1.47.0"),
])
def test_lockfiles(tmp_path, name, data, want):
    (tmp_path / "package.json").write_text('{"dependencies": {"convex": "^1.30.0"}}')
    (tmp_path / name).write_text(data)
    assert convex_version(str(tmp_path)) == want


def test_resolution_order(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"convex": "1.33.0"}}')
    (tmp_path / "package-lock.json").write_text(LOCK_V3)
    assert convex_version(str(tmp_path)) == "1.33.0", "a plain version in package.json is the version"
    (tmp_path / "package.json").write_text('{"dependencies": {"convex": "^1.30.0"}}')
    assert convex_version(str(tmp_path)) == "1.42.3", "a range: the lockfile resolves it"
    os.makedirs(tmp_path / "node_modules" / "convex")
    (tmp_path / "node_modules" / "convex" / "package.json").write_text('{"version": "1.45.0"}')
    assert convex_version(str(tmp_path)) == "1.45.0", "the installed package wins"


def test_monorepo_lockfile_above_the_app(tmp_path):
    (tmp_path / "package.json").write_text('{"private": true, "workspaces": ["apps/*"]}')
    (tmp_path / "pnpm-lock.yaml").write_text(PNPM)
    app = tmp_path / "apps" / "web"
    os.makedirs(app / "convex")
    (app / "package.json").write_text('{"dependencies": {"convex": "catalog:"}}')
    (app / "convex" / "schema.ts").write_text("export default {};\n")
    ws = discover([str(tmp_path)])
    d = next(d for d in ws.functions_dirs if d.path.endswith(os.path.join("web", "convex")))
    assert d.convex_version == "1.44.1"
    # outside the workspace roots nothing above is read
    ws2 = discover([str(app)])
    d2 = next(d for d in ws2.functions_dirs if d.path.endswith(os.path.join("web", "convex")))
    assert d2.convex_version == "catalog:"
    assert cv.version_of(d2) == cv.UNKNOWN
