"""FRR configuration: parse, print, compare and redact what an FRR router runs."""

from controller.frrcfg.diff import Delta, diff
from controller.frrcfg.errors import FrrSyntaxError
from controller.frrcfg.model import Config
from controller.frrcfg.parser import parse
from controller.frrcfg.redact import REDACTED, redact

__all__ = ["REDACTED", "Config", "Delta", "FrrSyntaxError", "diff", "parse", "redact"]
