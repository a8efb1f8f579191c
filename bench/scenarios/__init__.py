"""Scenario registry.

Every module ``bench/scenarios/<name>.py`` (name not starting with ``_``) is a
scenario. It must expose ``run(harness) -> list[bench.harness.Figure]`` and may
set ``DESCRIPTION = "..."`` for ``python -m bench --list``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

# Scenarios run in this order when present; any others follow alphabetically.
PREFERRED_ORDER = ["pages", "search", "chat", "events", "import"]


def available() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    known = [n for n in PREFERRED_ORDER if n in names]
    return known + sorted(n for n in names if n not in PREFERRED_ORDER)


def load(name: str) -> ModuleType:
    if name not in available():
        raise KeyError(f"unknown scenario {name!r}; available: {', '.join(available())}")
    # importlib, not an import statement: "import" is a valid module file name here.
    module = importlib.import_module(f"{__name__}.{name}")
    if not callable(getattr(module, "run", None)):
        raise TypeError(f"bench/scenarios/{name}.py does not define run(harness)")
    return module
