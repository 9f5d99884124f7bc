"""The delta against real FRR, pair by pair: load A, apply what the planner says (its delta in one vtysh session,
or frr-reload.py when it declared in advance that it cannot), read back, and compare with B loaded directly.

Real zebra, bgpd, staticd and bfdd in a network namespace of their own. A pair passes when the read-back equals
B loaded into a fresh FRR (line for line, under the same contexts) and a second plan from there changes
nothing (no delta, no fallback). Pairs come from the corpus (../shared/corpus/frr, files FRR 8.4 accepts,
the parts frr-edge handles, against mutations of themselves and each other), from frr-edge's rendered goldens
through the planner in both ownership modes (on top of an admin's own lines in Managed mode), from
configurations hypothesis generates, and from fixed cases for bugs of issue 13.

CI runs FRR_EDGE_DIFF_PAIRS=300 pairs (the default); set it to 2000 or more locally. FRR_EDGE_DIFF_REPORT names
a file for the figures (pairs, by delta, by fallback, failures).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.errors import MergeConflict
from controller.frrcfg import Config, parse
from controller.frrcfg.model import (
    Bfd,
    Block,
    Item,
    PrefixListDescription,
    PrefixListEntry,
    RouteMapEntry,
    RouterBgp,
    Statement,
    peer_of,
)
from controller.router.frr.plan import InvalidConfiguration, Ownership, plan
from tests.core.builders import desired, frr_configuration
from tests.router.frr_instance import FrrInstance

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "frr"
GOLDENS = sorted((REPO / "tests" / "golden").glob("*/*.frr"))
PAIRS = int(os.environ.get("FRR_EDGE_DIFF_PAIRS", "300"))
SEED = int(os.environ.get("FRR_EDGE_DIFF_SEED", "13"))
# Share of PAIRS per source; the fixed cases come on top.
CORPUS_PAIRS = PAIRS * 55 // 100
RENDERED_PAIRS = PAIRS * 20 // 100
GENERATED_PAIRS = PAIRS - CORPUS_PAIRS - RENDERED_PAIRS
MODES: tuple[Ownership, ...] = ("Managed", "Full")

# What an admin configured by hand on the router, next to frr-edge's objects (Managed mode keeps it).
ADMIN = """router bgp 64512
 neighbor 192.0.2.250 remote-as 65250
 neighbor 192.0.2.250 description upstream by hand
