"""`python -m convex_lsp ...` is the `convex-lsp` command."""

import sys

from convex_lsp.server.cli import main

if __name__ == "__main__":
    sys.exit(main())
