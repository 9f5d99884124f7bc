"""The command table: every node of FRR's CLI, its commands and the nodes they enter, read from the installed vtysh.

`python3 -m controller.frrcfg.vtysh_table --write` regenerates `controller/frrcfg/commands-frr-VERSION.json`
from the vtysh on this machine (no daemon needed); `--check` regenerates it in memory and exits 1 with a
summary of the differences when it differs from the committed table.

How the table comes out of FRR, all through `vtysh -C -f FILE` (vtysh reads the file as frr.conf, from the
configuration node, without daemons):

- `find .` prints every command of every node with the node's name, hidden and deprecated ones included
  (lib/command.c cmd_find_cmds), in install order: the commands and their order;
- `list` inside a node prints the commands of that node that are neither hidden nor deprecated
  (cmd_list_cmds): which of them FRR shows;
- every command is then run once, as the simplest line it accepts, in the node it belongs to, followed by a
  line no node knows: vtysh's "% Unknown command[N]" names the node the command left vtysh in. That gives
  the nodes each command enters (`router bgp 1` enters `bgp`, `exit` the parent node), the node numbers that
  tie `list` to `find`, and, through `exit`, each node's parent (the node vtysh walks up to).

Starting from the configuration node, every node some command enters is explored the same way. In the
`enable` node (reached by `exit` at the top level) only the commands that change node are run, but not
`disable`: the others run programs or write files, and `view`, where `disable` leads, has no `list`. The
table says which commands were not run.
`output file FILE` is never run anywhere (it creates FILE).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from controller.frrcfg.commands import Graph, Item, Kind, Selector, Status, Token, parse_definition
from controller.frrcfg.lines import lines as split_lines
from controller.frrcfg.table import DECIDED_BY_VTYSH, NOT_RUN, STOPS, TABLE_DIRECTORY, table_path

# A line no node accepts (no command of any node starts with a variable): vtysh names the node it is in.
PROBE = "zzprobe"
_ERROR = re.compile(
    r"line ([0-9]+): % (Unknown command|Ambiguous command|Command incomplete)\[([0-9]+)\]: ?(.*)", re.ASCII
)
_FOUND = re.compile(r"  \((.*?)\)  (.*)", re.ASCII)
# Separates the `list` outputs of several nodes in one run: `find` of this prints one known line.
_SEPARATOR = "XFRR_start_configuration"

# Where only some commands are run, and those never run.
# `disable` (to `view`) is not run either: `view` has no `list`, so the table could not tell its hidden commands.
_RUN_ONLY = {"enable": ("configure", "enable", "exit", "quit", "end")}
_NEVER_RUN = ("output file",)

# Values for placeholders in the lines that are run (documentation addresses).
_VALUES = {
    Kind.IPV4: ("192.0.2.1",),
    Kind.IPV4_PREFIX: ("192.0.2.0/24",),
    Kind.IPV6: ("2001:db8::1",),
    Kind.IPV6_PREFIX: ("2001:db8::/32",),
    Kind.MAC: ("02:00:5e:00:53:01",),
    Kind.MAC_PREFIX: ("02:00:5e:00:53:00/48",),
    Kind.VARIABLE: ("zz9", "Zz9x"),
}


class TableError(RuntimeError):
    """vtysh did not behave as the generator expects; the message says where."""


def run_vtysh(lines: Sequence[str], vtysh: str = "vtysh") -> str:
    """What `vtysh -C -f FILE` prints (standard error, where vtysh writes everything) for these lines."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as file:
        file.write("\n".join(lines) + "\n")
        file.flush()
        done = subprocess.run([vtysh, "-C", "-f", file.name], capture_output=True, text=True, check=False)
    return done.stderr + done.stdout


def frr_version(vtysh: str = "vtysh") -> str:
    """The installed FRR's version, as zebra reports it (`zebra version 8.4.4`), next to vtysh."""
    located = shutil.which(vtysh)
    beside = [Path(located).resolve().parent.parent / "lib" / "frr" / "zebra"] if located else []
    for candidate in (*beside, Path("/usr/lib/frr/zebra")):
        if candidate.exists():
            output = subprocess.run([str(candidate), "--version"], capture_output=True, text=True, check=False)
            version = re.search(r"version ([^ \t\n]+)", output.stdout + output.stderr, re.ASCII)
            if version:
                return version.group(1)
    raise TableError("cannot tell the FRR version: no zebra next to vtysh answers --version")


