"""The project's Convex version, as the new rules (CVX312, CVX408) ask about it."""

from __future__ import annotations

from ..project import version_at_least


def convex_supports(ctx, wanted: tuple[int, ...]) -> bool:
    """Does the `convex` of this file's project have a feature released in `wanted`? With no version
    known the newest release is assumed (catalog revision 2)."""
    d = ctx.functions_dir
    if d is None or not d.convex_version:
        return True
    return version_at_least(d.convex_version, wanted)
