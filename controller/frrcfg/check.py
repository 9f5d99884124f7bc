"""Does FRR take this configuration? Every line judged as `vtysh -C -f FILE` judges it, from the command table.

vtysh reads a file line by line from the configuration node (vtysh/vtysh.c, vtysh_config_from_file):

- a line that is exactly `end` (blanks aside) is skipped; blank lines and lines starting with `!` or `#` are
  comments; the rest is split into words at blanks (lib/command.c, cmd_make_strvec);
- a line is matched in the node vtysh is in (commands.py); if no command of that node matches at all, vtysh
  walks up to the parent node and tries again, up to the configuration node (command_config_read_one_line).
  An ambiguous or incomplete line does not walk up. Where a line matches, vtysh moves to that node and then
  to the node the command enters, if any; a refused line leaves vtysh where it was;
- `exit` at the top level goes to the `enable` node, where configuration commands are unknown, and `exit`
  there makes vtysh stop reading and exit with status 0, whatever it refused before;
- vtysh reads at most 4,095 bytes at a time (VTY_BUFSIZ): a longer line reaches it as two lines.

`check(text)` returns a Verdict: the refused lines with line, column and what FRR would have accepted there,
and the lines the table cannot judge (a node the table does not have, or a command vtysh decides by itself)
with the reason. It does not parse into frr-edge's model (parser.py does) and costs nothing in parse().
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from controller.frrcfg.commands import MAX_WORDS, Graph, Status
from controller.frrcfg.errors import FrrSyntaxError
from controller.frrcfg.lines import lines
from controller.frrcfg.model import Config
from controller.frrcfg.parser import parse
from controller.frrcfg.redact import REDACTED, in_secret, redact_line
from controller.frrcfg.table import DECIDED_BY_VTYSH, NOT_RUN, STOPS, CliNode, CommandTable, load_table

# vtysh reads lines with fgets into a buffer of this many bytes (VTY_BUFSIZ), the terminating NUL included.
LINE_BUFFER = 4096
# Shown of a long list of what FRR would have accepted; Refusal.expected keeps them all.
SHOWN_EXPECTED = 12

_BLANKS = " \t\n\r\v\f"  # C's isspace, which trims a line and skips its leading blanks
_SEPARATORS = "\n\r\t "  # what cmd_make_strvec splits words at


@dataclass(frozen=True)
class Refusal:
    """A line FRR refuses: where (1-based line and column), why, and what it would have accepted there."""

    line: int
    column: int
    text: str
    message: str
    expected: tuple[str, ...]
    node: str  # the FRR node vtysh is in when it refuses the line (its name)
    node_key: str = ""  # and its number, as vtysh prints it: "% Unknown command[25]"

    def shown_expected(self, limit: int = SHOWN_EXPECTED) -> tuple[str, ...]:
        """`expected`, cut to `limit` entries with a last one saying how many more there are."""
        if len(self.expected) <= limit:
            return self.expected
        return (*self.expected[:limit], f"{len(self.expected) - limit} more")

    def error(self, source: str) -> FrrSyntaxError:
        """The refusal as the FrrSyntaxError parse() raises for grammar errors."""
        return FrrSyntaxError(
            f"{self.message} (FRR {self.node} node)",
            source=source,
            line=self.line,
            column=self.column,
            text=self.text,
            expected=self.shown_expected(),
        )


@dataclass(frozen=True)
class Unjudged:
    """A line the command table cannot judge, and why; FRR may take it or not."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    """FRR's view of a configuration text, line by line."""

    frr: str
    refusals: tuple[Refusal, ...]
    unjudged: tuple[Unjudged, ...]
    stopped_at: int | None = None  # the line where vtysh stops reading (`exit` in the `enable` node)
    # Lines that abbreviate a keyword (`nei 192.0.2.1 pass S`), by number, written with every keyword in full
    # as FRR shows them (`neighbor 192.0.2.1 password S`).
    in_full: tuple[tuple[int, str], ...] = ()
    # Where each judged line goes: (line number, depth below the top level, the node it runs in). The depth of
    # a context's header is that of the block it opens (`key chain K` run in a key node opens a block at 0).
    placed: tuple[tuple[int, int, str], ...] = ()

    @property
    def accepted(self) -> bool:
        """No line refused: what frr-edge requires of FRR text it sends."""
        return not self.refusals

    @property
    def vtysh_exit_status_zero(self) -> bool:
        """What `vtysh -C -f FILE` would exit with: 0 when nothing was refused or when vtysh stopped reading
        at an `exit` in the `enable` node (it then exits 0 whatever it refused before)."""
        return not self.refusals or self.stopped_at is not None

    def raise_first(self, source: str) -> None:
        """Raise the first refusal as FrrSyntaxError; do nothing when there is none."""
        if self.refusals:
            raise self.refusals[0].error(source)


