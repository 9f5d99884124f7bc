"""FRR configuration: parse, check as FRR does, print, compare and redact what an FRR router runs.

The names below come from their modules on first use (PEP 562): importing one module of the package (the
model, `frr-edge parse`'s argument parser) does not import the grammar, the command table and the differ.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controller.frrcfg.check import Verdict, check, parse_checked
    from controller.frrcfg.diff import Delta, diff
    from controller.frrcfg.errors import FrrSyntaxError
    from controller.frrcfg.model import Config
    from controller.frrcfg.parser import parse
    from controller.frrcfg.redact import REDACTED, redact

_MODULES = {
    "REDACTED": "redact",
    "Config": "model",
    "Delta": "diff",
    "FrrSyntaxError": "errors",
    "Verdict": "check",
    "check": "check",
    "diff": "diff",
    "parse": "parser",
    "parse_checked": "check",
    "redact": "redact",
}

__all__ = [
    "REDACTED",
    "Config",
    "Delta",
    "FrrSyntaxError",
    "Verdict",
    "check",
    "diff",
    "parse",
    "parse_checked",
    "redact",
]


def __getattr__(name: str) -> object:
    """One of the names above, from its module (imported now if it was not)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


class _Package(ModuleType):
    """This package, whose functions check, diff and redact are named like the modules that hold them."""

    def __setattr__(self, name: str, value: object) -> None:
        # Importing a submodule sets the package's attribute of that name to the module; the name stays
        # the function (`from controller.frrcfg import check`), as when this file imported all of them.
        if isinstance(value, ModuleType) and _MODULES.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
