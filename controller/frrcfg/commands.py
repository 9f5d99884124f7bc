"""FRR's CLI, offline: command definition strings to a token graph, and FRR's matcher over it.

A node of FRR's CLI (config, `router bgp`, `address-family ipv4 unicast`, ...) is a set of command
definitions such as `neighbor <A.B.C.D|X:X::X:X|WORD> peer-group PGNAME`. FRR parses each definition into a
graph of tokens (lib/command_lex.l, lib/command_parse.y), merges the graphs of one node into one
(lib/command_graph.c, cmd_graph_merge) and matches a line of input against it word by word
(lib/command_match.c, command_match). This module does the same, in Python, from the definitions FRR prints
(`vtysh` `list` and `find`, see vtysh_table.py):

- keywords match any prefix of themselves (`nei` is `neighbor`); where two complete matches compete, the one
  whose first differing word matched better wins: an exact keyword over an abbreviation, and by token kind
  an address or a range over a keyword over a variable (score_precedence); a tie is ambiguous;
- `A.B.C.D`, `A.B.C.D/M`, `X:X::X:X`, `X:X::X:X/M`, `X:X:X:X:X:X[/M]` and `(LOW-HIGH)` match by FRR's own
  rules (match_ipv4, match_ipv4_prefix, match_ipv6_prefix, match_mac, match_range), including their
  leniencies (`.1.2.3` is an IPv4 address to the CLI, `+5` a number); any other upper-case word (WORD, LINE,
  PGNAME, AA:NN, ...) is a variable and matches any word;
- `<a|b>` is one of, `[a|b]` at most one of, `{a|b}` at least one of each at most once, `![a]` only after
  `no`, and a final `X...` takes the variable any number of times;
- a line ending before the command does is incomplete, a line matching two commands equally well is
  ambiguous, lines of more than 255 words match nothing (CMD_ARGC_MAX).

`Graph.match(words)` gives FRR's verdict; `Graph.explain(words)` says where a refused line stops matching and
what FRR would have accepted there. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import re
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "Explanation",
    "Graph",
    "Kind",
    "Match",
    "Shapes",
    "Status",
    "SyntaxDefinitionError",
    "Token",
    "graph_words",
    "parse_definition",
]


class Kind(IntEnum):
    """Token kinds, in FRR's order (cmd_token_type): plain tokens first, then plumbing."""

    KEYWORD = 0
    VARIABLE = 1
    RANGE = 2
    IPV4 = 3
    IPV4_PREFIX = 4
    IPV6 = 5
    IPV6_PREFIX = 6
    MAC = 7
    MAC_PREFIX = 8
    FORK = 9
    JOIN = 10
    START = 11
    END = 12
    NEG_ONLY = 13


_PLUMBING = Kind.FORK


class Status(IntEnum):
    """FRR's matcher results (matcher_rv), ordered as FRR orders them."""

    NO_MATCH = 0
    INCOMPLETE = 1
    AMBIGUOUS = 2
    OK = 3


class _Level(IntEnum):
    """How well one word matches one token (match_type)."""

    TRIVIAL = 0
    NONE = 1
    PARTLY = 2
    EXACT = 3


# FRR refuses to match more words than this (CMD_ARGC_MAX, counting its own leading dummy word).
MAX_WORDS = 255


class SyntaxDefinitionError(ValueError):
    """A command definition string FRR's own definition parser would not take."""


# ------------------------------------------------------------------ definition strings

