"""YAML manifests in, plain documents out: fast, bounded, and read the way kubectl reads them.

Parsing uses PyYAML's CSafeLoader (libyaml's scanner and parser in C; measured in bench/bench_load.py, 10,000
Services load about 20x faster than ruamel.yaml's pure-Python loader). ruamel.yaml's own C extension was
tried and refused: its bundled libyaml rejects `[192.0.2.1, 2001:db8::1]` ("found unexpected ':'"), an IPv6
address in a flow list that kubectl's go-yaml v2 accepts.

Before anything is composed, one pass over libyaml's event stream checks what would otherwise crash or
exhaust the process: nesting deeper than MAX_DEPTH (libyaml's C composer recurses and a deep enough nesting
kills the process), aliases that refer to themselves, aliases that expand the document by more than
ALIAS_ALLOWANCE nodes (a 552-byte "billion laughs" file), and duplicate keys, which go-yaml v2 refuses
("already set in map") and a reviewer would misread (the first is seen, the last would count).

Plain scalars resolve as go-yaml v2 (kubectl's YAML library) resolves them where YAML 1.1 loaders differ:
no base-60 numbers (`65000:30` stays the text a BGP community is) and no timestamps (dates stay text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 100
ALIAS_ALLOWANCE = 100_000

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
# PyYAML's YAML 1.1 number patterns without their base-60 alternatives (go-yaml v2 has none). PyYAML
# calls `.match`, so they end in \Z (`$` would also match before a final newline).
_INT_PATTERN = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)\Z", re.ASCII)
_FLOAT_PATTERN = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z",
    re.ASCII,
)


def _resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.CSafeLoader.yaml_implicit_resolvers.items():
        kept = []
        for tag, pattern in entries:
            if tag == _TIMESTAMP:
                continue
            kept.append((tag, {_INT: _INT_PATTERN, _FLOAT: _FLOAT_PATTERN}.get(tag, pattern)))
        resolvers[first] = kept
    return resolvers


class _Loader(yaml.CSafeLoader):
    """libyaml's C parser with PyYAML's safe constructor, resolving scalars as go-yaml v2 does."""

    yaml_implicit_resolvers = _resolvers()


class ManifestError(Exception):
    """A file that cannot be read as YAML manifests: says where (file, line, column) and why."""

    def __init__(self, source: str, why: str, line: int | None = None, column: int | None = None) -> None:
        self.source = source
        self.why = why
        self.line = line
        self.column = column
        where = source if line is None else f"{source}:{line}" + ("" if column is None else f":{column}")
        super().__init__(f"{where}: {why}")


@dataclass(frozen=True, slots=True)
class Document:
    """One document of a file: its position in the stream (from 0), its first line (from 1), its value."""

    index: int
    line: int
    value: Any


@dataclass(slots=True)
class _Node:
    """A collection being read: its anchor, its size so far (aliases expanded) and, for mappings, its keys."""

    anchor: str | None
    mapping: bool
    size: int = 1
    keys: set[str] = field(default_factory=set)
    expecting_key: bool = True


def _check_events(text: str, source: str) -> list[int]:
    """Walk libyaml's events once, enforcing the bounds; returns each document's first line.

    Raises ManifestError.
    """
    lines: list[int] = []
    open_nodes: list[_Node] = []
    sizes: dict[str, int] = {}
    literal = expanded = 0
    parser = _Loader(text)
    try:
        while True:
            # Typed loosely on purpose: this loop runs once per YAML node (~50 per Service).
            event: Any = parser.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                size = 1
                if kind is yaml.AliasEvent:
                    size = _alias_size(event.anchor, sizes, open_nodes, source, event.start_mark)
                else:
                    literal += 1
                    if event.anchor is not None:
                        sizes[event.anchor] = 1
                expanded += size
                if open_nodes:
                    top = open_nodes[-1]
                    top.size += size
                    if top.mapping:
                        _check_key(top, event, source)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                literal += 1
                if open_nodes and open_nodes[-1].mapping:
                    _check_key(open_nodes[-1], event, source)
                if len(open_nodes) >= MAX_DEPTH:
                    mark = event.start_mark
                    raise ManifestError(
                        source, f"nested deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1
                    )
                open_nodes.append(_Node(event.anchor, kind is yaml.MappingStartEvent))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                node = open_nodes.pop()
                expanded += 1
                if node.anchor is not None:
                    sizes[node.anchor] = node.size
                if open_nodes:
                    open_nodes[-1].size += node.size
            elif kind is yaml.DocumentStartEvent:
                lines.append(event.start_mark.line + 1)
                sizes.clear()
            elif kind is yaml.StreamEndEvent:
                return lines
            if expanded > 2 * literal + ALIAS_ALLOWANCE:
                mark = event.start_mark
                raise ManifestError(
                    source,
                    f"aliases expand this file beyond {ALIAS_ALLOWANCE} extra nodes; write the values out",
                    mark.line + 1,
                    mark.column + 1,
                )
    except yaml.MarkedYAMLError as error:
        raise _located(source, error) from None
    except yaml.YAMLError as error:
        raise ManifestError(source, f"not valid YAML: {error}") from None
    finally:
        parser.dispose()


def _alias_size(anchor: str, sizes: dict[str, int], open_nodes: list[_Node], source: str, mark: Any) -> int:
    if any(node.anchor == anchor for node in open_nodes):
        raise ManifestError(source, f"alias *{anchor} refers to itself", mark.line + 1, mark.column + 1)
    if anchor not in sizes:
        raise ManifestError(source, f"alias *{anchor} has no anchor before it", mark.line + 1, mark.column + 1)
    return sizes[anchor]


def _check_key(node: _Node, event: Any, source: str) -> None:
    """Mappings alternate key and value; a scalar key seen twice in one mapping is refused."""
    if node.expecting_key and type(event) is yaml.ScalarEvent:
        if event.value in node.keys:
            mark: Any = event.start_mark
            raise ManifestError(source, f"key {event.value!r} appears twice in one mapping", mark.line + 1)
        node.keys.add(event.value)
    node.expecting_key = not node.expecting_key


def _located(source: str, error: yaml.MarkedYAMLError) -> ManifestError:
    mark: Any = error.problem_mark or error.context_mark
    why = " ".join(part for part in (error.context, error.problem) if part)
    if mark is None:
        return ManifestError(source, f"not valid YAML: {why}")
    return ManifestError(source, f"not valid YAML: {why}", mark.line + 1, mark.column + 1)


def read_documents(text: str, source: str) -> list[Document]:
    """Every document of a YAML stream, empty ones included (as None); raises ManifestError."""
    lines = _check_events(text, source)
    try:
        values = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        raise _located(source, error) from None
    except yaml.YAMLError as error:
        raise ManifestError(source, f"not valid YAML: {error}") from None
    return [Document(index, lines[index] if index < len(lines) else 1, value) for index, value in enumerate(values)]


def read_document(text: str, source: str) -> Any:
    """The one document of a YAML text (None when empty); raises ManifestError, also for several."""
    documents = read_documents(text, source)
    if len(documents) > 1:
        raise ManifestError(source, "holds several YAML documents; one is expected", documents[1].line)
    return documents[0].value if documents else None


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); raises ManifestError naming the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ManifestError(source, f"is not UTF-8 text (byte {error.start})", line) from None


def read_file(path: Path) -> Iterator[Document]:
    """The documents of one file; raises ManifestError (also for a file that cannot be read)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ManifestError(str(path), error.strerror or type(error).__name__) from None
    yield from read_documents(decode(data, str(path)), str(path))
