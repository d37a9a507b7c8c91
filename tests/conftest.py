"""Test session set-up: the persistent cache (analysis/cache.py) goes to a private folder, never
the user's, for the tests and the CLI/server processes they start (they inherit the environment)."""

import atexit
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="convex-lsp-test-cache-")
os.environ["CONVEX_LSP_CACHE_DIR"] = _CACHE
os.environ.pop("CONVEX_LSP_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, True)