@dataclass
class _Node:
    number: int
    path: tuple[str, ...]
    name: str = ""
    commands: list[str] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)
    enters: dict[int, str | int] = field(default_factory=dict)
    graph: Graph = field(default_factory=Graph)


@dataclass
class _Probe:
    command: int
    line: str


def _instances(items: Sequence[Item], limit: int = 64) -> Iterator[list[str]]:
    """Lines a definition accepts, simplest first: first alternatives, optional parts left out."""

    def expand(sequence: Sequence[Item]) -> Iterator[list[str]]:
        if not sequence:
            yield []
            return
        head, rest = sequence[0], sequence[1:]
        for first in choices(head):
            for following in expand(rest):
                yield first + following

    def choices(item: Item) -> Iterator[list[str]]:
        if isinstance(item, Token):
            yield from ([value] for value in _token_values(item))
            return
        assert isinstance(item, Selector)
        if item.opening in ("[", "!["):
            yield []
        for alternative in item.alternatives:
            yield from expand(alternative)

    yield from itertools.islice(expand(items), limit)


def _token_values(token: Token) -> tuple[str, ...]:
    if token.kind == Kind.KEYWORD:
        return (token.text,)
    if token.kind == Kind.RANGE:
        return (str(token.low), str(token.high))
    return _VALUES[token.kind]


def _probe_lines(node: _Node, index: int, wanted: int = 3) -> list[str]:
    """Lines that FRR's matcher (ours, checked against vtysh) reads as this command of this node."""
    definition = node.commands[index]
    if definition == "end":
        candidates: Iterator[list[str]] = iter([["en"], ["e"]])  # vtysh skips lines that are exactly `end`
    else:
        candidates = _instances(parse_definition(definition))
    found: list[str] = []
    for words in candidates:
        if " ".join(words) == "end":
            continue
        result = node.graph.match(words)
        if result.status == Status.OK and result.command == index:
            found.append(" ".join(words))
            if len(found) == wanted:
                break
    return found


def _runnable(node: _Node, definition: str) -> bool:
    if any(definition.startswith(prefix) for prefix in _NEVER_RUN):
        return False
    allowed = _RUN_ONLY.get(node.name)
    return allowed is None or definition.split()[0] in allowed