def parse_checked(text: str, source: str = "<config>", verdict: Verdict | None = None) -> Config:
    """parse() after FRR's own verdict on every line (check(), or `verdict` when given): raises FrrSyntaxError
    for the first line FRR or the grammar refuses (the grammar's message on a tie: it names frr-edge's
    expectations). Lines the table cannot judge pass."""
    verdict = verdict or check(text)
    try:
        config = parse(in_full(text, verdict), source)
    except FrrSyntaxError as error:
        if verdict.refusals and verdict.refusals[0].line < error.line:
            verdict.raise_first(source)
        raise
    verdict.raise_first(source)
    _raise_misplaced(config, verdict, text, source)
    return config


def _raise_misplaced(config: Config, verdict: Verdict, text: str, source: str) -> None:
    """Raise FrrSyntaxError for the first line the grammar puts in another context than FRR runs it in.

    vtysh runs a line the current node does not know in the first node above that knows it, and stays there
    (`no ipv6 forwarding` after `key chain K` / `key 1` runs at the top level). The grammar ends a context it
    has no typed form for only at `exit` or a command it knows at the top level, so it would keep such a
    line inside, and the `exit` rendered after it would then leave the configuration altogether: FRR would
    read everything after it wrongly or not at all. Such a snippet is refused, naming the line.
    """
    placed = {number: (depth, node) for number, depth, node in verdict.placed}
    for path, item in config.walk():
        if item.line not in placed:
            continue
        depth, node = placed[item.line]
        if depth < len(path):
            raise FrrSyntaxError(
                f"FRR runs this line in node {node}, outside the `{path[depth].header()}` block it follows: "
                "close the block with `exit` before it (the `exit` after it would leave the configuration)",
                source=source,
                line=item.line,
                column=1,
                text=redact_line(lines(text)[item.line - 1]),
                expected=(),
            )


def in_full(text: str, verdict: Verdict) -> str:
    """`text` with the keywords its lines abbreviate written in full (Verdict.in_full): what FRR will show,
    so that what frr-edge sends compares equal with what it reads back. Line numbers are kept."""
    if not verdict.in_full:
        return text
    every = lines(text)
    for number, line in verdict.in_full:
        every[number - 1] = line
    return "\n".join(every)


def words_of(line: str) -> list[str] | None:
    """The words vtysh reads in a line, None for a comment or blank line (cmd_make_strvec)."""
    stripped = line.lstrip(_BLANKS)
    if not stripped or stripped[0] in "!#":
        return None
    for separator in _SEPARATORS[1:]:
        stripped = stripped.replace(separator, " ")
    return [word for word in stripped.split(" ") if word]


def check(text: str, table: CommandTable | None = None) -> Verdict:
    """FRR's verdict on every line of `text`, as `vtysh -C -f` reads a file (see the module doc)."""
    table = table or load_table()
    node: CliNode | None = table.nodes[table.start]
    unknown_reason = ""
    refusals: list[Refusal] = []
    unjudged: list[Unjudged] = []
    written_in_full: list[tuple[int, str]] = []
    placed: list[tuple[int, int, str]] = []
    every = lines(text)
    if every and every[-1] == "":
        every.pop()
    for number, line in enumerate(every, start=1):
        if len(line.encode()) >= LINE_BUFFER - 1:  # comments too: the rest would be read as a command
            refusals.append(_too_long(number, line, node))
            continue
        if line.strip(_BLANKS) == "end":
            continue
        words = words_of(line)
        if words is None:
            continue
        if node is None:
            unjudged.append(Unjudged(number, line, unknown_reason))
            continue
        judged = _judge(table, node, number, line, words)
        if isinstance(judged, Refusal):
            refusals.append(dataclasses.replace(judged, node=node.name, node_key=node.key))
            continue
        landed, enters, keywords = judged
        if enters is not None and enters in table.nodes:  # a context's header: where its block sits
            placed.append((number, _depth(table, table.nodes[enters]) - 1, landed.name))
        else:
            placed.append((number, _depth(table, landed), landed.name))
        if any(keyword is not None and keyword != word for word, keyword in zip(words, keywords, strict=False)):
            indent = line[: len(line) - len(line.lstrip(_BLANKS))]
            full = " ".join(keyword or word for word, keyword in zip(words, keywords, strict=False))
            written_in_full.append((number, indent + full + line[len(line.rstrip(_BLANKS)) :]))
        if enters == DECIDED_BY_VTYSH:
            unjudged.append(Unjudged(number, line, "vtysh runs this command itself and decides on the router"))
            continue
        shown = redact_line(line).strip()  # reasons reach logs and Events too
        if enters == STOPS:
            unjudged += [
                Unjudged(after, rest, f"vtysh stops reading at line {number} (`{shown}` in node {landed.name})")
                for after, rest in enumerate(every[number:], start=number + 1)
                if words_of(rest) is not None and rest.strip(_BLANKS) != "end"
            ]
            return Verdict(
                table.frr,
                tuple(refusals),
                tuple(unjudged),
                stopped_at=number,
                in_full=tuple(written_in_full),
                placed=tuple(placed),
            )
        if enters == NOT_RUN or (enters is not None and enters not in table.nodes):
            node = None
            unknown_reason = (
                f"line {number} (`{shown}`) leads to a node the command table does not have; "
                "FRR may take this line or not"
            )
            continue
        node = landed if enters is None else table.nodes[enters]
    return Verdict(table.frr, tuple(refusals), tuple(unjudged), in_full=tuple(written_in_full), placed=tuple(placed))