# lib/command_lex.l: the longest match wins, the earlier rule on a tie.
_LEXER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("BLANK", re.compile(r"[ \t]+", re.ASCII)),
    ("IPV4", re.compile(r"A\.B\.C\.D", re.ASCII)),
    ("IPV4_PREFIX", re.compile(r"A\.B\.C\.D/M", re.ASCII)),
    ("IPV6", re.compile(r"X:X::X:X", re.ASCII)),
    ("IPV6_PREFIX", re.compile(r"X:X::X:X/M", re.ASCII)),
    ("MAC", re.compile(r"X:X:X:X:X:X", re.ASCII)),
    ("MAC_PREFIX", re.compile(r"X:X:X:X:X:X/M", re.ASCII)),
    ("VARIABLE", re.compile(r"[A-Z][-_A-Z:0-9]+", re.ASCII)),
    ("WORD", re.compile(r"[-+]?[a-zA-Z0-9*][-+_a-zA-Z0-9*]*", re.ASCII)),
    ("RANGE", re.compile(r"\(([-+]?[0-9]{1,20}) ?- ?([-+]?[0-9]{1,20})\)", re.ASCII)),
    ("EXCL_BRACKET", re.compile(r"!\[", re.ASCII)),
)

_PLACEHOLDERS = {
    "IPV4": Kind.IPV4,
    "IPV4_PREFIX": Kind.IPV4_PREFIX,
    "IPV6": Kind.IPV6,
    "IPV6_PREFIX": Kind.IPV6_PREFIX,
    "MAC": Kind.MAC,
    "MAC_PREFIX": Kind.MAC_PREFIX,
    "VARIABLE": Kind.VARIABLE,
    "RANGE": Kind.RANGE,
}


def _lex(definition: str) -> list[tuple[str, str]]:
    """(rule, text) pairs; single characters (`<`, `|`, `.`, `$`, ...) are their own rule."""
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(definition):
        best: tuple[str, str] | None = None
        for name, pattern in _LEXER_RULES:
            found = pattern.match(definition, at)
            if found and (best is None or len(found.group()) > len(best[1])):
                best = (name, found.group())
        if best is None:
            best = (definition[at], definition[at])
        if best[0] != "BLANK":
            tokens.append(best)
        at += len(best[1])
    return tokens


@dataclass(frozen=True)
class Token:
    """One word of a command definition: a keyword or a placeholder."""

    kind: Kind
    text: str
    low: int = 0
    high: int = 0
    repeat: bool = False

    def key(self) -> str:
        return f"{int(self.kind)}:{self.text}:{self.low}:{self.high}:{self.repeat}"


@dataclass(frozen=True)
class Selector:
    """`<...>` (one of), `[...]` (optional), `{...}` (keywords in any order), `![...]` (only after `no`)."""

    opening: str
    alternatives: tuple[tuple[Item, ...], ...]

    def key(self) -> str:
        inner = "|".join(" ".join(item.key() for item in sequence) for sequence in self.alternatives)
        return f"{self.opening}{inner}"


Item = Token | Selector


