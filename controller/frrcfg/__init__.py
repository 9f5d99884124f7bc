"""FRR configuration: parse, check as FRR does, print, compare and redact what an FRR router runs."""

from controller.frrcfg.check import Verdict, check, parse_checked
from controller.frrcfg.diff import Delta, diff
from controller.frrcfg.errors import FrrSyntaxError
from controller.frrcfg.model import Config
from controller.frrcfg.parser import parse
from controller.frrcfg.redact import REDACTED, redact

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
