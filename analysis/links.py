"""The addresses the tool prints: built from `[project.urls]` in pyproject.toml, the one place
they are written, and the official Convex documentation page of each rule's topic.

From a source tree (an editable install, the tests) the pyproject.toml beside the package is
read, so an edit there shows at once; from an installed wheel, its metadata (`Project-URL`,
which setuptools writes from the same table).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

DIST_NAME = "convex-lsp"
BRANCH = "main"
_PYPROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")


def _from_pyproject(path: str) -> Optional[dict[str, str]]:
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, ValueError):
        return None
    plain = _plain_urls(text)
    if plain is not None:
        name, urls = plain
        return dict(urls) if name == DIST_NAME else None
    from .toml_compat import tomllib as _tomllib

    try:
        data = _tomllib().loads(text)
    except ValueError:
        return None
    project = data.get("project") or {}
    if project.get("name") != DIST_NAME:
        return None
    urls = project.get("urls")
    return dict(urls) if isinstance(urls, dict) else None


def _bare_key(key: str) -> bool:
    return bool(key) and key.isascii() and key.replace("-", "").replace("_", "").isalnum()


def _plain_string_pair(line: str) -> Optional[tuple[str, str]]:
    """(key, value) of a `key = "value"` line (a bare or quoted key, a basic string without escapes,
    maybe a comment after it); None for anything else."""
    key, eq, rest = line.partition("=")
    key, rest = key.strip(), rest.strip()
    if not eq or not rest.startswith('"'):
        return None
    end = rest.find('"', 1)
    if end < 0 or "\\" in rest[:end]:
        return None
    tail = rest[end + 1:].strip()
    if tail and not tail.startswith("#"):
        return None
    if len(key) >= 2 and key[0] == key[-1] == '"' and '"' not in key[1:-1] and "\\" not in key:
        key = key[1:-1]
    elif not _bare_key(key):
        return None
    return key, rest[1:end]


def _plain_urls(text: str) -> Optional[tuple[Optional[str], dict[str, str]]]:
    """(`[project]`'s name, the `[project.urls]` table) read line by line when the file writes them
    plainly: `key = "value"` lines under `[project.urls]`, a plain `name` under `[project]`, tables
    named by plain headers, no multi-line strings, no root keys. None otherwise: tomllib reads the
    file then (its import and parse cost ~30M instructions, a few % of a small run's start-up)."""
    if '"""' in text or "'''" in text:
        return None
    table: Optional[str] = None
    name: Optional[str] = None
    urls: Optional[dict[str, str]] = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            head = line.partition("#")[0].strip()
            inner = head[1:-1].strip() if head.endswith("]") else ""
            if not inner or not all(_bare_key(part) for part in inner.split(".")):
                return None  # (an array of tables, a quoted name, a nested array's line: tomllib's)
            table = inner
            if table == "project.urls":
                if urls is not None:
                    return None
                urls = {}
            elif table.startswith("project.urls."):
                return None
            continue
        if table is None:
            return None  # (root keys: a dotted `project.…`, say)
        if table == "project":
            key = line.partition("=")[0].strip()
            if key.startswith(("urls", '"urls"', "'urls'", "name.", '"name"', "'name'")):
                return None
            if key == "name":
                pair = _plain_string_pair(line)
                if pair is None:
                    return None
                name = pair[1]
        elif table == "project.urls":
            pair = _plain_string_pair(line)
            if pair is None or pair[0] in urls:
                return None
            urls[pair[0]] = pair[1]
    return None if urls is None else (name, urls)


def _dist_info_urls() -> Optional[list[str]]:
    """The `Project-URL` entries of the installed wheel's METADATA, read directly from its
    `.dist-info` folder beside the package (start-up time: `importlib.metadata` costs more than the
    rest of a small run's imports); None when there is no such folder."""
    site = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    prefix = DIST_NAME.replace("-", "_") + "-"
    try:
        names = [n for n in os.listdir(site) if n.startswith(prefix) and n.endswith(".dist-info")]
    except OSError:
        return None
    if len(names) != 1:
        return None
    try:
        with open(os.path.join(site, names[0], "METADATA"), encoding="utf-8") as fh:
            head = fh.read().split("\n\n", 1)[0]  # the headers; the long description follows
    except (OSError, ValueError):
        return None
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("Project-URL:")]


def _from_metadata() -> dict[str, str]:
    entries = _dist_info_urls()
    if entries is None:
        from importlib import metadata

        try:
            entries = metadata.metadata(DIST_NAME).get_all("Project-URL") or []
        except metadata.PackageNotFoundError:
            return {}
    out = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        out[label.strip()] = url.strip()
    return out


@lru_cache(maxsize=1)
def project_urls() -> dict[str, str]:
    """`[project.urls]`: label -> address."""
    urls = _from_pyproject(_PYPROJECT) if os.path.isfile(_PYPROJECT) else None
    return urls if urls is not None else _from_metadata()


def repository_url() -> str:
    return project_urls().get("Repository", "").rstrip("/")


def repository_file_url(relpath: str) -> str:
    """The address of a file of the repository (on its main branch), e.g. `docs/rules/X.md`."""
    base = repository_url()
    return f"{base}/blob/{BRANCH}/{relpath.lstrip('/')}" if base else ""


def rule_doc_path(code: str, name: str) -> str:
    """The rule's documentation file, relative to the repository root."""
    return f"docs/rules/{code}-{name}.md"


def rule_doc_url(code: str, name: str) -> str:
    return repository_file_url(rule_doc_path(code, name))


# ---------------------------------------------------------------- the official Convex docs

CONVEX_DOCS = "https://docs.convex.dev"
_PAGES = {
    "validation": "/functions/validation",
    "indexes": "/database/reading-data/indexes/",
    "filters": "/database/reading-data/filters",
    "reading": "/database/reading-data/",
    "schemas": "/database/schemas",
    "best-practices": "/understanding/best-practices/",
    "actions": "/functions/actions",
    "queries": "/functions/query-functions",
    "runtimes": "/functions/runtimes",
    "internal": "/functions/internal-functions",
    "http": "/functions/http-actions",
    "crons": "/scheduling/cron-jobs",
    "scheduling": "/scheduling/scheduled-functions",
    "api": "/generated-api/",
    "auth": "/auth/functions-auth",
    "env": "/production/environment-variables",
    "occ": "/database/advanced/occ",
    "functions": "/functions",
    "pagination": "/database/pagination",
    "writing": "/database/writing-data",
    "file-metadata": "/file-storage/file-metadata",
}

# rule code -> topic (a rule added later falls back on its spec section, below)
_RULE_TOPIC = {
    "CVX101": "validation", "CVX102": "validation", "CVX103": "validation", "CVX104": "validation",
    "CVX105": "validation", "CVX106": "validation", "CVX107": "validation", "CVX108": "validation",
    "CVX201": "filters", "CVX202": "best-practices", "CVX203": "best-practices", "CVX204": "indexes",
    "CVX205": "indexes", "CVX206": "indexes", "CVX207": "indexes", "CVX208": "schemas",
    "CVX209": "reading", "CVX210": "indexes", "CVX211": "reading", "CVX212": "indexes",
    "CVX301": "actions", "CVX302": "actions", "CVX303": "best-practices", "CVX304": "best-practices",
    "CVX305": "actions", "CVX306": "runtimes", "CVX307": "best-practices", "CVX308": "queries",
    "CVX309": "best-practices", "CVX310": "best-practices", "CVX311": "best-practices",
    "CVX401": "internal", "CVX402": "api", "CVX403": "api", "CVX404": "auth", "CVX405": "crons",
    "CVX501": "runtimes", "CVX502": "runtimes", "CVX503": "runtimes", "CVX504": "http",
    "CVX505": "functions", "CVX506": "env", "CVX507": "runtimes", "CVX508": "api", "CVX509": "schemas",
    "CVX601": "occ", "CVX701": "env", "CVX702": "auth", "CVX703": "http",
    # catalog revision 2
    "CVX110": "schemas", "CVX213": "indexes", "CVX214": "pagination", "CVX215": "pagination",
    "CVX216": "writing", "CVX312": "file-metadata", "CVX408": "crons", "CVX510": "runtimes", "CVX511": "auth",
}

# spec section number -> topic
_SECTION_TOPIC = {
    "1": "functions", "2": "internal", "3": "http", "4.1": "reading", "4.2": "best-practices",
    "4.3": "indexes", "4.4": "filters", "4.5": "indexes", "5": "occ", "6": "best-practices",
    "7": "scheduling", "8": "best-practices", "9": "functions", "10": "validation", "11": "functions",
    "13": "functions", "14": "best-practices",
}


def convex_docs_url(code: str, spec: str = "") -> Optional[str]:
    """The docs.convex.dev page on the rule's topic; None for the tool's own rules (CVX9xx)."""
    if code.startswith("CVX9"):
        return None
    topic = _RULE_TOPIC.get(code)
    if topic is None and spec.startswith("§"):
        topic = _SECTION_TOPIC.get(spec[1:].split(" ", 1)[0])
    return CONVEX_DOCS + _PAGES[topic] if topic else None
