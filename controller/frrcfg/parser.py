"""FRR configuration text to the model, with the grammar frr.lark beside this module and one LALR pass.

The transformer runs inside the parser (no parse tree is built): each rule becomes a model object
as soon as it is reduced.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from controller.frrcfg import model as m
from controller.frrcfg.errors import FrrSyntaxError
from controller.frrcfg.grammar_cache import cache_directory, compiled
from controller.frrcfg.lines import first_unprintable, lines
from controller.frrcfg.redact import REDACTED, in_secret

# Package data: an installed wheel carries it (pyproject.toml, tool.setuptools.package-data).
GRAMMAR = Path(__file__).resolve().parent / "frr.lark"

_AFIS = ("ipv4", "ipv6", "l2vpn")
_SAFIS = ("unicast", "multicast", "vpn", "labeled-unicast", "flowspec", "evpn")

# What a terminal means, for error messages.
_TERMINAL_NAMES = {
    "_NL": "end of line",
    "INT": "a number",
    "ADDRESS": "an address",
    "PREFIX": "a prefix such as 10.0.0.0/8",
    "NAME": "a name",
    "WORD": "a word",
    "REST": "text",
    "COMMAND": "a command",
    "ASN": "an AS number",
}

# A keyword terminal: `/[ \t]+(?:permit|deny)(?!\S)/` reads as 'permit' or 'deny'.
_KEYWORDS = re.compile(r"\[ (?:\t|\\t)\]\+(?:\(\?:)?([a-z|-]+)\)?\(\?!\\S\)", re.ASCII)


class _Builder(Transformer[Token, m.Config]):
    """Rule callbacks: parser children in, model objects out.

    A line arrives either as one FAST_* token or as a head token and its argument tokens; both
    read the same as a list of words, so each typed line has one builder below.
    """

    def start(self, children: list[Any]) -> m.Config:
        return m.Config(tuple(children))

    # -------------------------------------------------------- generic lines and contexts

    def command(self, children: list[Token]) -> m.Statement:
        (token,) = children
        return m.typed_line(" ".join(token.split()), line=_line(token))

    global_vrf = command
    bgp_session_command = command

    def block(self, children: list[Any]) -> m.Context:
        words, items, line = _header(children)
        return m.Context(items, head=" ".join(words), line=line)

    bgp_block = block
    sr_srv6 = block
    sr_locators = block
    sr_locator = block
    sr_traffic_eng = block
    sr_te_block = block
    sr_candidate_path = block
    sr_pcep = block
    sr_pcep_block = block
    segment_routing = block
    mpls_ldp = block
    l2vpn = block
    l2vpn_member = block
    ldp_address_family = block

    def ldp_interface(self, children: list[Any]) -> m.Context:
        words, items, line = _header(children)
        return m.Context(items, head=f"interface {words[1]}", line=line)

    def link_params(self, children: list[Any]) -> m.LinkParams:
        _, items, line = _header(children)
        return m.LinkParams(items, line=line)

    def interface(self, children: list[Any]) -> m.Interface:
        words, items, line = _header(children)
        vrf = words[3] if len(words) > 3 else None
        return m.Interface(items, name=words[1], vrf=vrf, line=line)

    def vrf(self, children: list[Any]) -> m.Vrf:
        words, items, line = _header(children)
        return m.Vrf(items, name=words[1], line=line)

    def key_chain(self, children: list[Any]) -> m.KeyChain:
        words, items, line = _header(children)
        return m.KeyChain(items, name=words[2], line=line)

    def key(self, children: list[Any]) -> m.Key:
        words, items, line = _header(children)
        return m.Key(items, number=_number(words, 1, 0, 2147483647, line), line=line)

    def key_string(self, children: list[Token]) -> m.KeyString:
        words, line = _words(children)
        return m.KeyString(secret=" ".join(words[1:]), line=line)

    # -------------------------------------------------------- router bgp

    def router_bgp(self, children: list[Any]) -> m.RouterBgp:
        words, items, line = _header(children)
        asn = _asn(words, 2, line) if len(words) > 2 else None
        vrf = words[4] if len(words) > 4 and words[3] == "vrf" else None
        view = words[4] if len(words) > 4 and words[3] == "view" else None
        return m.RouterBgp(items, asn=asn, vrf=vrf, view=view, line=line)

    def address_family(self, children: list[Any]) -> m.AddressFamily:
        words, items, line = _header(children)
        afi = _complete(words, 1, _AFIS, line)
        safi = _complete(words, 2, _SAFIS, line) if len(words) > 2 else ("evpn" if afi == "l2vpn" else "unicast")
        return m.AddressFamily(items, afi=afi, safi=safi, line=line)

    def af_vni(self, children: list[Any]) -> m.EvpnVni:
        words, items, line = _header(children)
        return m.EvpnVni(items, vni=_number(words, 1, 1, 16777215, line), line=line)

    def bgp_router_id(self, children: list[Token]) -> m.BgpRouterId:
        words, line = _words(children)
        return m.BgpRouterId(router_id=words[2], line=line)

    def bgp_listen_range(self, children: list[Token]) -> m.ListenRange:
        words, line = _words(children)
        return m.ListenRange(prefix=words[3], peer_group=words[5], line=line)

    def maximum_paths(self, children: list[Token]) -> m.MaximumPaths:
        words, line = _words(children)
        ibgp = words[1] == "ibgp"
        paths = _number(words, 2 if ibgp else 1, 1, 128, line)
        return m.MaximumPaths(
            paths=paths, ibgp=ibgp, equal_cluster_length=words[-1] == "equal-cluster-length", line=line
        )

    def network(self, children: list[Token]) -> m.Network:
        words, line = _words(children)
        return m.Network(prefix=words[1], options=" ".join(words[2:]), line=line)

    # -------------------------------------------------------- neighbors

    def neighbor_remote_as(self, children: list[Token]) -> m.NeighborRemoteAs:
        words, line = _words(children)
        remote_as = words[3] if words[3] in ("internal", "external") else _asn(words, 3, line)
        return m.NeighborRemoteAs(peer=words[1], remote_as=remote_as, line=line)

    def neighbor_description(self, children: list[Token]) -> m.NeighborDescription:
        words, line = _words(children)
        return m.NeighborDescription(peer=words[1], description=" ".join(words[3:]), line=line)

    def neighbor_timers(self, children: list[Token]) -> m.NeighborTimers:
        words, line = _words(children)
        keepalive = _number(words, 3, 0, 65535, line)
        hold = _number(words, 4, 0, 65535, line)
        return m.NeighborTimers(peer=words[1], keepalive=keepalive, hold=hold, line=line)

    def neighbor_timers_connect(self, children: list[Token]) -> m.NeighborConnectTimer:
        words, line = _words(children)
        return m.NeighborConnectTimer(peer=words[1], seconds=_number(words, 4, 1, 65535, line), line=line)

    def neighbor_password(self, children: list[Token]) -> m.NeighborPassword:
        words, line = _words(children)
        return m.NeighborPassword(peer=words[1], password=words[3], line=line)

    def neighbor_bfd_profile(self, children: list[Token]) -> m.NeighborBfdProfile:
        words, line = _words(children)
        return m.NeighborBfdProfile(peer=words[1], profile=words[4], line=line)

    def neighbor_ebgp_multihop(self, children: list[Token]) -> m.NeighborEbgpMultihop:
        words, line = _words(children)
        hops = _number(words, 3, 1, 255, line) if len(words) > 3 else None
        return m.NeighborEbgpMultihop(peer=words[1], hops=hops, line=line)

    def neighbor_port(self, children: list[Token]) -> m.NeighborPort:
        words, line = _words(children)
        return m.NeighborPort(peer=words[1], port=_number(words, 3, 0, 65535, line), line=line)

    def neighbor_update_source(self, children: list[Token]) -> m.NeighborUpdateSource:
        words, line = _words(children)
        return m.NeighborUpdateSource(peer=words[1], source=words[3], line=line)

    def neighbor_graceful_restart(self, children: list[Token]) -> m.NeighborGracefulRestart:
        words, line = _words(children)
        return m.NeighborGracefulRestart(peer=words[1], line=line)

    def neighbor_local_as(self, children: list[Token]) -> m.NeighborLocalAs:
        words, line = _words(children)
        return m.NeighborLocalAs(
            peer=words[1],
            local_as=_asn(words, 3, line),
            no_prepend="no-prepend" in words,
            replace_as="replace-as" in words,
            line=line,
        )

    def neighbor_peer_group(self, children: list[Token]) -> m.NeighborPeerGroup:
        words, line = _words(children)
        return m.NeighborPeerGroup(peer=words[1], group=words[3] if len(words) > 3 else None, line=line)

    def neighbor_activate(self, children: list[Token]) -> m.NeighborActivate:
        words, line = _words(children)
        return m.NeighborActivate(peer=words[1], line=line)

    def neighbor_route_map(self, children: list[Token]) -> m.NeighborRouteMap:
        words, line = _words(children)
        return m.NeighborRouteMap(peer=words[1], route_map=words[3], direction=words[4], line=line)

    def neighbor_prefix_list(self, children: list[Token]) -> m.NeighborPrefixList:
        words, line = _words(children)
        return m.NeighborPrefixList(peer=words[1], prefix_list=words[3], direction=words[4], line=line)

    def neighbor_maximum_prefix(self, children: list[Token]) -> m.NeighborMaximumPrefix:
        words, line = _words(children)
        limit = _number(words, 3, 1, 4294967295, line)
        return m.NeighborMaximumPrefix(peer=words[1], limit=limit, options=" ".join(words[4:]), line=line)

    # -------------------------------------------------------- prefix-lists and route-maps

    def prefix_list(self, children: list[Token]) -> m.PrefixListEntry:
        words, line = _words(children)
        family = words[0]
        at = 3
        seq = None
        if words[at] == "seq":
            seq = _number(words, at + 1, 1, 4294967295, line)
            at += 2
        action, prefix = words[at], words[at + 1]
        bounds: dict[str, int] = {}
        max_length = 32 if family == "ip" else 128
        for index in range(at + 2, len(words), 2):
            if words[index] in bounds:
                raise _WordError(line, index, f"{words[index]} given twice", ())
            bounds[words[index]] = _number(words, index + 1, 0, max_length, line)
        return m.PrefixListEntry(
            family=family,
            name=words[2],
            seq=seq,
            action=action,
            prefix=prefix,
            ge=bounds.get("ge"),
            le=bounds.get("le"),
            line=line,
        )

    def prefix_list_description(self, children: list[Token]) -> m.PrefixListDescription:
        words, line = _words(children)
        return m.PrefixListDescription(family=words[0], name=words[2], description=" ".join(words[4:]), line=line)

    def route_map(self, children: list[Any]) -> m.RouteMapEntry:
        words, items, line = _header(children)
        seq = _number(words, 3, 1, 65535, line)
        return m.RouteMapEntry(items, name=words[1], action=words[2], seq=seq, line=line)

    def match_prefix_list(self, children: list[Token]) -> m.MatchPrefixList:
        words, line = _words(children)
        return m.MatchPrefixList(family=words[1], prefix_list=words[4], line=line)

    def set_local_preference(self, children: list[Token]) -> m.SetLocalPreference:
        words, line = _words(children)
        return m.SetLocalPreference(value=_number(words, 2, 0, 4294967295, line), line=line)

    def set_community(self, children: list[Token]) -> m.SetCommunity:
        words, line = _words(children)
        values, additive = _additive(words[2:])
        return m.SetCommunity(communities=values, additive=additive, line=line)

    def set_large_community(self, children: list[Token]) -> m.SetLargeCommunity:
        words, line = _words(children)
        values, additive = _additive(words[2:])
        return m.SetLargeCommunity(communities=values, additive=additive, line=line)

    def on_match(self, children: list[Token]) -> m.OnMatch:
        words, line = _words(children)
        goto = _number(words, 2, 1, 65535, line) if len(words) > 2 else None
        return m.OnMatch(goto=goto, line=line)

    # -------------------------------------------------------- bfd

    def bfd(self, children: list[Any]) -> m.Bfd:
        _, items, line = _header(children)
        return m.Bfd(items, line=line)

    def bfd_profile(self, children: list[Any]) -> m.BfdProfile:
        words, items, line = _header(children)
        return m.BfdProfile(items, name=words[1], line=line)

    def bfd_peer(self, children: list[Any]) -> m.BfdPeer:
        words, items, line = _header(children)
        return m.BfdPeer(items, spec=" ".join(words[1:]), line=line)

    def bfd_peer_profile(self, children: list[Token]) -> m.BfdPeerProfile:
        words, line = _words(children)
        return m.BfdPeerProfile(profile=words[1], line=line)

    def bfd_setting(self, children: list[Token]) -> m.BfdSetting:
        words, line = _words(children)
        value = _number(words, len(words) - 1, 1, 4294967295, line)
        return m.BfdSetting(setting=" ".join(words[:-1]), value=value, line=line)


# `global` is a Python keyword; Lark looks the callback up by rule name.
setattr(_Builder, "global", _Builder.command)


def _line(token: Token) -> int:
    # The parser prepends a newline so that the first line starts like every other.
    return (token.line or 1) - 1


def _words(tokens: list[Token]) -> tuple[list[str], int]:
    """The words of a line given as one token or as several, and its line number."""
    return " ".join(tokens).split(), _line(tokens[0])


def _header(children: list[Any]) -> tuple[list[str], tuple[m.Item, ...], int]:
    """A context's header words, the items inside it, and the header's line number."""
    count = 1
    while count < len(children) and isinstance(children[count], Token):
        count += 1
    words, line = _words(children[:count])
    return words, tuple(children[count:]), line


class _WordError(Exception):
    """A word the grammar let through but FRR refuses (a number out of range, ...)."""

    def __init__(self, line: int, index: int, message: str, expected: tuple[str, ...]) -> None:
        super().__init__(message)
        self.line = line
        self.index = index
        self.message = message
        self.expected = expected


def _number(words: list[str], index: int, low: int, high: int, line: int) -> int:
    word = words[index]
    # Python refuses to convert very long digit strings; no FRR number has more than 10 digits.
    if len(word) > 10 or not low <= int(word) <= high:
        raise _WordError(line, index, f"{word} is out of range", (f"{low}-{high}",))
    return int(word)


def _asn(words: list[str], index: int, line: int) -> str:
    high, _, low = words[index].rpartition(".")
    for part, smallest, largest in ((high, 0, 65535), (low, 0, 65535)) if high else ((low, 1, 4294967295),):
        if len(part) > 10 or not smallest <= int(part) <= largest:
            raise _WordError(line, index, f"{words[index]} is not an AS number", (f"{smallest}-{largest}",))
    return words[index]


def _complete(words: list[str], index: int, choices: tuple[str, ...], line: int) -> str:
    """FRR accepts any unambiguous abbreviation of a keyword."""
    matches = [choice for choice in choices if choice.startswith(words[index])]
    if len(matches) != 1:
        raise _WordError(line, index, f"unknown keyword {words[index]!r}", tuple(repr(c) for c in choices))
    return matches[0]


def _additive(words: list[str]) -> tuple[tuple[str, ...], bool]:
    if len(words) > 1 and words[-1] == "additive":
        return tuple(words[:-1]), True
    return tuple(words), False


_OPTIONS = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": False}


def make_lark(grammar: str, cache: Path | None = None) -> Lark:
    """A Lark LALR parser for `grammar` (frr.lark or a variant) that builds the model.

    With a cache directory, its tables come from there when they were compiled before (grammar_cache.py).
    """
    return compiled(grammar, _OPTIONS, _Builder(), cache)


@functools.cache
def _parser() -> Lark:
    return make_lark(GRAMMAR.read_text(), cache_directory(os.environ))


def _describe(terminals: set[str] | frozenset[str], lark: Lark) -> tuple[str, ...]:
    if "COMMAND" in terminals:
        return ("a command",)
    by_name = {t.name: t for t in lark.terminals}
    names: set[str] = set()
    for name in terminals:
        if name in _TERMINAL_NAMES:
            names.add(_TERMINAL_NAMES[name])
        elif name in by_name and (keywords := _KEYWORDS.fullmatch(by_name[name].pattern.value)):
            names.add(" or ".join(repr(word) for word in keywords.group(1).split("|")))
        else:
            names.add(name.strip("_").lower().replace("_", " "))
    return tuple(sorted(names))


# Parsed texts, most recent last: an apply parses the running config, the last applied one and the new one,
# and the next apply meets the first two again (the read-back, the applied). Configs are immutable.
_CACHE: dict[str, m.Config] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_ENTRIES = 8
_CACHE_LARGEST = 4 * 1024 * 1024  # characters; a larger text is parsed each time


def parse(text: str, source: str = "<config>") -> m.Config:
    """Parse FRR configuration text; raise FrrSyntaxError where FRR would refuse it.

    The same text gives the same (immutable) Config; the last few are kept, errors never are.
    """
    with _CACHE_LOCK:
        cached = _CACHE.pop(text, None)
        if cached is not None:
            _CACHE[text] = cached
            return cached
    config = _parse(text, source)
    if len(text) <= _CACHE_LARGEST:
        with _CACHE_LOCK:
            _CACHE[text] = config
            while len(_CACHE) > _CACHE_ENTRIES:
                del _CACHE[next(iter(_CACHE))]
    return config


def _parse(text: str, source: str) -> m.Config:
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    unprintable = first_unprintable(text)
    if unprintable is not None:
        number, column, char = unprintable
        offending = lines(text)[number - 1]
        raise FrrSyntaxError(
            f"character U+{ord(char):04X} is not allowed: FRR reads one command per line of printable characters",
            source=source,
            line=number,
            column=column,
            text=offending,
            expected=(),
        )
    body = "\n" + text if text.endswith("\n") else "\n" + text + "\n"
    lark = _parser()
    try:
        config = lark.parse(body)
    except _WordError as error:
        raise _word_error(text, source, error) from None
    except UnexpectedInput as error:
        raise _from_lark(error, text, source, lark) from None
    # Lark's signature says Tree; with a transformer inside the parser it returns what `start` built.
    assert isinstance(config, m.Config)
    return config


def _word_error(text: str, source: str, error: _WordError) -> FrrSyntaxError:
    line = lines(text)[error.line - 1]
    words = list(re.finditer(r"\S+", line))
    column = words[error.index].start() + 1 if error.index < len(words) else len(line) + 1
    # _syntax_error counts lines of the parsed body, which starts with one extra newline.
    return _syntax_error(text, source, error.line + 1, column, error.message, error.expected)


def _from_lark(error: UnexpectedInput, text: str, source: str, lark: Lark) -> FrrSyntaxError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return _syntax_error(text, source, None, 0, "unexpected end of configuration", ())
        # The token may be a whole-line terminal; its first word is what the reader needs.
        got = "end of line" if token.type == "_NL" else repr(token.strip().split()[0])
        expected = _describe(error.accepts or error.expected, lark)
        return _syntax_error(text, source, error.line, error.column, f"unexpected {got}", expected)
    if isinstance(error, UnexpectedCharacters):
        expected = _describe(error.allowed or set(), lark)
        return _syntax_error(text, source, error.line, error.column, "", expected)
    if isinstance(error, UnexpectedEOF):
        return _syntax_error(text, source, None, 0, "unexpected end of configuration", ())
    # Lark's own text quotes the line, secrets and all: the word at the column says enough.
    return _syntax_error(text, source, error.line, error.column, "", ())


def _without_secrets(message: str, line: str, start: int) -> str:
    """`message` about the word of `line` at `start` (0-based), with that word shown as REDACTED when it is a
    secret there (redact.py): syntax errors reach stderr, RouterState, Events and kubectl (`password correct
    horse` quotes 'horse'). Only the word itself is replaced, quoted (`unexpected 'horse'`) or leading the
    message (`horse is out of range`), never text that merely contains it (`unexpected` holds `pect`)."""
    words = line[start:].split()
    if not words or not in_secret(line, start, start + len(words[0])):
        return message
    word = words[0]
    if repr(word) in message:
        return message.replace(repr(word), REDACTED, 1)
    if message.startswith(f"{word} "):
        return REDACTED + message[len(word) :]
    return f"unexpected {REDACTED}"  # a message naming the word some other way says no more


def _syntax_error(
    text: str,
    source: str,
    body_line: int | None,
    column: int | None,
    message: str,
    expected: tuple[str, ...],
) -> FrrSyntaxError:
    every_line = lines(text)
    line = len(every_line) if body_line is None or body_line < 0 else max(body_line - 1, 1)
    line = min(line, len(every_line))
    text_of_line = every_line[line - 1]
    # Words carry the blanks before them; point at the word itself.
    start = max(column or 1, 1) - 1
    while start < len(text_of_line) and text_of_line[start] in " \t":
        start += 1
    if not message:
        word = text_of_line[start:].split()
        message = f"unexpected {word[0]!r}" if word else "unexpected end of line"
    return FrrSyntaxError(
        _without_secrets(message, text_of_line, start),
        source=source,
        line=line,
        column=start + 1,
        text=text_of_line,
        expected=expected,
    )