class _DefinitionParser:
    """lib/command_parse.y: a definition is items, then optionally one placeholder followed by `...`."""

    def __init__(self, definition: str) -> None:
        self.definition = definition
        self.tokens = _lex(definition)
        self.at = 0

    def fail(self, what: str) -> SyntaxDefinitionError:
        return SyntaxDefinitionError(f"{self.definition!r}: {what} at token {self.at + 1}")

    def peek(self, offset: int = 0) -> str | None:
        index = self.at + offset
        return self.tokens[index][0] if index < len(self.tokens) else None

    def parse(self) -> tuple[Item, ...]:
        items: list[Item] = []
        while self.peek() is not None:
            if self.peek() == ".":
                if not items or not isinstance(items[-1], Token) or items[-1].kind == Kind.KEYWORD:
                    raise self.fail("'...' after something other than a placeholder")
                if (self.peek(1), self.peek(2), self.peek(3)) != (".", ".", None):
                    raise self.fail("'...' must end the definition")
                last = items[-1]
                items[-1] = Token(last.kind, last.text, last.low, last.high, repeat=True)
                self.at += 3
                break
            items.append(self.item())
        return tuple(items)

    def item(self) -> Item:
        rule = self.peek()
        if rule in ("<", "[", "{", "EXCL_BRACKET"):
            return self.selector()
        return self.simple()

    def simple(self) -> Token:
        rule, text = self.tokens[self.at] if self.at < len(self.tokens) else ("", "")
        self.at += 1
        if rule == "WORD":
            token = Token(Kind.KEYWORD, text)
        elif rule in _PLACEHOLDERS:
            low = high = 0
            if rule == "RANGE":
                bounds = _LEXER_RULES[9][1].fullmatch(text)
                assert bounds is not None
                low, high = int(bounds.group(1)), int(bounds.group(2))
                if low > high:
                    raise self.fail("invalid range")
            token = Token(_PLACEHOLDERS[rule], text, low, high)
        else:
            self.at -= 1
            raise self.fail(f"unexpected {text or 'end'!r}")
        if self.peek() == "$":  # a variable name: FRR's `list` drops them, definitions may carry them
            self.at += 1
            if self.peek() != "WORD":
                raise self.fail("'$' without a name")
            self.at += 1
        return token

    def selector(self) -> Selector:
        rule = self.tokens[self.at][0]
        opening = "![" if rule == "EXCL_BRACKET" else rule
        closing = {"<": ">", "[": "]", "{": "}", "![": "]"}[opening]
        self.at += 1
        alternatives: list[tuple[Item, ...]] = []
        sequence: list[Item] = []
        while True:
            peeked = self.peek()
            if peeked is None:
                raise self.fail(f"missing {closing!r}")
            rule = peeked
            if rule in ("|", closing):
                if not sequence:
                    raise self.fail("empty alternative")
                alternatives.append(tuple(sequence))
                sequence = []
                self.at += 1
                if rule == closing:
                    break
                continue
            sequence.append(self.item())
        if self.peek() == "$":
            self.at += 2
        return Selector(opening, tuple(alternatives))


def parse_definition(definition: str) -> tuple[Item, ...]:
    """The items of one FRR command definition; raises SyntaxDefinitionError where FRR's parser would."""
    return _DefinitionParser(definition).parse()


# ------------------------------------------------------------------ the graph


class _Node:
    """A node of a command graph (FRR's graph_node holding a cmd_token)."""

    __slots__ = (
        "_nexthops",
        "command",
        "hidden",
        "high",
        "index",
        "key",
        "kind",
        "low",
        "next",
        "pair",
        "repeat",
        "text",
    )

    def __init__(self, kind: Kind, text: str = "", low: int = 0, high: int = 0, repeat: bool = False) -> None:
        self.kind = kind
        self.text = text
        self.low = low
        self.high = high
        self.repeat = repeat
        self.next: list[_Node] = []
        self.pair: _Node | None = None  # FORK <-> JOIN
        self.key = ""
        self.hidden = True
        self.command = -1  # END: index of the command in its node
        self._nexthops: tuple[tuple[_Node, ...], tuple[_Node, ...]] | None = None
        self.index: dict[str, tuple[_Node, ...]] | None = None

    def nexthops(self, negative: bool) -> tuple[_Node, ...]:
        """Tokens one word further, looking through forks, joins and (after `no`) NEG_ONLY (add_nexthops)."""
        if self._nexthops is None:
            self._nexthops = (tuple(_expand(self, False)), tuple(_expand(self, True)))
        return self._nexthops[negative]

    def candidates(self, negative: bool, word: str) -> tuple[_Node, ...]:
        """nexthops() that can match `word` at all, in the same order: keywords must share its first letter."""
        hops = self.nexthops(negative)
        if len(hops) < 8:
            return hops
        if self.index is None:
            self.index = {}
        key = ("-" if negative else "+") + word[:1]
        found = self.index.get(key)
        if found is None:
            first = word[:1]
            found = tuple(hop for hop in hops if hop.kind != Kind.KEYWORD or hop.text[:1] == first)
            self.index[key] = found
        return found


