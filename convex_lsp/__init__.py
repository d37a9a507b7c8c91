"""convex-lsp: a language server and linter for Convex TypeScript backends.

The code lives in `convex_lsp.analysis`, `convex_lsp.quickfixes` and `convex_lsp.server`
(the repository's analysis/, quickfixes/ and server/ folders); this package only makes
`python -m convex_lsp` the same command as `convex-lsp`.
"""
