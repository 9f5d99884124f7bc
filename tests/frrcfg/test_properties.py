"""Properties: printing then parsing gives the same model; any input gives a model or FrrSyntaxError."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark

from controller.frrcfg import FrrSyntaxError, parse
from controller.frrcfg.model import Config
from controller.frrcfg.parser import GRAMMAR, make_lark

from .test_corpus import CORPUS, accepted

NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,11}", fullmatch=True)
WORD = st.from_regex(r"[A-Za-z0-9:.-]{1,12}", fullmatch=True)
IPV4 = st.ip_addresses(v=4).map(str)
PEER = st.one_of(IPV4, st.ip_addresses(v=6).map(str), NAME)
ASN = st.one_of(st.integers(1, 4294967295).map(str), st.sampled_from(["internal", "external"]))
U16 = st.integers(0, 65535)


@st.composite
def prefix(draw: st.DrawFn) -> str:
    length = draw(st.integers(0, 32))
    return f"{draw(IPV4)}/{length}"


def neighbor_session(peer: str) -> st.SearchStrategy[str]:
    n = f"neighbor {peer}"
    return st.one_of(
        ASN.map(lambda asn: f"{n} remote-as {asn}"),
        st.lists(WORD, min_size=1, max_size=4).map(lambda words: f"{n} description {' '.join(words)}"),
        st.tuples(U16, U16).map(lambda t: f"{n} timers {t[0]} {t[1]}"),
        st.integers(1, 65535).map(lambda s: f"{n} timers connect {s}"),
        WORD.map(lambda pw: f"{n} password {pw}"),
        NAME.map(lambda p: f"{n} bfd profile {p}"),
        st.one_of(st.just(""), st.integers(1, 255).map(lambda h: f" {h}")).map(lambda h: f"{n} ebgp-multihop{h}"),
        U16.map(lambda port: f"{n} port {port}"),
        IPV4.map(lambda source: f"{n} update-source {source}"),
        st.just(f"{n} graceful-restart"),
        st.sampled_from(["", " no-prepend", " no-prepend replace-as"]).map(lambda f: f"{n} local-as 64999{f}"),
        st.one_of(st.just(""), NAME.map(lambda g: f" {g}")).map(lambda g: f"{n} peer-group{g}"),
        st.just(f"{n} bfd"),
        st.just(f"{n} shutdown"),
    )


def neighbor_family(peer: str) -> st.SearchStrategy[str]:
    n = f"neighbor {peer}"
    direction = st.sampled_from(["in", "out"])
    return st.one_of(
        st.just(f"{n} activate"),
        st.tuples(NAME, direction).map(lambda t: f"{n} route-map {t[0]} {t[1]}"),
        st.tuples(NAME, direction).map(lambda t: f"{n} prefix-list {t[0]} {t[1]}"),
        st.integers(1, 100000).map(lambda limit: f"{n} maximum-prefix {limit}"),
        st.just(f"{n} soft-reconfiguration inbound"),
    )


FAMILY_LINES = st.one_of(
    PEER.flatmap(neighbor_family),
    st.integers(1, 128).map(lambda paths: f"maximum-paths {paths}"),
    prefix().map(lambda p: f"network {p}"),
    st.just("redistribute connected"),
)


@st.composite
def indented(draw: st.DrawFn, lines: list[str], depth: int) -> list[str]:
    """Lines with random indentation, comments and blank lines, as people write them."""
    out = []
    for line in lines:
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(["!", " !", "", "# note", "  "])))
        out.append(" " * draw(st.integers(0, depth + 1)) + line + draw(st.sampled_from(["", "", " "])))
    return out


@st.composite
def router_bgp(draw: st.DrawFn) -> list[str]:
    head = draw(st.sampled_from(["router bgp 64512", "router bgp 64512 vrf red", "router bgp 65000.10"]))
    body = draw(st.lists(st.one_of(PEER.flatmap(neighbor_session), PEER.flatmap(neighbor_family)), max_size=8))
    body += draw(st.sampled_from([[], ["bgp router-id 192.0.2.1"], ["no bgp ebgp-requires-policy"]]))
    lines = [head, *draw(indented(body, 1))]
    for family in draw(st.lists(st.sampled_from(["ipv4 unicast", "ipv6 unicast", "ipv4"]), max_size=2)):
        lines += [f" address-family {family}", *draw(indented(draw(st.lists(FAMILY_LINES, max_size=5)), 2))]
        lines += draw(st.sampled_from([[" exit-address-family"], []]))
    return lines + draw(st.sampled_from([["exit"], []]))


@st.composite
def prefix_list(draw: st.DrawFn) -> list[str]:
    name = draw(NAME)
    seq = draw(st.one_of(st.just(""), st.integers(1, 4294967295).map(lambda s: f" seq {s}")))
    action = draw(st.sampled_from(["permit", "deny"]))
    target = draw(st.one_of(st.just("any"), prefix()))
    bounds = "" if target == "any" else draw(st.sampled_from(["", " ge 24", " le 32", " ge 8 le 32", " le 32 ge 8"]))
    return [f"ip prefix-list {name}{seq} {action} {target}{bounds}"]


@st.composite
def route_map(draw: st.DrawFn) -> list[str]:
    head = f"route-map {draw(NAME)} {draw(st.sampled_from(['permit', 'deny']))} {draw(st.integers(1, 65535))}"
    lines = st.one_of(
        NAME.map(lambda n: f"match ip address prefix-list {n}"),
        st.integers(0, 4294967295).map(lambda v: f"set local-preference {v}"),
        st.lists(st.sampled_from(["64512:1", "no-export", "65000:100"]), min_size=1, max_size=3).map(
            lambda c: "set community " + " ".join(c)
        ),
        st.just("set large-community 64512:1:1 additive"),
        st.sampled_from(["on-match next", "on-match goto 20", "set metric 10", "call other"]),
    )
    return [head, *draw(indented(draw(st.lists(lines, max_size=5)), 1)), *draw(st.sampled_from([["exit"], []]))]


@st.composite
def bfd(draw: st.DrawFn) -> list[str]:
    lines = ["bfd"]
    for name in draw(st.lists(NAME, max_size=2, unique=True)):
        settings = draw(
            st.lists(
                st.tuples(st.sampled_from(["receive-interval", "transmit-interval", "detect-multiplier"]), U16).map(
                    lambda t: f"{t[0]} {max(t[1], 1)}"
                ),
                max_size=3,
            )
        )
        lines += [f" profile {name}", *(f"  {s}" for s in settings), *draw(st.sampled_from([[" exit"], []]))]
    return lines + draw(st.sampled_from([["exit"], []]))


@st.composite
def other(draw: st.DrawFn) -> list[str]:
    return draw(
        st.sampled_from(
            [
                ["hostname r1"],
                ["log syslog informational"],
                ["ip route 10.0.0.0/8 blackhole"],
                ["interface eth0", " ip address 10.0.0.1/24", "exit"],
                ["int lo", " description loopback"],
                ["router ospf", " network 10.0.0.0/8 area 0"],
                ["vrf red", " ip route 10.1.0.0/16 blackhole", "exit-vrf"],
                ["line vty"],
                ["end"],
            ]
        )
    )


CONFIGS = st.lists(st.one_of(router_bgp(), prefix_list(), route_map(), bfd(), other()), max_size=8).map(
    lambda blocks: "\n".join(line for block in blocks for line in block) + "\n"
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIGS)
def test_printing_then_parsing_gives_the_same_model(text: str) -> None:
    config = parse(text)
    printed = config.to_text()
    assert parse(printed) == config
    assert parse(printed).to_text() == printed


# The grammar without its one-token forms: every line is read word by word.
WORD_BY_WORD = make_lark(re.sub(r"FAST_[A-Z_]+\s*\|\s*", "", GRAMMAR.read_text()))


def one_token_forms(lark: Lark) -> set[str]:
    used = {symbol.name for rule in lark.rules for symbol in rule.expansion}
    return {name for name in used if name.startswith("FAST_")}


def test_the_word_by_word_grammar_has_no_one_token_forms() -> None:
    assert one_token_forms(WORD_BY_WORD) == set()
    assert len(one_token_forms(make_lark(GRAMMAR.read_text()))) > 10


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIGS)
def test_one_token_forms_read_like_the_word_by_word_rules(text: str) -> None:
    slow = WORD_BY_WORD.parse("\n" + text)
    assert isinstance(slow, Config)
    assert slow == parse(text)


def assert_model_or_syntax_error(text: str) -> None:
    try:
        config = parse(text)
    except FrrSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        assert error.text in [*text.replace("\r\n", "\n").split("\n"), ""]
        return
    assert isinstance(config, Config)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_random_text_gives_a_model_or_a_syntax_error(text: str) -> None:
    assert_model_or_syntax_error(text)


CORPUS_TEXTS = [(CORPUS / name).read_text() for name in accepted()[::25]]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(CORPUS_TEXTS)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "cut", "insert", "digits"]))
        line = lines[at]
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, line)
        elif kind == "swap":
            other_at = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other_at] = lines[other_at], lines[at]
        elif kind == "cut":
            lines[at] = line[: draw(st.integers(0, len(line)))]
        elif kind == "insert":
            lines.insert(at, draw(st.sampled_from(["exit", "exit-address-family", "exit-vrf", "end", "!", "quit"])))
        else:
            lines[at] = re.sub(r"\d+", lambda _: str(draw(st.integers(0, 10**12))), line)
        if not lines:
            lines = [""]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_mutated_real_configs_give_a_model_or_a_syntax_error(text: str) -> None:
    assert_model_or_syntax_error(text)


def test_mutations_start_from_real_files() -> None:
    assert len(CORPUS_TEXTS) > 25
    assert sum(bool(text.strip()) for text in CORPUS_TEXTS) > 25