def _expand(node: _Node, negative: bool, depth: int = 0) -> Iterator[_Node]:
    if depth > 64:  # FRR's loopcheck refuses definitions with an empty path through `{}`
        return
    for child in node.next:
        if child.kind == Kind.NEG_ONLY and not negative:
            continue
        if child.kind >= _PLUMBING and child.kind != Kind.END:
            yield from _expand(child, negative, depth + 1)
        else:
            yield child


def _min_level(kind: Kind) -> _Level:
    # Only keywords may be abbreviated (min_match_level).
    if kind == Kind.START:
        return _Level.NONE
    return _Level.PARTLY if kind == Kind.KEYWORD else _Level.EXACT


def _precedence(kind: Kind) -> int:
    """score_precedence: the lower wins when two kinds of token match the same word."""
    if kind in (Kind.IPV4, Kind.IPV4_PREFIX, Kind.IPV6, Kind.IPV6_PREFIX, Kind.MAC, Kind.MAC_PREFIX, Kind.RANGE):
        return 2
    if kind == Kind.KEYWORD:
        return 3
    if kind == Kind.VARIABLE:
        return 4
    return 10


@dataclass(frozen=True)
class Match:
    """FRR's verdict on one line in one node: the status and, when OK, the index of the command matched and,
    for each word, the keyword it stands for (None for a value): FRR takes any unambiguous abbreviation of a
    keyword and shows the keyword in full."""

    status: Status
    command: int = -1
    keywords: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """Where a refused line stops matching: the word (0-based; len(words) for the end of the line) and what
    FRR would have accepted there, in FRR's notation (`'peer-group'`, `A.B.C.D`, `(1-65535)`, `end of line`)."""

    word: int
    expected: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()


_Result = tuple[list[_Node], _Node]  # tokens matched from some word on, and the END token reached


class Graph:
    """The merged command graph of one CLI node, built from its definitions in FRR's install order."""

    def __init__(self) -> None:
        self.start = _Node(Kind.START)
        self.commands: list[str] = []

    def add(self, definition: str, hidden: bool = False) -> int:
        """Install one definition (install_element, cmd_graph_merge); returns its index."""
        items = parse_definition(definition)
        index = len(self.commands)
        self.commands.append(definition)
        at = self.start
        for item in items:
            at = self._merge(at, item, hidden)
        end = _Node(Kind.END)
        end.command = index
        end.hidden = hidden
        at.next.append(end)  # FRR never merges two ends: two identical definitions are ambiguous
        return index

    def _merge(self, at: _Node, item: Item, hidden: bool) -> _Node:
        key = item.key()
        for child in at.next:
            if child.key == key:
                _unhide(child, hidden)
                return child.pair if child.kind == Kind.FORK and child.pair is not None else child
        start, end = _build(item, hidden)
        start.key = key
        at.next.append(start)
        return end

    def match(self, words: Sequence[str]) -> Match:
        """FRR's verdict on a line split into words (command_match)."""
        if not words or len(words) > MAX_WORDS:
            return Match(Status.NO_MATCH)
        negative = words[0] == "no"
        stack: list[_Node] = []
        status, best = _NO_RESULT
        for child in self.start.candidates(negative, words[0]):
            rstatus, result = _match(child, words, 0, stack, negative)
            status, best = _fold(status, best, rstatus, result, words, 0)
        if best is None:
            return Match(status)
        if status != Status.OK:
            return Match(status)
        keywords = tuple(node.text if node.kind == Kind.KEYWORD else None for node in best[0])
        return Match(status, best[1].command, keywords)

    def explain(self, words: Sequence[str]) -> Explanation:
        """Where matching `words` stops and what FRR would have accepted there (after command_complete).

        For a line FRR finds ambiguous, the word where the competing commands part and what they read there.
        """
        negative = bool(words) and words[0] == "no"
        frontier: list[tuple[_Node, tuple[_Node, ...]]] = [(hop, ()) for hop in self.start.nexthops(negative)]
        for index, word in enumerate(words):
            advanced: list[tuple[_Node, tuple[_Node, ...]]] = []
            for node, path in frontier:
                if _allowed(node, path) and _match_word(node, word) >= _min_level(node.kind):
                    advanced.extend((hop, (*path, node)) for hop in node.nexthops(negative))
                if len(advanced) > _FRONTIER_LIMIT:
                    break
            if not advanced:
                return Explanation(index, _describe(frontier))
            frontier = advanced
        complete = [path for node, path in frontier if node.kind == Kind.END]
        for index, word in enumerate(words):
            tied = {
                _shown(one[index])
                for one in complete
                for two in complete
                if _shown(one[index]) != _shown(two[index]) and _tie(one[index], two[index], word)
            }
            if tied:
                return Explanation(index, (), tuple(sorted(tied)))
        return Explanation(len(words), _describe(frontier))