def _depth(table: CommandTable, node: CliNode) -> int:
    """How many nodes `node` is below the top level (the node `configure` enters: 0)."""
    depth = 0
    while node.key != table.start and node.parent is not None:
        node = table.nodes[node.parent]
        depth += 1
    return depth


def _judge(
    table: CommandTable, node: CliNode, number: int, line: str, words: list[str]
) -> Refusal | tuple[CliNode, str | None, tuple[str | None, ...]]:
    """(node the line runs in, what its command enters, the keyword of each word) or the Refusal, walking up
    as vtysh does."""
    tried: list[CliNode] = []
    level: CliNode | None = node
    while level is not None:
        result = table.match(level, words)
        tried.append(level)
        if result.status == Status.OK:
            return level, level.commands[result.command].enters, result.keywords
        if result.status != Status.NO_MATCH:
            return _refusal(number, line, words, level, result.status)
        level = table.nodes[level.parent] if level.parent is not None else None
    # Unknown everywhere: explain from the node where the line gets furthest (the innermost on a tie).
    furthest = max(tried, key=lambda candidate: (candidate.graph.explain(words).word, -tried.index(candidate)))
    return _refusal(number, line, words, furthest, Status.NO_MATCH)


def _refusal(number: int, line: str, words: list[str], node: CliNode, status: Status) -> Refusal:
    if len(words) > MAX_WORDS:
        return Refusal(number, 1, line, f"more than {MAX_WORDS} words: FRR matches no command", (), node.name)
    explanation = node.graph.explain(words)
    index = explanation.word
    column = _column(line, words, index)
    if status == Status.AMBIGUOUS:
        at = min(index, len(words) - 1)
        word = _quoted(line, words[at], _column(line, words, at))
        readings = " or ".join(explanation.ambiguous) or "several commands"
        return Refusal(number, column, line, f"ambiguous {word}: it could be {readings}", (), node.name)
    expected = _ranked(node.graph, words, index, explanation.expected)
    if index >= len(words):
        return Refusal(number, column, line, "incomplete command", expected, node.name)
    return Refusal(number, column, line, f"unexpected {_quoted(line, words[index], column)}", expected, node.name)


def _quoted(line: str, word: str, column: int) -> str:
    """The word at the 1-based column for a message, unless it is a secret there (redact.py), wherever else the
    line has the same word: messages reach logs and Events."""
    return REDACTED if in_secret(line, column - 1, column - 1 + len(word)) else repr(word)


def _ranked(graph: Graph, words: list[str], index: int, expected: tuple[str, ...]) -> tuple[str, ...]:
    """Keywords that would make the line complete if put before the offending word come first
    (`neighbor X UPSTREAM`: 'peer-group')."""
    if index >= len(words):
        return expected
    fixes = [
        text
        for text in expected
        if text.startswith("'") and graph.match([*words[:index], text.strip("'"), *words[index:]]).status == Status.OK
    ]
    return (*fixes, *(text for text in expected if text not in fixes))


def _column(line: str, words: list[str], index: int) -> int:
    """1-based column of words[index] in line, or right after the last word."""
    at = 0
    for position, word in enumerate(words):
        at = line.index(word, at)
        if position == index:
            return at + 1
        at += len(word)
    return len(line.rstrip(_BLANKS)) + 1 if index >= len(words) else 1


def _too_long(number: int, line: str, node: CliNode | None) -> Refusal:
    return Refusal(
        number,
        1,
        line,
        f"line of {len(line.encode())} bytes: vtysh reads at most {LINE_BUFFER - 2} per line and would split it",
        (),
        node.name if node is not None else "unknown",
    )
