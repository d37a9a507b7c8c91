"""convex-lsp analysis engine: everything that knows Convex. No LSP types here."""

__version__ = "0.1.0"