# Lines through many `{...}` sets can branch a lot; an explanation needs no more than this.
_FRONTIER_LIMIT = 20000


_NO_RESULT: tuple[Status, _Result | None] = (Status.NO_MATCH, None)


def _allowed(node: _Node, stack: tuple[_Node, ...]) -> bool:
    return node.kind != Kind.END and (node.repeat or node not in stack)


def _describe(frontier: list[tuple[_Node, tuple[_Node, ...]]]) -> tuple[str, ...]:
    shown: dict[str, bool] = {}
    for node, stack in frontier:
        if node.kind != Kind.END and not _allowed(node, stack):
            continue
        text = _shown(node)
        shown[text] = shown.get(text, True) and node.hidden
    visible = [text for text, hidden in shown.items() if not hidden] or list(shown)
    return tuple(sorted(visible, key=lambda text: (not text.startswith("'"), text == "end of line", text)))


def _shown(node: _Node) -> str:
    if node.kind == Kind.END:
        return "end of line"
    return f"'{node.text}'" if node.kind == Kind.KEYWORD else node.text


def _unhide(node: _Node, hidden: bool) -> None:
    """A token shared with a visible command is visible (cmd_fork_bump_attr)."""
    if hidden or not node.hidden:
        return
    node.hidden = False
    if node.kind == Kind.FORK and node.pair is not None:
        seen: set[int] = set()
        pending = list(node.next)
        while pending:
            inner = pending.pop()
            if inner is node.pair or id(inner) in seen:
                continue
            seen.add(id(inner))
            inner.hidden = False
            pending.extend(inner.next)


def _build(item: Item, hidden: bool) -> tuple[_Node, _Node]:
    """A fresh subgraph for one item: (first node, node the next item hangs from)."""
    if isinstance(item, Token):
        node = _Node(item.kind, item.text, item.low, item.high, item.repeat)
        node.hidden = hidden
        if item.repeat:
            node.next.append(node)  # `X...`: the token follows itself
        return node, node
    fork, join = _Node(Kind.FORK), _Node(Kind.JOIN)
    fork.pair, join.pair = join, fork
    fork.hidden = join.hidden = hidden
    for sequence in item.alternatives:
        first, last = _build(sequence[0], hidden)
        fork.next.append(first)
        for following in sequence[1:]:
            start, end = _build(following, hidden)
            last.next.append(start)
            last = end
        last.next.append(join)
    if item.opening == "[":
        fork.next.append(join)
    elif item.opening == "![":
        negative = _Node(Kind.NEG_ONLY)
        negative.next.append(join)
        fork.next.append(negative)
    elif item.opening == "{":
        join.next.append(fork)
    return fork, join


