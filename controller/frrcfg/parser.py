"""FRR configuration text to the model, with grammar/frr.lark and one LALR pass.

The transformer runs inside the parser (no parse tree is built): each rule becomes a model object
as soon as it is reduced.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from controller.frrcfg import model as m
from controller.frrcfg.errors import FrrSyntaxError

GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / "frr.lark"

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
    "DIRECTION": "'in' or 'out'",
    "ACTION": "'permit' or 'deny'",
    "VRF_OR_VIEW": "'vrf' or 'view'",
    "ASN": "an AS number",
}


class _Builder(Transformer[Token, m.Config]):
    """Rule callbacks: parser children in, model objects out."""

    def start(self, children: list[Any]) -> m.Config:
        return m.Config(tuple(children))

    # -------------------------------------------------------- generic lines and contexts

    def command(self, children: list[Token]) -> m.Command:
        (token,) = children
        return m.Command(" ".join(token.split()), line=_line(token))

    global_ = command
    static_route = command
    bgp_session_command = command

    def block(self, children: list[Any]) -> m.Context:
        head = children[0]
        return m.Context(tuple(children[1:]), head=" ".join(head.split()), line=_line(head))

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

    def ldp_address_family(self, children: list[Any]) -> m.Context:
        head, afi = children[0], children[1]
        return m.Context(tuple(children[2:]), head=f"address-family {afi}", line=_line(head))

    def ldp_interface(self, children: list[Any]) -> m.Context:
        head, name = children[0], children[1]
        return m.Context(tuple(children[2:]), head=f"interface {name}", line=_line(head))

    def link_params(self, children: list[Any]) -> m.LinkParams:
        return m.LinkParams(tuple(children[1:]), line=_line(children[0]))

    def interface(self, children: list[Any]) -> m.Interface:
        head, name = children[0], children[1]
        if len(children) > 3 and isinstance(children[2], Token) and children[2].type == "VRF":
            return m.Interface(tuple(children[4:]), name=str(name), vrf=str(children[3]), line=_line(head))
        return m.Interface(tuple(children[2:]), name=str(name), line=_line(head))

    def vrf(self, children: list[Any]) -> m.Vrf:
        return m.Vrf(tuple(children[2:]), name=str(children[1]), line=_line(children[0]))

    def key_chain(self, children: list[Any]) -> m.KeyChain:
        return m.KeyChain(tuple(children[2:]), name=str(children[1]), line=_line(children[0]))

    def key(self, children: list[Any]) -> m.Key:
        return m.Key(tuple(children[2:]), number=int(children[1]), line=_line(children[0]))

    def key_string(self, children: list[Token]) -> m.KeyString:
        return m.KeyString(secret=children[1].rstrip(), line=_line(children[0]))

    # -------------------------------------------------------- router bgp

    def router_bgp(self, children: list[Any]) -> m.RouterBgp:
        head = children[0]
        asn: str | None = None
        vrf: str | None = None
        view: str | None = None
        rest = 1
        if len(children) > 1 and isinstance(children[1], Token) and children[1].type == "ASN":
            asn = _asn(children[1])
            rest = 2
            if len(children) > 2 and isinstance(children[2], Token) and children[2].type == "VRF_OR_VIEW":
                if children[2] == "vrf":
                    vrf = str(children[3])
                else:
                    view = str(children[3])
                rest = 4
        return m.RouterBgp(tuple(children[rest:]), asn=asn, vrf=vrf, view=view, line=_line(head))

    def address_family(self, children: list[Any]) -> m.AddressFamily:
        head, afi_word = children[0], children[1]
        afi = _complete(afi_word, _AFIS)
        rest = 2
        safi = "evpn" if afi == "l2vpn" else "unicast"
        if len(children) > 2 and isinstance(children[2], Token) and children[2].type == "WORD":
            safi = _complete(children[2], _SAFIS)
            rest = 3
        return m.AddressFamily(tuple(children[rest:]), afi=afi, safi=safi, line=_line(head))

    def af_vni(self, children: list[Any]) -> m.EvpnVni:
        head = children[0]
        return m.EvpnVni(tuple(children[1:]), vni=int(head.split()[1]), line=_line(head))

    def bgp_router_id(self, children: list[Token]) -> m.BgpRouterId:
        return m.BgpRouterId(router_id=str(children[1]), line=_line(children[0]))

    def bgp_listen_range(self, children: list[Token]) -> m.ListenRange:
        return m.ListenRange(prefix=str(children[1]), peer_group=str(children[2]), line=_line(children[0]))

    def maximum_paths(self, children: list[Token]) -> m.MaximumPaths:
        types = [c.type for c in children]
        paths = next(c for c in children if c.type == "INT")
        return m.MaximumPaths(
            paths=_number(paths, 1, 128),
            ibgp="IBGP" in types,
            equal_cluster_length="EQUAL_CLUSTER_LENGTH" in types,
            line=_line(children[0]),
        )

    def network(self, children: list[Token]) -> m.Network:
        options = children[2].rstrip() if len(children) > 2 else ""
        return m.Network(prefix=str(children[1]), options=options, line=_line(children[0]))

    # -------------------------------------------------------- neighbors

    def neighbor_remote_as(self, children: list[Token]) -> m.NeighborRemoteAs:
        head, value = children
        if value.type == "ASN":
            _asn(value)
        return m.NeighborRemoteAs(peer=_peer(head), remote_as=str(value), line=_line(head))

    def neighbor_description(self, children: list[Token]) -> m.NeighborDescription:
        head, text = children
        return m.NeighborDescription(peer=_peer(head), description=" ".join(text.split()), line=_line(head))

    def neighbor_timers(self, children: list[Token]) -> m.NeighborTimers:
        head, keepalive, hold = children
        return m.NeighborTimers(
            peer=_peer(head),
            keepalive=_number(keepalive, 0, 65535),
            hold=_number(hold, 0, 65535),
            line=_line(head),
        )

    def neighbor_timers_connect(self, children: list[Token]) -> m.NeighborConnectTimer:
        head, seconds = children
        return m.NeighborConnectTimer(peer=_peer(head), seconds=_number(seconds, 1, 65535), line=_line(head))

    def neighbor_password(self, children: list[Token]) -> m.NeighborPassword:
        head, password = children
        return m.NeighborPassword(peer=_peer(head), password=str(password), line=_line(head))

    def neighbor_bfd_profile(self, children: list[Token]) -> m.NeighborBfdProfile:
        head, profile = children
        return m.NeighborBfdProfile(peer=_peer(head), profile=str(profile), line=_line(head))

    def neighbor_ebgp_multihop(self, children: list[Token]) -> m.NeighborEbgpMultihop:
        hops = _number(children[1], 1, 255) if len(children) > 1 else None
        return m.NeighborEbgpMultihop(peer=_peer(children[0]), hops=hops, line=_line(children[0]))

    def neighbor_port(self, children: list[Token]) -> m.NeighborPort:
        head, port = children
        return m.NeighborPort(peer=_peer(head), port=_number(port, 0, 65535), line=_line(head))

    def neighbor_update_source(self, children: list[Token]) -> m.NeighborUpdateSource:
        head, source = children
        return m.NeighborUpdateSource(peer=_peer(head), source=str(source), line=_line(head))

    def neighbor_graceful_restart(self, children: list[Token]) -> m.NeighborGracefulRestart:
        return m.NeighborGracefulRestart(peer=_peer(children[0]), line=_line(children[0]))

    def neighbor_local_as(self, children: list[Token]) -> m.NeighborLocalAs:
        types = [c.type for c in children]
        return m.NeighborLocalAs(
            peer=_peer(children[0]),
            local_as=_asn(children[1]),
            no_prepend="NO_PREPEND" in types,
            replace_as="REPLACE_AS" in types,
            line=_line(children[0]),
        )

    def neighbor_peer_group(self, children: list[Token]) -> m.NeighborPeerGroup:
        group = str(children[1]) if len(children) > 1 else None
        return m.NeighborPeerGroup(peer=_peer(children[0]), group=group, line=_line(children[0]))

    def neighbor_activate(self, children: list[Token]) -> m.NeighborActivate:
        return m.NeighborActivate(peer=_peer(children[0]), line=_line(children[0]))

    def neighbor_route_map(self, children: list[Token]) -> m.NeighborRouteMap:
        head, name, direction = children
        return m.NeighborRouteMap(peer=_peer(head), route_map=str(name), direction=str(direction), line=_line(head))

    def neighbor_prefix_list(self, children: list[Token]) -> m.NeighborPrefixList:
        head, name, direction = children
        return m.NeighborPrefixList(peer=_peer(head), prefix_list=str(name), direction=str(direction), line=_line(head))

    def neighbor_maximum_prefix(self, children: list[Token]) -> m.NeighborMaximumPrefix:
        options = " ".join(children[2].split()) if len(children) > 2 else ""
        return m.NeighborMaximumPrefix(
            peer=_peer(children[0]),
            limit=_number(children[1], 1, 4294967295),
            options=options,
            line=_line(children[0]),
        )

    # -------------------------------------------------------- prefix-lists and route-maps

    def prefix_list(self, children: list[Token]) -> m.PrefixListEntry:
        head = children[0]
        family = head.split()[0]
        seq: int | None = None
        ge: int | None = None
        le: int | None = None
        action = prefix = ""
        max_length = 32 if family == "ip" else 128
        tokens = iter(children[2:])
        for token in tokens:
            kind = token.type
            if kind == "SEQ":
                seq = _number(next(tokens), 1, 4294967295)
            elif kind == "ACTION":
                action = str(token)
            elif kind == "GE":
                ge = _number(next(tokens), 0, max_length)
            elif kind == "LE":
                le = _number(next(tokens), 0, max_length)
            else:
                prefix = str(token)
        return m.PrefixListEntry(
            family=family,
            name=str(children[1]),
            seq=seq,
            action=action,
            prefix=prefix,
            ge=ge,
            le=le,
            line=_line(head),
        )

    def prefix_list_description(self, children: list[Token]) -> m.PrefixListDescription:
        head, name, _, text = children
        return m.PrefixListDescription(
            family=head.split()[0], name=str(name), description=" ".join(text.split()), line=_line(head)
        )

    def route_map(self, children: list[Any]) -> m.RouteMapEntry:
        head, name, action, seq = children[:4]
        return m.RouteMapEntry(
            tuple(children[4:]),
            name=str(name),
            action=str(action),
            seq=_number(seq, 1, 65535),
            line=_line(head),
        )

    def match_prefix_list(self, children: list[Token]) -> m.MatchPrefixList:
        head, name = children
        return m.MatchPrefixList(family=head.split()[1], prefix_list=str(name), line=_line(head))

    def set_local_preference(self, children: list[Token]) -> m.SetLocalPreference:
        head, value = children
        return m.SetLocalPreference(value=_number(value, 0, 4294967295), line=_line(head))

    def set_community(self, children: list[Token]) -> m.SetCommunity:
        values, additive = _additive(children[1:])
        return m.SetCommunity(communities=values, additive=additive, line=_line(children[0]))

    def set_large_community(self, children: list[Token]) -> m.SetLargeCommunity:
        values, additive = _additive(children[1:])
        return m.SetLargeCommunity(communities=values, additive=additive, line=_line(children[0]))

    def on_match(self, children: list[Token]) -> m.OnMatch:
        goto = _number(children[2], 1, 65535) if len(children) > 2 else None
        return m.OnMatch(goto=goto, line=_line(children[0]))

    # -------------------------------------------------------- bfd

    def bfd(self, children: list[Any]) -> m.Bfd:
        return m.Bfd(tuple(children[1:]), line=_line(children[0]))

    def bfd_profile(self, children: list[Any]) -> m.BfdProfile:
        return m.BfdProfile(tuple(children[2:]), name=str(children[1]), line=_line(children[0]))

    def bfd_peer(self, children: list[Any]) -> m.BfdPeer:
        spec = " ".join(children[1].split())
        return m.BfdPeer(tuple(children[2:]), spec=spec, line=_line(children[0]))

    def bfd_peer_profile(self, children: list[Token]) -> m.BfdPeerProfile:
        return m.BfdPeerProfile(profile=str(children[1]), line=_line(children[0]))

    def bfd_setting(self, children: list[Token]) -> m.BfdSetting:
        head, value = children
        return m.BfdSetting(setting=" ".join(head.split()), value=int(value), line=_line(head))


# `global` is a Python keyword; Lark looks the callback up by rule name.
setattr(_Builder, "global", _Builder.global_)


def _line(token: Token) -> int:
    # The parser prepends a newline so that the first line starts like every other.
    return (token.line or 1) - 1


def _peer(head: Token) -> str:
    return head.split(None, 2)[1]


def _number(token: Token, low: int, high: int, value: int | None = None) -> int:
    if value is None:
        value = int(token)
    if not low <= value <= high:
        raise _token_error(token, f"{value} is out of range", (f"{low}-{high}",))
    return value


def _asn(token: Token) -> str:
    high, _, low = token.rpartition(".")
    if high:
        _number(token, 0, 65535, int(high))
        _number(token, 0, 65535, int(low))
    else:
        _number(token, 1, 4294967295)
    return str(token)


def _complete(token: Token, choices: tuple[str, ...]) -> str:
    """FRR accepts any unambiguous abbreviation of a keyword."""
    matches = [choice for choice in choices if choice.startswith(token)]
    if len(matches) != 1:
        raise _token_error(token, f"unknown keyword {str(token)!r}", tuple(repr(c) for c in choices))
    return matches[0]


def _additive(tokens: list[Token]) -> tuple[tuple[str, ...], bool]:
    values = tuple(str(t) for t in tokens)
    if len(values) > 1 and values[-1] == "additive":
        return values[:-1], True
    return values, False


class _TokenError(Exception):
    def __init__(self, token: Token, message: str, expected: tuple[str, ...]) -> None:
        super().__init__(message)
        self.token = token
        self.message = message
        self.expected = expected


def _token_error(token: Token, message: str, expected: tuple[str, ...]) -> _TokenError:
    return _TokenError(token, message, expected)


@functools.cache
def _parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(),
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        maybe_placeholders=False,
    )


def _describe(terminals: set[str] | frozenset[str], lark: Lark) -> tuple[str, ...]:
    if "COMMAND" in terminals:
        return ("a command",)
    by_name = {t.name: t for t in lark.terminals}
    names: set[str] = set()
    for name in terminals:
        if name in _TERMINAL_NAMES:
            names.add(_TERMINAL_NAMES[name])
        elif name in by_name and isinstance(by_name[name].pattern, PatternStr):
            names.add(repr(by_name[name].pattern.value))
        else:
            names.add(name.strip("_").lower().replace("_", " "))
    return tuple(sorted(names))


def parse(text: str, source: str = "<config>") -> m.Config:
    """Parse FRR configuration text; raise FrrSyntaxError where FRR would refuse it."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    body = "\n" + text if text.endswith("\n") else "\n" + text + "\n"
    lark = _parser()
    try:
        config = lark.parse(body)
    except _TokenError as error:
        line, column = error.token.line, error.token.column
        raise _syntax_error(text, source, line, column, error.message, error.expected) from None
    except UnexpectedInput as error:
        raise _from_lark(error, text, source, lark) from None
    # Lark's signature says Tree; with a transformer inside the parser it returns what `start` built.
    assert isinstance(config, m.Config)
    return config


