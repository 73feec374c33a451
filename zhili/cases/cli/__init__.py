"""Subcommands of ``zhili cases`` contributed by modules in this package.

Each module ``zhili/cases/cli/<name>.py`` defines ``VERB`` (e.g.
"import-hotline"), ``HELP``, ``add_arguments(parser)`` and
``run(command, **options)`` (``command`` is the management command, for
``command.stdout``/``command.stderr``; raise ``CommandError`` on failure).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    out = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "VERB") and hasattr(mod, "run"):
            out.append(mod)
    return out