def _match(
    node: _Node, words: Sequence[str], n: int, stack: list[_Node], negative: bool
) -> tuple[Status, _Result | None]:
    """command_match_r: match words[n:] starting at `node`; the best result and its status."""
    if not node.repeat and node in stack[:n]:
        return _NO_RESULT
    word = words[n]
    if _match_word(node, word) < _min_level(node.kind):
        return _NO_RESULT
    del stack[n:]
    stack.append(node)
    status, best = _NO_RESULT
    last = n + 1 == len(words)
    for hop in node.candidates(negative, "" if last else words[n + 1]):
        if last:
            if hop.kind == Kind.END:
                if best is not None:
                    status = Status.AMBIGUOUS
                    break
                status, best = Status.OK, ([], hop)
            continue
        rstatus, result = _match(hop, words, n + 1, stack, negative)
        status, best = _fold(status, best, rstatus, result, words, n + 1)
    if best is not None:
        return status, ([node, *best[0]], best[1])
    if last and status == Status.NO_MATCH:
        return Status.INCOMPLETE, None
    return status, None


def _fold(
    status: Status, best: _Result | None, rstatus: Status, result: _Result | None, words: Sequence[str], n: int
) -> tuple[Status, _Result | None]:
    """Combine the best match so far with one more child's (the loop body of command_match_r)."""
    if result is not None and best is not None:
        winner = _disambiguate(best, result, words, n)
        if winner is None:
            return Status.AMBIGUOUS, best
        if winner is best and status == Status.AMBIGUOUS:
            return Status.AMBIGUOUS, best
        if winner is result and rstatus == Status.AMBIGUOUS:
            return Status.AMBIGUOUS, result
        return Status.OK, winner
    if result is not None:
        return rstatus, result
    if best is None:
        return max(status, rstatus), None
    return status, best


def _tie(one: _Node, two: _Node, word: str) -> bool:
    """Whether FRR can tell two tokens apart by how they match `word` (disambiguate_tokens)."""
    if one.kind != two.kind:
        return _precedence(one.kind) == _precedence(two.kind)
    return _match_word(one, word) == _match_word(two, word)


def _disambiguate(first: _Result, second: _Result, words: Sequence[str], n: int) -> _Result | None:
    """The better of two complete matches of words[n:], or None when neither is (disambiguate)."""
    for offset, word in enumerate(words[n:]):
        one, two = first[0][offset], second[0][offset]
        if one.kind != two.kind:
            left, right = _precedence(one.kind), _precedence(two.kind)
            if left != right:
                return first if left < right else second
            return None
        left_level, right_level = _match_word(one, word), _match_word(two, word)
        if left_level != right_level:
            return first if left_level > right_level else second
    return None


# ------------------------------------------------------------------ one word against one token

_DATA_KINDS = (Kind.IPV4, Kind.IPV4_PREFIX, Kind.IPV6, Kind.IPV6_PREFIX, Kind.MAC, Kind.MAC_PREFIX)


class Shapes:
    """Words reduced to what FRR's matcher can tell apart, so that lines can share one verdict.

    A word that is no prefix of any keyword matches keywords nowhere and variables everywhere; the rest of
    its behaviour is how it matches each address kind and which range bounds it falls between. Two such
    words get the same shape; keyword prefixes (and so `no`) stay themselves.
    """

    def __init__(self, keywords: set[str], bounds: set[int]) -> None:
        self.prefixes = {keyword[:end] for keyword in keywords for end in range(1, len(keyword) + 1)}
        self.bounds = sorted(bounds)
        self.known: dict[str, object] = {}

    def of(self, word: str) -> object:
        """The word's shape: itself for a keyword prefix, else its range bucket and address matches."""
        found = self.known.get(word)
        if found is not None:
            return found
        if word in self.prefixes:
            shape: object = word
        else:
            value = _strtoll(word)
            bucket = None if value is None else bisect.bisect_right(self.bounds, value)
            if _ADDRESS_CHARS.issuperset(word):
                shape = (bucket, *(_match_word(_PROBES[kind], word) for kind in _DATA_KINDS))
            else:
                shape = (bucket, _NO_ADDRESS)
        if len(self.known) >= 100_000:
            self.known.clear()
        self.known[word] = shape
        return shape


