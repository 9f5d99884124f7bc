"""Keywords abbreviated as FRR allows (`nei 192.0.2.1 pass S`) are written in full, as FRR shows them.

FRR takes any unambiguous abbreviation of a keyword and shows the keyword in full. frr-edge sends raw
snippets re-rendered from its model and compares them with what FRR shows; a snippet kept abbreviated
never compared equal, so every apply fell back and was rolled back (tests/router/test_apply.py shows it
on real FRR). The property: abbreviating any keywords of a line FRR accepts, when FRR still reads the
same command, gives back the line written in full.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from controller.frrcfg.check import Refusal, _judge, check, in_full, parse_checked, words_of
from controller.frrcfg.table import load_table

RENDERED = Path(__file__).parent / "fixtures" / "rendered.conf"
TEXT = RENDERED.read_text()


def keyword_positions(text: str) -> list[tuple[int, int]]:
    """(line number, word index) of every keyword in `text`, walking FRR's nodes as check() does."""
    verdict = check(text)
    assert verdict.accepted and not verdict.in_full
    table = load_table()
    node = table.nodes[table.start]
    positions: list[tuple[int, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = words_of(line)
        if words is None or line.strip() == "end":
            continue
        judged = _judge(table, node, number, line, words)
        assert not isinstance(judged, Refusal)
        landed, enters, keywords = judged
        positions += [(number, index) for index, keyword in enumerate(keywords) if keyword is not None]
        node = landed if enters is None or enters not in table.nodes else table.nodes[enters]
    return positions


POSITIONS = keyword_positions(TEXT)


def test_there_are_keywords_to_abbreviate() -> None:
    assert len(POSITIONS) > 50


@settings(max_examples=200, deadline=None)
@given(chosen=st.lists(st.sampled_from(POSITIONS), min_size=1, max_size=8, unique=True), cut=st.integers(1, 6))
def test_abbreviated_keywords_come_back_in_full(chosen: list[tuple[int, int]], cut: int) -> None:
    every = TEXT.splitlines()
    for number, index in chosen:
        line = every[number - 1]
        indent = line[: len(line) - len(line.lstrip())]
        words = line.split()
        words[index] = words[index][: max(1, len(words[index]) - cut)]
        every[number - 1] = indent + " ".join(words)
    abbreviated = "\n".join(every) + "\n"
    verdict = check(abbreviated)
    assume(verdict.accepted)  # too short: FRR finds it ambiguous or unknown, and says so
    assert in_full(abbreviated, verdict) == TEXT
    assert parse_checked(abbreviated).to_text() == parse_checked(TEXT).to_text()


def test_a_value_that_looks_like_a_keyword_is_left_as_written() -> None:
    text = "router bgp 64512\n neighbor 192.0.2.60 remote-as 64700\n neighbor 192.0.2.60 description nei pass\n"
    verdict = check(text)
    assert verdict.accepted and verdict.in_full == ()
