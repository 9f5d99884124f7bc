"""The command table shipped with frr-edge: FRR's CLI nodes, their commands and the nodes they enter.

`commands-frr-VERSION.json` beside this module is generated from the installed vtysh by vtysh_table.py and
committed. Its shape:

    {"frr": "8.4.4", "generated_by": "...", "start": "4",
     "nodes": {"4": {"name": "config", "parent": null, "reached_by": [],
                     "commands": [["router bgp [(1-4294967295) [<view|vrf> VIEWVRFNAME]]", "25"], ...]}, ...}}

Nodes are keyed by FRR's node number (names repeat: two nodes are called `ldp`); `parent` is the node vtysh
walks up to when a line is unknown in this one (None for `config`, where walking up stops, and for `enable`
and `view`); `reached_by` is the lines from `config` that reach it. A command is [definition, enters] or
[definition, enters, "hidden"] (hidden or deprecated: FRR accepts it but does not list it); `enters` is None
when the command leaves vtysh in its node, a node key, STOPS when vtysh stops reading the file there (`exit`
in `enable`), NOT_RUN when the generator did not run it (programs and files in `enable`), or DECIDED_BY_VTYSH when
vtysh runs the command itself and refused every line the generator tried (`banner motd file FILE` wants
FILE to exist under /etc/frr): whether FRR takes such a line depends on the router.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from controller.frrcfg.commands import Graph, Match, Shapes, graph_words

TABLE_DIRECTORY = Path(__file__).resolve().parent
STOPS = "stops"
NOT_RUN = "not run"
DECIDED_BY_VTYSH = "decided by vtysh"


def table_path(version: str) -> Path:
    """Where the table of one FRR version lives in the package."""
    return TABLE_DIRECTORY / f"commands-frr-{version}.json"


@dataclass(frozen=True)
class Command:
    """One command of a node: FRR's definition, the node it enters (see the module doc), hidden or not."""

    definition: str
    enters: str | None
    hidden: bool


@dataclass(frozen=True)
class CliNode:
    """One node of FRR's CLI (FRR's cmd_node), with its command graph built on first use."""

    key: str
    name: str
    parent: str | None
    reached_by: tuple[str, ...]
    commands: tuple[Command, ...]
    _graph: list[Graph] = field(default_factory=list, compare=False, repr=False)
    _shapes: list[Shapes] = field(default_factory=list, compare=False, repr=False)

    @property
    def graph(self) -> Graph:
        """The node's merged command graph (commands in FRR's install order)."""
        if not self._graph:
            graph = Graph()
            for command in self.commands:
                graph.add(command.definition, hidden=command.hidden)
            self._graph.append(graph)
        return self._graph[0]

    @property
    def shapes(self) -> Shapes:
        """The shapes of words as this node's graph tells them apart (its keywords and range bounds)."""
        if not self._shapes:
            self._shapes.append(Shapes(*graph_words(self.graph)))
        return self._shapes[0]


@dataclass(frozen=True, eq=False)
class CommandTable:
    """FRR's CLI as one FRR version has it, with a memory of verdicts by line shape (see match)."""

    frr: str
    start: str
    nodes: dict[str, CliNode]
    _memory: dict[object, Match] = field(default_factory=dict, repr=False)

    def match(self, node: CliNode, words: list[str]) -> Match:
        """FRR's verdict on a line in a node; lines of the same shape in that node (commands.Shapes) share it.

        Shapes are the node's own: its graph alone decides the verdict, and a check builds only the graphs
        of the nodes its lines reach (a one-line file one graph, not all 60).
        """
        shape = node.shapes.of
        key = (node.key, *(shape(word) for word in words))
        found = self._memory.get(key)
        if found is None:
            if len(self._memory) >= _MEMORY:
                self._memory.clear()
            found = self._memory[key] = node.graph.match(words)
        return found


# Verdicts kept by shape; rendered configurations repeat a few hundred shapes.
_MEMORY = 100_000


class TableMissing(RuntimeError):
    """The package carries no command table, or more than one."""


def from_json(data: dict[str, object]) -> CommandTable:
    """A CommandTable from the JSON shape above; raises KeyError/TypeError/ValueError on another shape."""
    nodes_data = data["nodes"]
    if not isinstance(nodes_data, dict):
        raise TypeError("nodes must be an object")
    nodes: dict[str, CliNode] = {}
    for key, node in nodes_data.items():
        commands = tuple(
            Command(definition=entry[0], enters=entry[1], hidden=len(entry) > 2 and entry[2] == "hidden")
            for entry in node["commands"]
        )
        nodes[key] = CliNode(
            key=key,
            name=node["name"],
            parent=node["parent"],
            reached_by=tuple(node["reached_by"]),
            commands=commands,
        )
    frr, start = data["frr"], data["start"]
    if not isinstance(frr, str) or not isinstance(start, str) or start not in nodes:
        raise ValueError("frr and start must be strings, start a node")
    return CommandTable(frr=frr, start=start, nodes=nodes)


@functools.cache
def load_table() -> CommandTable:
    """The table shipped in the package (the one `commands-frr-*.json`); raises TableMissing otherwise."""
    found = sorted(TABLE_DIRECTORY.glob("commands-frr-*.json"))
    if len(found) != 1:
        raise TableMissing(f"expected one commands-frr-*.json in {TABLE_DIRECTORY}, found {[p.name for p in found]}")
    data = json.loads(found[0].read_text())
    if not isinstance(data, dict):
        raise TableMissing(f"{found[0].name} is not a JSON object")
    return from_json(data)