_PROBES = {kind: _Node(kind) for kind in _DATA_KINDS}
# Characters any address kind can match (a MAC prefix's length goes through strtoul: signs too); a word
# with another character matches none of them.
_ADDRESS_CHARS = frozenset("0123456789abcdefABCDEF:./+-")
_NO_ADDRESS = "no address"


def graph_words(graph: Graph) -> tuple[set[str], set[int]]:
    """The keywords of a graph and the bounds of its ranges (low, high + 1), for Shapes."""
    keywords: set[str] = set()
    bounds: set[int] = set()
    seen: set[int] = set()
    pending = [graph.start]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == Kind.KEYWORD:
            keywords.add(node.text)
        elif node.kind == Kind.RANGE:
            bounds.update((node.low, node.high + 1))
        pending.extend(node.next)
    return keywords, bounds


def _match_word(node: _Node, word: str) -> _Level:
    """match_token: how well a word of input matches a token."""
    kind = node.kind
    if kind == Kind.KEYWORD:
        text = node.text
        if len(word) < len(text):
            return _Level.PARTLY if text.startswith(word) else _Level.NONE
        return _Level.EXACT if word == text else _Level.NONE
    if kind == Kind.VARIABLE:
        return _Level.EXACT
    if kind == Kind.RANGE:
        value = _strtoll(word)
        return _Level.EXACT if value is not None and node.low <= value <= node.high else _Level.NONE
    if kind == Kind.IPV4:
        return _ipv4(word)
    if kind == Kind.IPV4_PREFIX:
        return _ipv4_prefix(word)
    if kind in (Kind.IPV6, Kind.IPV6_PREFIX):
        return _ipv6(word, kind == Kind.IPV6_PREFIX)
    if kind in (Kind.MAC, Kind.MAC_PREFIX):
        return _mac(word, kind == Kind.MAC_PREFIX)
    return _Level.NONE  # START, END and the plumbing match no word


_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_LLONG = 2**63


def _strtoll(word: str) -> int | None:
    """C's strtoll(word, &end, 10) when it consumes the whole word, saturating as C does; else None."""
    if not _INTEGER.fullmatch(word):
        return None
    return max(-_LLONG, min(_LLONG - 1, int(word)))


def _atoi(digits: str) -> int:
    """glibc's atoi on a string of digits: strtol, saturated to 64 bits, then cut to a 32-bit int."""
    if not digits:
        return 0
    value = min(_LLONG - 1, int(digits)) & 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def _octet_ok(digits: str) -> bool:
    if len(digits) > 3:
        return False
    value = _atoi(digits)
    return value <= 255 and not (value > 0 and digits[:1] == "0")


def _digit(char: str) -> bool:
    return "0" <= char <= "9"


def _ipv4(word: str) -> _Level:
    """match_ipv4: up to four dot-separated octets of at most three digits; an empty octet reads as 0."""
    at, dots, numbers, size = 0, 0, 0, len(word)
    while True:
        begin = at
        while at < size:
            if word[at] == ".":
                after = word[at + 1 : at + 2]
                if dots >= 3 or after == ".":
                    return _Level.NONE
                if after == "":
                    return _Level.PARTLY
                dots += 1
                break
            if not _digit(word[at]):
                return _Level.NONE
            at += 1
        if not _octet_ok(word[begin:at]):
            return _Level.NONE
        numbers += 1
        if at >= size:
            break
        at += 1
    return _Level.EXACT if numbers >= 4 else _Level.PARTLY


