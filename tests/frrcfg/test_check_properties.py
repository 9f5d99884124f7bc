"""Properties of the offline checker, every batch judged by real `vtysh -C -f` too.

- Lines built from the command table's own definitions, in the node they belong to, are accepted, and FRR
  agrees line by line.
- Mutations of such lines (a word dropped, doubled, swapped, replaced, a keyword cut short, a number out of
  range, a damaged address) are refused exactly where FRR refuses them.
- Single words against FRR's address and range tokens: FRR's own character rules, compared word by word.

Each example is a batch of lines checked with one vtysh run. CI runs FRR_EDGE_CHECK_EXAMPLES batches per
test (default 40, a few seconds each test); more on demand:
`FRR_EDGE_CHECK_EXAMPLES=2000 python3 -m pytest tests/frrcfg/test_check_properties.py`.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from controller.frrcfg import check
from controller.frrcfg.commands import Item, Kind, Selector, Status, Token, parse_definition
from controller.frrcfg.table import CliNode, load_table

VtyshCheck = Callable[[str], subprocess.CompletedProcess[str]]
EXAMPLES = int(os.environ.get("FRR_EDGE_CHECK_EXAMPLES", "40"))
BATCHES = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_REFUSED = re.compile(r"line ([0-9]+): % [A-Za-z ]+\[([0-9]+)\]", re.ASCII)
# Back to the configuration node from anywhere: `configure terminal` from enable (unknown elsewhere).
RESET = ["configure terminal", "line vty", "exit"]


# vtysh's own printing commands: `list permutations` prints every path through a node's graph (minutes).
PRINTING = ("list", "find", "show")


@cache
def commands() -> list[tuple[CliNode, int]]:
    """(node, command index) for every command a line of configuration may use: not in `enable`, and
    neither stopping vtysh nor left unrun or to vtysh by the generator, nor printing."""
    table = load_table()
    return [
        (node, index)
        for node in table.nodes.values()
        if node.name != "enable"
        for index, command in enumerate(node.commands)
        if (command.enters is None or command.enters in table.nodes) and command.definition.split()[0] not in PRINTING
    ]


VARIABLE = st.builds(lambda digits: f"zv{digits}", st.integers(0, 999))


def token_value(token: Token) -> st.SearchStrategy[str]:
    """A value the token matches exactly."""
    ipv4 = st.ip_addresses(v=4).map(str)
    ipv6 = st.integers(0, 2**128 - 1).map(lambda value: ipaddress.IPv6Address(value).compressed)
    mac = st.binary(min_size=6, max_size=6).map(lambda data: ":".join(f"{byte:02x}" for byte in data))
    values: dict[Kind, st.SearchStrategy[str]] = {
        Kind.KEYWORD: st.just(token.text),
        Kind.VARIABLE: VARIABLE,
        Kind.RANGE: st.integers(token.low, token.high).map(str),
        Kind.IPV4: ipv4,
        Kind.IPV4_PREFIX: st.tuples(ipv4, st.integers(0, 32)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
        Kind.IPV6: ipv6,
        Kind.IPV6_PREFIX: st.tuples(ipv6, st.integers(0, 128)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
        Kind.MAC: mac,
        Kind.MAC_PREFIX: st.tuples(mac, st.integers(0, 48)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
    }
    return values[token.kind]


def build(draw: st.DrawFn, items: tuple[Item, ...]) -> list[str]:
    """A line a definition accepts: any alternative, optional parts or not, `{}` parts in any order.
    (Plain recursion: definitions are not handed to hypothesis, which would hash them over and over.)"""
    words: list[str] = []
    for item in items:
        if isinstance(item, Token):
            count = draw(st.integers(1, 3)) if item.repeat else 1
            words += [draw(token_value(item)) for _ in range(count)]
            continue
        assert isinstance(item, Selector)
        alternatives = item.alternatives
        if item.opening == "{":
            order = draw(st.permutations(range(len(alternatives))))
            chosen = [alternatives[at] for at in order[: draw(st.integers(1, len(alternatives)))]]
        elif item.opening in ("[", "![") and draw(st.booleans()):
            chosen = []
        else:
            chosen = [alternatives[draw(st.integers(0, len(alternatives) - 1))]]
        for sequence in chosen:
            words += build(draw, sequence)
    return words


@st.composite
def entry(draw: st.DrawFn) -> tuple[CliNode, str, list[str]]:
    """A node, one of its commands, and a line that command accepts."""
    node, index = commands()[draw(st.integers(0, len(commands()) - 1))]
    definition = node.commands[index].definition
    words = build(draw, parse_definition(definition))
    assume(runnable(node, " ".join(words)))
    return node, definition, words


@pytest.fixture(scope="module")
def vtysh_check(tmp_path_factory: pytest.TempPathFactory) -> VtyshCheck:
    """Real `vtysh -C -f`, run in a directory of its own (whatever a line asks of it stays there)."""
    directory = tmp_path_factory.mktemp("vtysh-properties")

    def run(text: str) -> subprocess.CompletedProcess[str]:
        path = directory / "frr.conf"
        path.write_text(text)
        return subprocess.run(
            ["vtysh", "-C", "-f", str(path)], cwd=directory, capture_output=True, text=True, check=False
        )

    return run


def runnable(node: CliNode, line: str) -> bool:
    """Whether the line runs a command the generator ran too: never `output file FILE` (vtysh creates FILE),
    `exit` in enable, or what vtysh decides itself. Judged where vtysh would run it, walking up."""
    table = load_table()
    words = line.split()
    level: CliNode | None = node
    while level is not None:
        result = table.match(level, words)
        if result.status == Status.OK:
            enters = level.commands[result.command].enters
            return enters is None or enters in table.nodes
        if result.status != Status.NO_MATCH:
            return True
        level = table.nodes[level.parent] if level.parent is not None else None
    return True


def judged(vtysh_check: VtyshCheck, lines: list[tuple[CliNode, str]]) -> tuple[set[int], set[int], list[int]]:
    """Write each line after the lines that reach its node; (refused offline, refused by vtysh, its lines).
    Lines the table does not judge are left out of both."""
    text: list[str] = []
    at: list[int] = []
    for node, line in lines:
        text += [*RESET, *node.reached_by, line]
        at.append(len(text))
    content = "\n".join(text) + "\n"
    verdict = check(content)
    unjudged = {item.line for item in verdict.unjudged}
    ours = {refusal.line for refusal in verdict.refusals}
    theirs = {int(line) for line, _ in _REFUSED.findall(vtysh_check(content).stderr)} - unjudged
    return ours, theirs, at


def shown(lines: list[tuple[CliNode, str]], at: list[int], numbers: set[int]) -> list[str]:
    return [f"{node.name}: {line}" for (node, line), number in zip(lines, at, strict=True) if number in numbers]


@BATCHES
@given(batch=st.lists(entry(), min_size=20, max_size=40))
def test_lines_built_from_the_table_are_accepted_as_frr_accepts_them(
    vtysh_check: VtyshCheck, batch: list[tuple[CliNode, str, list[str]]]
) -> None:
    lines = [(node, " ".join(words)) for node, _, words in batch]
    ours, theirs, at = judged(vtysh_check, lines)
    assert ours == theirs, (
        f"offline only: {shown(lines, at, ours - theirs)}; vtysh only: {shown(lines, at, theirs - ours)}"
    )
    # Built lines can still be ambiguous where two definitions overlap; most are not.
    refused = shown(lines, at, ours)
    assert len(refused) <= len(lines) // 4, refused


def mutations(words: list[str]) -> st.SearchStrategy[list[str]]:
    positions = st.integers(0, max(len(words) - 1, 0))

    def replace(at: int, word: str) -> list[str]:
        return [*words[:at], word, *words[at + 1 :]] if words else [word]

    damaged = st.sampled_from(
        ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "10.0.0.0/33", "-1"]
    )
    return st.one_of(
        positions.map(lambda at: words[:at] + words[at + 1 :]),
        positions.map(lambda at: [*words[: at + 1], *words[at:]]),
        positions.map(lambda at: replace(at, "zzjunk")),
        st.tuples(positions, damaged).map(lambda pair: replace(*pair)),
        positions.map(lambda at: replace(at, words[at][: max(1, len(words[at]) // 2)] if words else "x")),
        positions.map(lambda at: replace(at, str(int(words[at]) + 4294967296) if words[at].isdigit() else "x")),
        st.tuples(positions, positions).map(lambda pair: _swapped(words, *pair)),
        st.just([*words, "zzextra"]),
    )


def _swapped(words: list[str], one: int, two: int) -> list[str]:
    swapped = list(words)
    if swapped:
        swapped[one], swapped[two] = swapped[two], swapped[one]
    return swapped


@st.composite
def mutated(draw: st.DrawFn) -> tuple[CliNode, str]:
    node, _, words = draw(entry())
    line = " ".join(draw(mutations(words))) or "zzjunk"
    assume(runnable(node, line))
    return node, line


@BATCHES
@given(batch=st.lists(mutated(), min_size=20, max_size=40))
def test_mutated_lines_are_refused_where_frr_refuses_them(
    vtysh_check: VtyshCheck, batch: list[tuple[CliNode, str]]
) -> None:
    ours, theirs, at = judged(vtysh_check, batch)
    assert ours == theirs, (
        f"offline only: {shown(batch, at, ours - theirs)}; vtysh only: {shown(batch, at, theirs - ours)}"
    )


# Commands of the configuration node ending in one token of each kind.
TOKEN_COMMANDS = {
    "ipv4": "ip router-id {}",
    "ipv4 prefix": "ip prefix-list L permit {}",
    "ipv6": "ipv6 router-id {}",
    "ipv6 prefix": "ipv6 prefix-list L permit {}",
    "mac": "mac access-list L permit {}",
    "range": "bgp session-dscp {}",
}
ADDRESS_LIKE = st.text(alphabet="0123456789abcdefABCDEF:./+-", min_size=1, max_size=24)
NEAR_MISSES = st.one_of(
    ADDRESS_LIKE,
    st.ip_addresses().map(str).flatmap(lambda text: st.sampled_from([text, text + ".", "." + text, text + "/"])),
    st.tuples(st.ip_addresses().map(str), st.integers(-5, 200)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
    st.integers(-100, 2**70).map(str),
)


@BATCHES
@given(
    kind=st.sampled_from(sorted(TOKEN_COMMANDS)),
    words=st.lists(NEAR_MISSES.filter(lambda word: not word.startswith(("!", "#"))), min_size=30, max_size=60),
)
def test_address_and_range_words_match_as_frr_matches_them(
    vtysh_check: VtyshCheck, kind: str, words: list[str]
) -> None:
    lines = [TOKEN_COMMANDS[kind].format(word) for word in words]
    content = "\n".join(lines) + "\n"
    ours = {refusal.line for refusal in check(content).refusals}
    theirs = {int(line) for line, _ in _REFUSED.findall(vtysh_check(content).stderr)}
    assert ours == theirs, [lines[number - 1] for number in sorted(ours ^ theirs)]
