"""Kinds of fault made impossible to bring back: checks over the source and the generated schemas.

- addresses are read only by controller/addresses.py (no IPv6 zone, no IPv4-mapped address elsewhere);
- every regular expression of the package is ASCII-only and anchored by fullmatch, never `$` (which
  accepts a trailing newline) and never `\\d` (which accepts Arabic-Indic digits);
- configuration text is split into lines only by controller/frrcfg/lines.py.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import controller
from controller.api.crd import all_crds

PACKAGE = Path(controller.__file__).parent
# The labs build test environments from trusted constants; everything else handles input.
EXEMPT = {"lab"}


def sources() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] not in EXEMPT:
            yield path


def calls(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every call in a module, such as `ipaddress.ip_address` (docstrings aside)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
                if function.value.id == "__doc__":
                    continue
                yield node.lineno, f"{function.value.id}.{function.attr}"
            elif isinstance(function, ast.Attribute):
                yield node.lineno, f"?.{function.attr}"
            elif isinstance(function, ast.Name):
                yield node.lineno, function.id


def test_only_the_addresses_module_parses_addresses() -> None:
    readers = {"ipaddress.ip_address", "ipaddress.ip_network", "ipaddress.ip_interface"}
    readers |= {"ipaddress.IPv4Address", "ipaddress.IPv6Address", "ipaddress.IPv4Network", "ipaddress.IPv6Network"}
    found = [
        f"{path.relative_to(PACKAGE)}:{line} {name}"
        for path in sources()
        if path.name != "addresses.py"
        for line, name in calls(path)
        if name in readers
    ]
    assert found == [], "read addresses with controller.addresses, which refuses zones: " + ", ".join(found)


def test_only_the_lines_module_splits_configuration_into_lines() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sources()
        if path.name != "lines.py"
        for line, name in calls(path)
        if name.endswith(".splitlines")
    ]
    assert found == [], "split configuration text with controller.frrcfg.lines.lines: " + ", ".join(found)


def compiled_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for module in pkgutil.walk_packages(controller.__path__, "controller."):
        if module.name.split(".")[1] in EXEMPT or module.name.endswith("__main__"):
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                yield f"{module.name}.{name}", value


def test_every_regular_expression_is_ascii_and_matches_whole_strings() -> None:
    patterns = dict(compiled_patterns())
    assert len(patterns) >= 10
    for name, pattern in patterns.items():
        assert pattern.flags & re.ASCII, f"{name}: compile with re.ASCII (\\d, \\s and \\w take Unicode otherwise)"
        assert not pattern.pattern.endswith("$"), f"{name}: use fullmatch; `$` also matches before a final newline"
    # `PATTERN.match(text)` checks only a prefix; scanning from a position (`match(text, position)`) is fine.
    prefix_checks = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sources()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "match"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id.lstrip("_").isupper()
        and len(node.args) == 1
    ]
    assert prefix_checks == [], "validate whole values with fullmatch: " + ", ".join(prefix_checks)


def schema_patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            yield from schema_patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_patterns(value)


@pytest.mark.parametrize("crd", all_crds(), ids=lambda crd: crd["spec"]["names"]["kind"])
def test_schema_patterns_mean_the_same_to_the_api_server_and_to_python(crd: dict[str, Any]) -> None:
    # Go's RE2 reads \d as ASCII, pydantic's regex engine as Unicode; explicit classes mean one thing.
    for pattern in schema_patterns(crd):
        assert not re.search(r"\\[dDwWsS]", pattern), pattern
        assert pattern.startswith("^") and pattern.endswith("$"), pattern
