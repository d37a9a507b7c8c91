"""The TypeScript and TSX grammars' compiled binding, loaded without running the
`tree_sitter_typescript` package's `__init__`: that one imports `importlib.resources` (and through it
tempfile, random, shutil, ...) for query files this tool never reads, ~7 ms at every start.

`binding.language_typescript()` / `binding.language_tsx()` as on the package. Anything unexpected
(the package not on a plain path, a layout change) falls back to the ordinary import.
"""

from __future__ import annotations

import sys
from types import ModuleType

_NAME = "tree_sitter_typescript._binding"


def _load() -> ModuleType:
    mod = sys.modules.get(_NAME)
    if mod is not None:
        return mod
    try:
        from importlib.machinery import ExtensionFileLoader, PathFinder
        from importlib.util import module_from_spec

        pkg = PathFinder.find_spec("tree_sitter_typescript")
        spec = PathFinder.find_spec(_NAME, pkg.submodule_search_locations) if pkg is not None else None
        if spec is None or not isinstance(spec.loader, ExtensionFileLoader):
            raise ImportError(_NAME)
        mod = module_from_spec(spec)
        sys.modules[_NAME] = mod  # (an import of the package later finds its binding here)
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del sys.modules[_NAME]
            raise
        mod.language_typescript, mod.language_tsx  # noqa: B018 (the two functions this tool calls)
        return mod
    except (ImportError, AttributeError, OSError):
        import tree_sitter_typescript

        return tree_sitter_typescript


binding = _load()
