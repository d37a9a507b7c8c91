"""The TOML parser: `tomllib` (Python 3.11+) or `tomli` (3.10), imported only when a file is read
(start-up time). Its own module so that config.py and links.py share it without importing each other."""

from __future__ import annotations


def tomllib():
    try:  # Python 3.11+
        import tomllib as parser
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as parser  # type: ignore
    return parser