class _Explorer:
    def __init__(self, vtysh: str) -> None:
        self.vtysh = vtysh
        self.groups = self._find_everything()
        self.nodes: dict[int, _Node] = {}
        self.group_of: dict[int, int] = {}
        self.reset: tuple[str, ...] = ()

    def _find_everything(self) -> list[tuple[str, list[str]]]:
        """`find .`: (node name, commands) for every node, in FRR's node order."""
        groups: list[tuple[str, list[str]]] = []
        for line in _output_lines(run_vtysh(["find ."], self.vtysh)):
            found = _FOUND.fullmatch(line)
            if not found:
                raise TableError(f"unexpected line from `find .`: {line!r}")
            name, command = found.groups()
            # A node lists each command once: a repeated one starts the next node of the same name.
            if not groups or groups[-1][0] != name or command in groups[-1][1]:
                groups.append((name, []))
            groups[-1][1].append(command)
        return groups

    def _where(self, lines: Sequence[str]) -> dict[int, tuple[str, int]]:
        """Errors vtysh printed for these lines: line number -> (kind of error, node number)."""
        errors: dict[int, tuple[str, int]] = {}
        for output in _output_lines(run_vtysh(lines, self.vtysh)):
            found = _ERROR.fullmatch(output)
            if found:
                errors[int(found.group(1))] = (found.group(2), int(found.group(3)))
        return errors

    def explore(self) -> None:
        # The configuration node: where vtysh -C starts.
        start = self._where([PROBE])
        if 1 not in start:
            raise TableError(f"vtysh does not refuse {PROBE!r}")
        config = start[1][1]
        self.nodes[config] = _Node(config, ())
        self._name_and_list([self.nodes[config]])
        self.reset = self._reset_lines(self.nodes[config])
        pending = [self.nodes[config]]
        while pending:
            node = pending.pop(0)
            for target in self._probe_node(node):
                if target not in self.nodes:
                    raise TableError(f"node {target} found but not recorded")
            new = [self.nodes[number] for number in sorted(self.nodes) if not self.nodes[number].commands]
            if new:
                self._name_and_list(new)
                pending.extend(new)

    def _reset_lines(self, config: _Node) -> tuple[str, ...]:
        """Lines that take vtysh back to the configuration node from any node: `configure terminal` for
        `enable` (elsewhere an unknown command), then a configuration-only command that enters a node, and
        `exit`."""
        if "line vty" in config.commands:
            return ("configure terminal", "line vty", "exit")
        raise TableError("no `line vty` in the configuration node to return there with")

    def _name_and_list(self, nodes: Sequence[_Node]) -> None:
        """Each node's `list`, matched to its `find .` group (same commands, hidden ones left out)."""
        lines: list[str] = []
        after_list: list[int] = []
        for node in nodes:
            lines += [*self.reset, *node.path, "list", PROBE]
            after_list.append(len(lines))
            lines += [f"find ^{_SEPARATOR}$"]
        output = _output_lines(run_vtysh(lines, self.vtysh))
        listings: list[list[str]] = [[]]
        errors: dict[int, int] = {}
        for line in output:
            found = _ERROR.fullmatch(line)
            if found:
                errors[int(found.group(1))] = int(found.group(3))
            elif line.startswith("    "):
                listings[-1].append(line[4:])
            elif _FOUND.fullmatch(line) and line.endswith(f"  {_SEPARATOR}"):
                listings.append([])
        listings.pop()
        if len(listings) != len(nodes):
            raise TableError(f"expected {len(nodes)} listings, vtysh printed {len(listings)}")
        named = sorted(zip(nodes, listings, after_list, strict=True), key=lambda entry: entry[0].number)
        for node, listing, probe_line in named:
            # A node without `list` of its own lists its parent's (vtysh walks up), and is left there.
            self._name(node, listing if errors.get(probe_line) == node.number else None)

    def _name(self, node: _Node, listing: list[str] | None) -> None:
        """Pick the node's `find .` group. Groups come in node-number order; the node's `list`, when it has
        one, is its group in order without the hidden commands; hidden commands are few. Where that leaves
        several groups, run a command only one of them has."""
        assigned = self.group_of
        lower = max((at for number, at in assigned.items() if number < node.number), default=-1)
        upper = min((at for number, at in assigned.items() if number > node.number), default=len(self.groups))
        taken = set(assigned.values())
        matches = [
            at
            for at in range(lower + 1, upper)
            if at not in taken and (listing is None or _subsequence(listing, self.groups[at][1]))
        ]
        if len(matches) > 1 and listing is not None:
            fewest = min(len(self.groups[at][1]) for at in matches)
            matches = [at for at in matches if len(self.groups[at][1]) == fewest]
        if len({tuple(self.groups[at][1]) for at in matches}) == 1:
            matches = matches[:1]  # equal groups: the first is the lower-numbered node's
        if len(matches) > 1:
            matches = self._try_groups(node, matches)
        if len(matches) != 1:
            names = [self.groups[at][0] for at in matches]
            raise TableError(f"node {node.number} (via {node.path}): `list` fits {len(matches)} nodes {names}")
        assigned[node.number] = matches[0]
        node.name, commands = self.groups[matches[0]]
        node.commands = list(commands)
        node.visible = listing if listing is not None else list(commands)
        for definition in node.commands:
            node.graph.add(definition)

    def _try_groups(self, node: _Node, groups: list[int]) -> list[int]:
        """The groups whose own commands (those no other candidate has) vtysh takes in this node."""
        fitting = []
        for at in groups:
            others = {command for other in groups if other != at for command in self.groups[other][1]}
            trial = _Node(node.number, node.path, name=self.groups[at][0], commands=list(self.groups[at][1]))
            own = [command for command in trial.commands if command not in others and _runnable(trial, command)]
            for definition in trial.commands:
                trial.graph.add(definition)
            lines: list[str] = []
            for command in own[:5]:
                for line in _probe_lines(trial, trial.commands.index(command), wanted=1):
                    lines += [*self.reset, *node.path, line]
            if not lines:
                continue
            errors = self._where(lines)
            if not any(number for number in errors if lines[number - 1] not in self.reset):
                fitting.append(at)
        return fitting

    def _probe_node(self, node: _Node) -> list[int]:
        """Run every command of a node once; returns the nodes they entered."""
        pending: dict[int, list[str]] = {}
        for index, definition in enumerate(node.commands):
            if not _runnable(node, definition):
                node.enters[index] = NOT_RUN
                continue
            lines = _probe_lines(node, index)
            if not lines and definition == "end":
                # No line reaches it: vtysh skips lines that are exactly `end`, and `en`, `e` are ambiguous.
                continue
            if not lines:
                raise TableError(f"node {node.name!r}: no line of ours reads as {definition!r}")
            pending[index] = lines
        targets: list[int] = []
        while pending:
            probes = [_Probe(index, lines[0]) for index, lines in pending.items()]
            refused = set(self._run_probes(node, probes, targets))
            for index in list(pending):
                if index in refused:
                    pending[index].pop(0)
                    if not pending[index] and node.commands[index] not in node.visible:
                        raise TableError(f"node {node.name!r}: vtysh refuses its hidden {node.commands[index]!r}")
                    if not pending[index]:
                        # vtysh runs this one itself and refused every line we tried: it depends on the
                        # router (`banner motd file FILE` wants FILE to exist under /etc/frr).
                        node.enters[index] = DECIDED_BY_VTYSH
                        del pending[index]
                else:
                    del pending[index]
        return targets

    def _run_probes(self, node: _Node, probes: list[_Probe], targets: list[int]) -> list[int]:
        """Run probes (in as few vtysh runs as `exit` in `enable` allows); the commands vtysh refused."""
        refused: list[int] = []
        while probes:
            lines: list[str] = []
            marks: list[tuple[int, int, int]] = []  # lines of the probe before, the command, the probe after
            for probe in probes:
                lines += [*self.reset, *node.path, PROBE]
                marks.append((len(lines), len(lines) + 1, len(lines) + 2))
                lines += [probe.line, PROBE]
            errors = self._where(lines)
            done = len(probes)
            for count, (probe, (before, command, after)) in enumerate(zip(probes, marks, strict=True)):
                if before not in errors or errors[before][1] != node.number:
                    raise TableError(f"node {node.name!r}: the lines {node.path} do not lead there any more")
                if command in errors:
                    refused.append(probe.command)
                elif after not in errors:
                    node.enters[probe.command] = STOPS  # vtysh stopped reading: run the rest again
                    done = count + 1
                    break
                elif errors[after][1] != node.number:
                    target = errors[after][1]
                    node.enters[probe.command] = target
                    targets.append(target)
                    if target not in self.nodes:
                        self.nodes[target] = _Node(target, (*node.path, probe.line))
            probes = probes[done:]
        return refused

    def verify_parents(self, parents: dict[int, int]) -> None:
        """Walking up goes where `exit` goes: a line only the parent knows, given in the child, runs in the
        parent (lib/command.c, command_config_read_one_line walks up cmd_node.parent_node)."""
        lines: list[str] = []
        expected: dict[int, tuple[int, int]] = {}
        for number, parent_number in sorted(parents.items()):
            node, parent = self.nodes[number], self.nodes[parent_number]
            for index, definition in enumerate(parent.commands):
                target = parent.enters.get(index)
                if isinstance(target, str) or not _runnable(parent, definition):
                    continue
                lines_for = [line for line in _probe_lines(parent, index, wanted=1) if not _known(node, line)]
                if lines_for:
                    lines += [*self.reset, *node.path, lines_for[0], PROBE]
                    expected[len(lines)] = (number, parent_number if target is None else target)
                    break
            # else: every command of the parent reads as one of the node's own (`keychain key` reads
            # `key 2` as `key-string 2`): nothing walks up from there to check.
        errors = self._where(lines)
        for line, (number, landing) in expected.items():
            if line - 1 in errors or errors.get(line, ("", -1))[1] != landing:
                raise TableError(f"node {number}: a line of its parent does not walk up there")


