"""CVX901 unused-suppression and CVX902 parse-error: produced by the engine itself."""

from __future__ import annotations

from ..registry import Rule

RULES = [
    Rule(
        code="CVX901",
        name="unused-suppression",
        severity="warning",
        spec="§12 Rules for Agents",
        summary="Flags a `convex-lsp-disable…` comment that suppressed no finding in this run.",
        why="A stale suppression hides the next real finding on that line and tells readers a problem exists "
            "where none does. Keep suppressions honest so they can be trusted.",
        bad="""// convex-lsp-disable-next-line no-query-filter
const rows = await ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", id)).take(10);""",
        good="""const rows = await ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", id)).take(10);""",
        fix_doc="Safe: remove the comment (or the unused rule names from it).",
        fix="safe",
        check=None,
    ),
    Rule(
        code="CVX902",
        name="parse-error",
        severity="info",
        spec="§11 File Structure",
        summary="Reports a file the analyser could not read at all: binary content, an encoding other than "
                "UTF-8, or a size over the limit (2 MB). The file is skipped; syntax errors inside a readable "
                "file are left to the TypeScript server.",
        why="A file that cannot be read cannot be checked; saying so keeps a clean report from being mistaken "
            "for a clean file.",
        bad="""// convex/blob.ts saved as UTF-16 or containing binary data""",
        good="""// convex/blob.ts saved as UTF-8 text""",
        fix_doc="No automatic fix: convert the file to UTF-8 text, or exclude it.",
        fix=None,
        check=None,
    ),
]
