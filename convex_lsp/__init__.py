"""convex-lsp: a language server and linter for Convex TypeScript backends.

The code lives in `convex_lsp.analysis`, `convex_lsp.quickfixes` and `convex_lsp.server`
(the repository's analysis/, quickfixes/ and server/ folders); this package only makes
`python -m convex_lsp` the same command as `convex-lsp`.
"""

# Run from a checkout's root, this folder shadows the installed package: look for the rest of
# `convex_lsp` in the other entries of sys.path too (the installed one). Installed, the rest is
# here (pkgutil, and the inspect it imports, are then not worth their few ms at every start).
import os as _os

if not _os.path.isdir(_os.path.join(_os.path.dirname(__file__), "analysis")):
    from pkgutil import extend_path

    __path__ = extend_path(__path__, __name__)