exit
ip prefix-list admin-only seq 5 permit 192.0.2.0/24
"""


def admin_for(rendered: str) -> str:
    """ADMIN under the AS of the rendered default instance (FRR runs one default instance)."""
    asn = re.search(r"^router bgp (\S+)$", rendered, re.MULTILINE)
    return ADMIN.replace("router bgp 64512", f"router bgp {asn[1]}") if asn else ADMIN


class Skip(Exception):
    """FRR refuses A or B when loaded on their own: not a pair to judge the delta by."""


@dataclass
class Tally:
    pairs: int = 0
    delta: int = 0
    fallback: int = 0
    refused: int = 0  # refused in advance: FRR cannot reach B in place, and frr-reload.py did not either
    skipped: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    by_source: Counter[str] = field(default_factory=Counter)
    # Corpus files whose own second apply is not empty: what FRR prints that the canonical forms miss.
    gaps: dict[str, list[str]] = field(default_factory=dict)

    def figures(self) -> dict[str, object]:
        return {
            "pairs": self.pairs,
            "by delta": self.delta,
            "by fallback": self.fallback,
            "refused in advance (FRR cannot reach B in place; frr-reload.py shown failing too)": self.refused,
            "failures": len(self.failures),
            "skipped (FRR refuses A or B alone, or a corpus mutation reads back otherwise)": dict(self.skipped),
            "pairs by source": dict(self.by_source),
            "corpus files left out, canonical form not known": {name: lines[:4] for name, lines in self.gaps.items()},
        }


TALLY = Tally()


@pytest.fixture(scope="module")
def frr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrrInstance]:
    if os.geteuid() != 0:
        pytest.fail("the differential test needs root: a network namespace and FRR daemons")
    with FrrInstance.running_in(f"fe-diff-{os.getpid()}", tmp_path_factory.mktemp("frr-diff")) as instance:
        yield instance


def lines(text: str) -> Counter[tuple[str, ...]]:
    """Every line of a running config with the headers of its contexts, in any order.

    An empty `bfd` node configures nothing: bfdd keeps one after its last profile or peer is removed,
    frr-reload.py leaves it too.
    """
    out: Counter[tuple[str, ...]] = Counter()
    for path, item in parse(text, "running configuration").walk():
        if not (isinstance(item, Bfd) and not item.items):
            out[(*(block.header() for block in path), _text(item))] += 1
    return out


def _text(item: Item) -> str:
    return item.text() if isinstance(item, Statement) else item.header()


_LOADED: dict[str, str] = {}


def loaded_directly(frr: FrrInstance, text: str) -> str:
    """What FRR shows once `text` is loaded into it from its baseline (cached by text); raises Skip if refused."""
    if text not in _LOADED:
        frr.reset()
        refused = frr.load(text)
        _LOADED[text] = "" if refused else frr.running()
    if not _LOADED[text]:
        raise Skip("B refused by FRR")
    return _LOADED[text]


@dataclass
class Outcome:
    method: str  # "delta", "frr-reload" or "refused"
    problems: list[str]
    commands: tuple[str, ...]


def apply_pair(
    frr: FrrInstance, a: str, b: str, ownership: Ownership, base: str = "", known_only: bool = False
) -> Outcome:
    """Load `base` and A (as frr-edge applied it last time), plan A → B, apply as the controller does, compare.

    `a` and `b` are rendered texts; the planner's previous text is `a`. The expected state is `base` and `b`
    loaded directly (Managed keeps `base`; in Full mode the planner replaces what `base` has of the kinds
    frr-edge renders, and `base` is then only admin lines of other kinds). `known_only` (corpus pairs): A and
    B must each read back as themselves, or the pair is skipped (see `understood`).
    """
    expected = loaded_directly(frr, base + b if ownership == "Managed" else b)
    if known_only and not plan(expected, b, ownership).noop:
        raise Skip("B reads back otherwise (canonical form not known)")
    frr.reset()
    if frr.load(base) or frr.load(a):
        raise Skip("A refused by FRR")
    running = frr.running()
    if known_only and not plan(running, a, ownership).noop:
        raise Skip("A reads back otherwise (canonical form not known)")
    try:
        planned = plan(running, b, ownership, previous_text=a or None)
    except InvalidConfiguration as refused:
        return refused_in_advance(frr, b, expected, str(refused))
    if planned.unsupported:
        method, said = "frr-reload", frr.reload(planned.text)
    else:
        method, said = "delta", frr.load("\n".join(planned.commands) + "\n") if planned.commands else ""
    after = frr.running()
    problems = [f"{method} refused: {said}"] if said else []
    if lines(after) != lines(expected):
        missing = lines(expected) - lines(after)
        extra = lines(after) - lines(expected)
        problems.append(f"read-back differs from B loaded directly: missing {sorted(missing)}, extra {sorted(extra)}")
    again = plan(after, b, ownership, previous_text=b)
    if not again.noop:
        problems.append(f"second apply is not empty: {list(again.commands)} {list(again.unsupported)}")
    return Outcome(method, problems, planned.commands)


def refused_in_advance(frr: FrrInstance, b: str, expected: str, why: str) -> Outcome:
    """The planner refused A -> B before sending anything: a removal FRR refuses in place. The refusal is
    right only if frr-reload.py, the fallback, cannot reach B either: try it, and it must fail."""
    if "cannot take it back in place" not in why:
        return Outcome("refused", [f"the planner refused: {why}"], ())
    frr.reload(b)
    reached = lines(frr.running()) == lines(expected)
    return Outcome("refused", [f"refused in advance, but frr-reload.py reached B: {why}"] if reached else [], ())


def record(source: str, a: str, b: str, outcome: Outcome) -> None:
    TALLY.pairs += 1
    TALLY.by_source[source] += 1
    if outcome.method == "delta":
        TALLY.delta += 1
    elif outcome.method == "refused":
        TALLY.refused += 1
    else:
        TALLY.fallback += 1
    if outcome.problems:
        TALLY.failures.append(
            f"[{source}] A:\n{a}\nB:\n{b}\ncommands: {outcome.commands}\n" + "\n".join(outcome.problems)
        )


def judged(
    frr: FrrInstance, source: str, a: str, b: str, ownership: Ownership, base: str = "", known_only: bool = False
) -> Outcome | None:
    try:
        outcome = apply_pair(frr, a, b, ownership, base, known_only)
    except Skip as skipped:
        TALLY.skipped[f"{source}: {skipped}"] += 1
        return None
    record(source, a, b, outcome)
    return outcome


# ---------------------------------------------------------------- fixed cases (issue 13)


def test_route_map_lines_with_shorter_no_forms_are_removed_by_the_delta(frr: FrrInstance) -> None:
    a = """route-map RM permit 10
 description routes from the speakers
 match ip address prefix-list PL
 set as-path prepend 64512 64512
 set metric 10
 set community 64512:2 64512:1
