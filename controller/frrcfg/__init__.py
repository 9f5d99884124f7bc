"""FRR configuration: parse, print, compare and redact what an FRR router runs."""

from controller.frrcfg.errors import FrrSyntaxError
from controller.frrcfg.model import Config
from controller.frrcfg.parser import parse

__all__ = ["Config", "FrrSyntaxError", "parse"]