def _known(node: _Node, line: str) -> bool:
    return node.graph.match(line.split()).status != Status.NO_MATCH


def _output_lines(output: str) -> list[str]:
    return [line for line in split_lines(output) if line]


def _subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    remaining = iter(long)
    return all(any(item == candidate for candidate in remaining) for item in short)


def generate(vtysh: str = "vtysh") -> dict[str, object]:
    """The command table of the installed FRR, as JSON-ready data (shape in table.py)."""
    explorer = _Explorer(vtysh)
    explorer.explore()
    nodes = explorer.nodes
    config = min(nodes.values(), key=lambda node: len(node.path))
    parents: dict[int, int] = {}
    for node in nodes.values():
        for index, target in node.enters.items():
            if node.commands[index] == "exit" and isinstance(target, int) and node is not config:
                parents[node.number] = target
    explorer.verify_parents(parents)
    table_nodes: dict[str, object] = {}
    for number in sorted(nodes):
        node = nodes[number]
        visible = set(node.visible)
        commands = []
        for index, definition in enumerate(node.commands):
            entered = node.enters.get(index)
            entry: list[object] = [definition, str(entered) if isinstance(entered, int) else entered]
            if definition not in visible:
                entry.append("hidden")
            commands.append(entry)
        parent = parents.get(number)
        table_nodes[str(number)] = {
            "name": node.name,
            "parent": None if parent is None else str(parent),
            "reached_by": list(node.path),
            "commands": commands,
        }
    return {
        "frr": frr_version(vtysh),
        "generated_by": "python3 -m controller.frrcfg.vtysh_table --write",
        "start": str(config.number),
        "nodes": table_nodes,
    }