exit
ip prefix-list PL seq 5 permit 203.0.113.0/24 le 32
"""
    b = a.replace(" description routes from the speakers\n", "").replace(" set as-path prepend 64512 64512\n", "")
    b = b.replace(" set metric 10\n", "")

    outcome = judged(frr, "fixed", a, b, "Full")

    assert outcome is not None and outcome.method == "delta", outcome
    assert outcome.problems == []
    assert "no description" in [line.strip() for line in outcome.commands]
    assert "no set as-path prepend" in [line.strip() for line in outcome.commands]


def test_prefix_lists_without_seq_reach_frr_and_the_next_apply_changes_nothing(frr: FrrInstance) -> None:
    b = """ip prefix-list PL permit 203.0.113.0/24 le 32
ip prefix-list PL permit 198.51.100.7/24
ip prefix-list PL permit 203.0.113.0/24 le 32
ipv6 prefix-list PL6 permit 2001:DB8:0:0::/32
"""
    grown = b + "ip prefix-list PL deny any\n"

    first = judged(frr, "fixed", "", b, "Full")
    grown_outcome = judged(frr, "fixed", b, grown, "Full")
    shrunk = judged(frr, "fixed", grown, b, "Full")

    for outcome in (first, grown_outcome, shrunk):
        assert outcome is not None and outcome.method == "delta" and outcome.problems == [], outcome


def test_a_repeated_prefix_list_entry_typed_with_host_bits_is_not_a_repeat_to_frr(frr: FrrInstance) -> None:
    # Found by the 2,000-pair run: FRR compares a typed prefix unmasked with the masked entries, so the third
    # line is not a repeat of seq 20; it gets seq 25 and outlives seq 20's replacement.
    b = """ip prefix-list PL-A permit 10.0.0.0/8
ip prefix-list PL-A seq 20 permit 10.1.2.3/16 le 24
ip prefix-list PL-A permit 10.1.2.3/16 le 24
ip prefix-list PL-A seq 20 permit 10.0.0.0/8 ge 16
"""
    outcome = judged(frr, "fixed", "", b, "Full")

    assert outcome is not None and outcome.method == "delta" and outcome.problems == [], outcome
    assert "ip prefix-list PL-A seq 25 permit 10.1.0.0/16 le 24" in outcome.commands


def test_a_listen_range_and_its_peer_group_go_in_the_order_frr_needs(frr: FrrInstance) -> None:
    a = """router bgp 64512
 neighbor SPEAKERS peer-group
 neighbor SPEAKERS remote-as external
 neighbor SPEAKERS timers 10 30
 neighbor 192.0.2.60 peer-group SPEAKERS
 bgp listen range 192.0.2.128/25 peer-group SPEAKERS
 address-family ipv4 unicast
  neighbor SPEAKERS route-map RM in
 exit-address-family
exit
route-map RM permit 10
exit
"""
    b = "router bgp 64512\nexit\n"

    removed = judged(frr, "fixed", a, b, "Full")
    added = judged(frr, "fixed", b, a, "Full")

    for outcome in (removed, added):
        assert outcome is not None and outcome.method == "delta" and outcome.problems == [], outcome
    assert removed is not None
    order = [line.strip() for line in removed.commands]
    assert order.index("no bgp listen range 192.0.2.128/25 peer-group SPEAKERS") < order.index(
        "no neighbor SPEAKERS peer-group"
    )


def test_a_raw_router_bgp_with_another_as_is_a_conflict_and_never_reaches_frr(frr: FrrInstance) -> None:
    speakers = frr_configuration(
        "speakers", "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.11, asn: 64513}]}]}"
    )
    raw = frr_configuration(
        "upstream", 'raw: {rawConfig: "router bgp 65010\\n neighbor 198.51.100.7 remote-as 65020\\n"}'
    )
    frr.reset()
    before = frr.running()

    with pytest.raises(MergeConflict) as caught:
        desired(speakers, raw)

    assert caught.value.first.ref == "default/speakers" and caught.value.second.ref == "default/upstream"
    assert frr.running() == before


MEMBER = """router bgp 64512
 no bgp default ipv4-unicast
 neighbor SPEAKERS peer-group
 neighbor SPEAKERS remote-as 64513
 neighbor 192.0.2.50 peer-group SPEAKERS
 neighbor 192.0.2.50 timers 10 30
 bgp listen range 192.0.2.128/25 peer-group SPEAKERS
 address-family ipv4 unicast
  neighbor SPEAKERS activate
 exit-address-family