def _from_lark(error: UnexpectedInput, text: str, source: str, lark: Lark) -> FrrSyntaxError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return _syntax_error(text, source, None, 0, "unexpected end of configuration", ())
        # The token may be a whole-line terminal; its first word is what the reader needs.
        got = "end of line" if token.type == "_NL" else repr(str(token).split()[0])
        expected = _describe(error.accepts or error.expected, lark)
        return _syntax_error(text, source, error.line, error.column, f"unexpected {got}", expected)
    if isinstance(error, UnexpectedCharacters):
        expected = _describe(error.allowed or set(), lark)
        return _syntax_error(text, source, error.line, error.column, "unexpected text", expected)
    if isinstance(error, UnexpectedEOF):
        return _syntax_error(text, source, None, 0, "unexpected end of configuration", ())
    return _syntax_error(text, source, error.line, error.column, str(error), ())


def _syntax_error(
    text: str,
    source: str,
    body_line: int | None,
    column: int | None,
    message: str,
    expected: tuple[str, ...],
) -> FrrSyntaxError:
    lines = text.split("\n")
    line = len(lines) if body_line is None or body_line < 0 else max(body_line - 1, 1)
    line = min(line, len(lines))
    return FrrSyntaxError(
        message,
        source=source,
        line=line,
        column=max(column or 1, 1),
        text=lines[line - 1],
        expected=expected,
    )