def dumps(table: dict[str, object]) -> str:
    """JSON with one command per line, so that a new FRR shows as a readable diff."""
    nodes = table["nodes"]
    assert isinstance(nodes, dict)
    out = ["{"]
    for key in ("frr", "generated_by", "start"):
        out.append(f"  {json.dumps(key)}: {json.dumps(table[key])},")
    out.append('  "nodes": {')
    for position, (number, node) in enumerate(nodes.items()):
        out.append(f"    {json.dumps(number)}: {{")
        for key in ("name", "parent", "reached_by"):
            out.append(f"      {json.dumps(key)}: {json.dumps(node[key])},")
        out.append('      "commands": [')
        commands = node["commands"]
        for index, command in enumerate(commands):
            out.append(f"        {json.dumps(command)}{',' if index + 1 < len(commands) else ''}")
        out.append("      ]")
        out.append("    }" + ("," if position + 1 < len(nodes) else ""))
    out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def differences(old: dict[str, object], new: dict[str, object], limit: int = 40) -> list[str]:
    """What changed between two tables, node by node, in words."""
    lines: list[str] = []
    if old.get("frr") != new.get("frr"):
        lines.append(f"FRR version: {old.get('frr')} -> {new.get('frr')}")
    old_nodes, new_nodes = old.get("nodes"), new.get("nodes")
    assert isinstance(old_nodes, dict) and isinstance(new_nodes, dict)
    names = {number: node["name"] for number, node in {**old_nodes, **new_nodes}.items()}
    for number in sorted(set(old_nodes) | set(new_nodes), key=int):
        label = f"node {number} ({names[number]})"
        if number not in new_nodes:
            lines.append(f"{label}: gone")
            continue
        if number not in old_nodes:
            lines.append(f"{label}: new, {len(new_nodes[number]['commands'])} commands")
            continue
        before, after = old_nodes[number], new_nodes[number]
        for key in ("name", "parent", "reached_by"):
            if before[key] != after[key]:
                lines.append(f"{label}: {key} {before[key]!r} -> {after[key]!r}")
        old_commands = [json.dumps(command) for command in before["commands"]]
        new_commands = [json.dumps(command) for command in after["commands"]]
        lines += [f"{label}: - {command}" for command in old_commands if command not in new_commands]
        lines += [f"{label}: + {command}" for command in new_commands if command not in old_commands]
        if sorted(old_commands) == sorted(new_commands) and old_commands != new_commands:
            lines.append(f"{label}: same commands in another order")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more differences"]
    if old.get("start") != new.get("start"):
        lines.append(f"start node: {old.get('start')} -> {new.get('start')}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m controller.frrcfg.vtysh_table", description=(__doc__ or "").split("\n")[0]
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write the table of the installed FRR")
    action.add_argument("--check", action="store_true", help="exit 1 when the committed table differs")
    parser.add_argument("--vtysh", default="vtysh", help="the vtysh to read (default: vtysh on PATH)")
    args = parser.parse_args(argv)
    table = generate(args.vtysh)
    version = table["frr"]
    assert isinstance(version, str)
    path = table_path(version)
    if args.write:
        for stale in TABLE_DIRECTORY.glob("commands-frr-*.json"):
            if stale != path:
                stale.unlink()
        path.write_text(dumps(table))
        print(f"wrote {path}")
        return 0
    committed = sorted(TABLE_DIRECTORY.glob("commands-frr-*.json"))
    if not path.exists():
        print(f"the installed FRR is {version}; the committed table is {[p.name for p in committed]}", file=sys.stderr)
        print("regenerate it: python3 -m controller.frrcfg.vtysh_table --write", file=sys.stderr)
        return 1
    old = json.loads(path.read_text())
    changed = differences(old, table)
    if changed or path.read_text() != dumps(table):
        print(f"{path.name} differs from what the installed FRR {version} says:", file=sys.stderr)
        for line in changed or ["same content, other formatting"]:
            print(f"  {line}", file=sys.stderr)
        print("regenerate it: python3 -m controller.frrcfg.vtysh_table --write", file=sys.stderr)
        return 1
    print(f"{path.name} agrees with the installed FRR {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