exit
"""
PLAIN = """router bgp 64512
 no bgp default ipv4-unicast
 neighbor 192.0.2.50 remote-as 64513
 neighbor 192.0.2.50 description frr-edge
 neighbor 192.0.2.50 timers 10 30
 address-family ipv4 unicast
  neighbor 192.0.2.50 activate
 exit-address-family
exit
"""


def test_a_removal_frr_refuses_in_place_is_refused_in_advance_and_frr_reload_cannot_do_it_either(
    frr: FrrInstance,
) -> None:
    # FRR 8.4 answers `no sid vpn export` with "It's not implemented": no command takes the line back.
    a = """router bgp 65001
 segment-routing srv6
  locator default
 exit
exit
router bgp 65001 vrf blue
 address-family ipv4 unicast
  sid vpn export auto
  rd vpn export 65001:10
  export vpn
 exit-address-family
exit
"""
    b = a.replace("  sid vpn export auto\n", "")

    outcome = judged(frr, "fixed", a, b, "Full")

    assert outcome is not None and outcome.method == "refused", outcome
    assert outcome.problems == [] and outcome.commands == ()


@pytest.mark.parametrize("ownership", MODES)
def test_a_peer_group_member_becomes_a_plain_neighbor_and_back_in_both_modes(
    frr: FrrInstance, ownership: Ownership
) -> None:
    # The group, its member and its listen range came from a raw snippet; the next version renders the
    # neighbor plainly, and frr-edge takes off what it put on the router (the group, the range).
    to_plain = judged(frr, f"fixed {ownership}", MEMBER, PLAIN, ownership, base=ADMIN)
    to_member = judged(frr, f"fixed {ownership}", PLAIN, MEMBER, ownership, base=ADMIN)

    for outcome in (to_plain, to_member):
        assert outcome is not None and outcome.method == "delta" and outcome.problems == [], outcome


@pytest.mark.parametrize("ownership", MODES)
def test_every_golden_is_reached_from_nothing_and_taken_off_again(frr: FrrInstance, ownership: Ownership) -> None:
    for golden in GOLDENS:
        rendered = golden.read_text()
        for a, b in (("", rendered), (rendered, "")):
            outcome = judged(frr, f"golden {ownership}", a, b, ownership, base=admin_for(rendered))
            assert outcome is not None and outcome.problems == [], (golden.name, outcome)


# ---------------------------------------------------------------- the corpus


def corpus_parts() -> list[tuple[str, Config]]:
    """The parts frr-edge handles (BGP, prefix-lists, route-maps, BFD) of every file FRR 8.4 accepts."""
    verdicts = dict(line.split("\t") for line in (CORPUS / "VERDICTS-FRR-8.4.tsv").read_text().splitlines() if line)
    parts = []
    for name, verdict in sorted(verdicts.items()):
        if verdict != "accepted":
            continue
        config = parse((CORPUS / name).read_text(), name)
        kept = tuple(item for item in config.items if _handled(item))
        if any(isinstance(item, RouterBgp | RouteMapEntry) for item in kept):
            parts.append((name, Config(kept)))
    return parts


def understood(frr: FrrInstance, name: str, config: Config) -> bool:
    """Whether the config, loaded on its own, reads back as itself (its second apply is empty).

    A corpus file that does not is left out of the pairs and reported: FRR prints something of it in a form
    the canonical forms do not know (EVPN route-targets, `rt vpn both`, lines of daemons not in the lab, ...).
    """
    text = config.to_text()
    if name in TALLY.gaps:
        return False
    again = plan(loaded_directly(frr, text), text, "Full")
    if not again.noop:
        TALLY.gaps[name] = [*again.commands, *again.unsupported]
    return again.noop


def _handled(item: Item) -> bool:
    return isinstance(item, RouterBgp | RouteMapEntry | PrefixListEntry | PrefixListDescription | Bfd)


def mutated(config: Config, chance: random.Random) -> Config:
    """The config with some neighbors, route-map entries, prefix-list entries and lines left out."""
    peers = sorted({peer for _, item in config.walk() if (peer := peer_of(item)) is not None})
    dropped_peers = {peer for peer in peers if chance.random() < 0.3}
    rate = chance.choice([0.1, 0.25, 0.5])

    def keep(item: Item, depth: int) -> bool:
        if peer_of(item) in dropped_peers:
            return False
        if isinstance(item, Statement) and depth > 0 and _creates(item):
            return True  # a line left alone would make FRR refuse B: neighbors go whole
        return chance.random() >= rate

    def walk(items: tuple[Item, ...], depth: int) -> tuple[Item, ...]:
        out: list[Item] = []
        for item in items:
            if not keep(item, depth):
                continue
            out.append(replace(item, items=walk(item.items, depth + 1)) if isinstance(item, Block) else item)
        return tuple(out)

    return Config(walk(config.items, 0))


def _creates(item: Statement) -> bool:
    return bool(re.fullmatch(r"neighbor \S+ (remote-as \S+|peer-group( \S+)?|interface.*)", item.text()))


def test_corpus_pairs_reach_b_by_delta_or_by_a_declared_fallback(frr: FrrInstance) -> None:
    chance = random.Random(SEED)
    parts = corpus_parts()
    judged_pairs = 0
    while judged_pairs < CORPUS_PAIRS:
        (name, first), (other_name, other) = chance.choice(parts), chance.choice(parts)
        try:
            if not (understood(frr, name, first) and understood(frr, other_name, other)):
                continue
        except Skip:
            continue
        kind = chance.random()
        if kind < 0.4:
            a, b = first, mutated(first, chance)
        elif kind < 0.8:
            a, b = mutated(first, chance), first
        else:
            a, b = mutated(first, chance), mutated(other, chance)
        if judged(frr, "corpus", a.to_text(), b.to_text(), "Full", known_only=True) is not None:
            judged_pairs += 1
    assert not TALLY.failures, f"{len(TALLY.failures)} failures; the first:\n" + "\n\n".join(TALLY.failures[:3])


# ---------------------------------------------------------------- rendered configs, both modes


def test_rendered_pairs_in_both_modes(frr: FrrInstance) -> None:
    chance = random.Random(SEED + 1)
    goldens = [parse(golden.read_text()) for golden in GOLDENS]
    for index in range(RENDERED_PAIRS):
        ownership = MODES[index % 2]
        first = chance.choice(goldens)
        a, b = (first, mutated(first, chance)) if chance.random() < 0.5 else (mutated(first, chance), first)
        judged(frr, f"rendered {ownership}", a.to_text(), b.to_text(), ownership, base=admin_for(first.to_text()))
    assert not TALLY.failures, f"{len(TALLY.failures)} failures; the first:\n" + "\n\n".join(TALLY.failures[:3])


# ---------------------------------------------------------------- generated configs


@st.composite
def generated(draw: st.DrawFn) -> str:
    """Configurations of the kinds frr-edge handles, written as raw snippets and users write them.

    Peer-groups with members and listen ranges, route-map lines whose no-forms take fewer words,
    prefix-lists without sequence numbers (with repeats and host bits), IPv6 in upper case, default values.
    """
    out: list[str] = []
    lists = draw(st.lists(st.sampled_from(["PL-A", "PL-B"]), unique=True))
    for name in lists:
        for target in draw(
            st.lists(st.sampled_from(["10.0.0.0/8", "10.1.2.3/16 le 24", "any", "10.0.0.0/8 ge 16"]), max_size=4)
        ):
            seq = draw(st.sampled_from(["", "", " seq 7", " seq 20"]))
            out.append(f"ip prefix-list {name}{seq} {draw(st.sampled_from(['permit', 'deny']))} {target}")
    if draw(st.booleans()):
        out.append("ipv6 prefix-list PL-6 permit 2001:DB8:0:0::/32 le 64")
    for seq in draw(st.lists(st.sampled_from([10, 20]), unique=True)):
        out.append(f"route-map RM permit {seq}")
        out += draw(st.sampled_from([[], [" description speakers in"], [" description another text"]]))
        if lists:
            out.append(f" match ip address prefix-list {draw(st.sampled_from(lists))}")
        out += draw(st.sampled_from([[], [" set as-path prepend 64512 64512"], [" set as-path prepend 64512"]]))
        out += draw(st.sampled_from([[], [" set metric 10"], [" set metric +5"], [" set tag 7"]]))
        out += draw(st.sampled_from([[], [" set community 64512:2 64512:1"], [" set community 65535:65281 additive"]]))
        out += draw(st.sampled_from([[], [" set local-preference 200"], [" on-match next"]]))
        out.append("exit")
    out += ["router bgp 64512"]
    out += draw(st.sampled_from([[], [" no bgp default ipv4-unicast"]]))
    out += draw(
        st.sampled_from([[], [" no bgp ebgp-requires-policy"], [" timers bgp 10 30"], [" bgp log-neighbor-changes"]])
    )
    group = draw(st.booleans())
    if group:
        out += [" neighbor SPEAKERS peer-group", " neighbor SPEAKERS remote-as external"]
        out += draw(st.sampled_from([[], [" bgp listen range 192.0.2.128/25 peer-group SPEAKERS"]]))
        out += draw(
            st.sampled_from([[], [" neighbor SPEAKERS timers 10 30"], [" neighbor SPEAKERS description group"]])
        )
    for peer in draw(st.lists(st.sampled_from(["192.0.2.11", "192.0.2.12", "2001:DB8::0:13"]), unique=True)):
        if group and draw(st.booleans()):
            out.append(f" neighbor {peer} peer-group SPEAKERS")
        else:
            out.append(f" neighbor {peer} remote-as {draw(st.sampled_from(['64513', 'external', 'internal']))}")
        n = f" neighbor {peer}"
        out += draw(st.sampled_from([[], [f"{n} description frr-edge"], [f"{n} description a speaker node"]]))
        out += draw(st.sampled_from([[], [f"{n} ebgp-multihop"], [f"{n} ebgp-multihop 3"], [f"{n} port 179"]]))
        out += draw(st.sampled_from([[], [f"{n} timers 10 30"], [f"{n} timers connect 5"], [f"{n} password pw-1"]]))
        out += draw(st.sampled_from([[], [f"{n} advertisement-interval 0"], [f"{n} passive"], [f"{n} bfd"]]))
    if draw(st.booleans()):
        out.append(" address-family ipv4 unicast")
        out += draw(st.sampled_from([[], ["  network 203.0.113.7/24"], ["  maximum-paths 4"]]))
        if group:
            out += draw(
                st.sampled_from([[], ["  neighbor SPEAKERS activate"], ["  neighbor SPEAKERS route-map RM in"]])
            )
        out += draw(st.sampled_from([[], ["  neighbor 192.0.2.11 activate"], ["  no neighbor 192.0.2.11 activate"]]))
        out.append(" exit-address-family")
    out.append("exit")
    return "\n".join(out) + "\n"


@settings(
    max_examples=GENERATED_PAIRS,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a=generated(), b=generated(), ownership=st.sampled_from(MODES))
def test_generated_pairs(frr: FrrInstance, a: str, b: str, ownership: Ownership) -> None:
    outcome = judged(frr, f"generated {ownership}", a, b, ownership, base=ADMIN)
    assert outcome is None or outcome.problems == [], outcome


# ---------------------------------------------------------------- the figures


def test_report_pairs_by_delta_by_fallback_and_failures() -> None:
    figures = TALLY.figures()
    report = json.dumps(figures, indent=2)
    print("\ndifferential test against real FRR:", report)
    if os.environ.get("FRR_EDGE_DIFF_REPORT"):
        Path(os.environ["FRR_EDGE_DIFF_REPORT"]).write_text(report + "\n" + "\n\n".join(TALLY.failures) + "\n")
    # Generated and rendered pairs FRR refuses on their own are skipped, not judged.
    assert TALLY.pairs >= PAIRS * 9 // 10, f"only {TALLY.pairs} of {PAIRS} pairs were judged: {report}"
    assert TALLY.failures == [], report
