"""Run in a worker process by tests/test_server_indexing.py (a module of its own: a worker
imports the module of the function it runs; this one imports nothing)."""

import sys


def loaded(names: list) -> list:
    return [n for n in names if n in sys.modules]