def _ipv4_prefix(word: str) -> _Level:
    """match_ipv4_prefix: octets as match_ipv4 reads them (a `/` before the fourth reads like a dot), `/`,
    then a length of digits that atoi reads as at most 32."""
    at, dots, size = 0, 0, len(word)
    while True:
        begin = at
        while at < size and word[at] != "/":
            if word[at] == ".":
                after = word[at + 1 : at + 2]
                if dots == 3 or after in (".", "/"):
                    return _Level.NONE
                if after == "":
                    return _Level.PARTLY
                dots += 1
                break
            if not _digit(word[at]):
                return _Level.NONE
            at += 1
        if not _octet_ok(word[begin:at]):
            return _Level.NONE
        char = word[at : at + 1]
        if dots == 3:
            if char == "/":
                if at + 1 >= size:
                    return _Level.PARTLY
                at += 1
                break
            if char == "":
                return _Level.PARTLY
        if char == "":
            return _Level.PARTLY
        at += 1
    length = word[at:]
    if not all(_digit(char) for char in length):
        return _Level.NONE
    return _Level.NONE if _atoi(length) > 32 else _Level.EXACT


_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")


def _ipv6(word: str, prefix: bool) -> _Level:
    """match_ipv6_prefix: FRR's state machine over the characters, then inet_pton (address) or the length."""
    allowed = _IPV6_CHARS | {"/"} if prefix else _IPV6_CHARS
    if any(char not in allowed for char in word):
        return _Level.NONE
    start, colon, double, address, dot, slash, mask = range(1, 8)
    state = start
    colons = numbers = doubles = 0
    begin = 0
    at = 0
    size = len(word)

    def following(index: int) -> str:
        return word[index + 1] if index + 1 < size else ""

    while at < size and state != mask:
        char, after = word[at], following(at)
        if state == start:
            if char == ":":
                if after not in (":", ""):
                    return _Level.NONE
                colons -= 1
                state = colon
            else:
                begin = at
                state = address
            continue
        if state == colon:
            colons += 1
            if after == "/":
                return _Level.NONE
            if after == ":":
                state = double
            else:
                begin = at + 1
                state = address
        elif state == double:
            if doubles or after == ":":
                return _Level.NONE
            if after not in ("", "/"):
                colons += 1
            begin = at + 1
            state = slash if after == "/" else address
            doubles += 1
            numbers += 1
        elif state == address:
            if after in (":", ".", "", "/"):
                if at - begin > 3 or "/" in word[begin : at + 1]:
                    return _Level.NONE
                begin = at + 1  # FRR's loop over the group leaves its start on the separator
                numbers += 1
                if after == ":":
                    state = colon
                elif after == ".":
                    if not (colons or doubles):
                        return _Level.NONE
                    state = dot
                elif after == "/":
                    state = slash
        elif state == dot:
            state = address
        elif state == slash:
            if after == "":
                return _Level.PARTLY
            state = mask
        if numbers > 11 or colons > 7:
            return _Level.NONE
        at += 1
    if not prefix:
        try:
            socket.inet_pton(socket.AF_INET6, word)
        except OSError:
            return _Level.PARTLY
        return _Level.EXACT
    if state < mask:
        return _Level.PARTLY
    length = word[at:]
    if not (length.isascii() and length.isdigit()):
        return _Level.NONE
    return _Level.EXACT if int(length) <= 128 else _Level.NONE


_MAC_CHARS = frozenset("ABCDEFabcdef0123456789:")


def _mac(word: str, prefix: bool) -> _Level:
    """match_mac: six two-digit hex numbers joined by colons, then `/` and at most 48 for a prefix."""
    if len(word) > 17 + (3 if prefix else 0):
        return _Level.NONE
    index = 0
    while index < 17:
        if index >= len(word) or word[index] not in _MAC_CHARS:
            break
        if ((index + 1) % 3 == 0) != (word[index] == ":"):
            return _Level.NONE
        index += 1
    if index < 17:
        return _Level.PARTLY if index == len(word) else _Level.NONE
    rest = word[17:]
    if not prefix:
        return _Level.EXACT
    if rest == "":
        return _Level.PARTLY
    if not rest.startswith("/"):
        return _Level.NONE
    if rest == "/":
        return _Level.PARTLY
    value = _strtoll(rest[1:])
    if value is None:
        return _Level.NONE
    return _Level.NONE if (value % 2**64) > 48 else _Level.EXACT
