"""The real corpus: ~1000 FRR configurations with FRR 8.4's verdict on each, and FRR itself as the judge.

The corpus lives next to the repository (`<repo>/../shared/corpus/frr`) and is never copied into it.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from controller.frrcfg import FrrSyntaxError, parse
from controller.frrcfg.model import Block, Config, Item

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "frr"

# Closing lines as vtysh echoes them from the file.
CLOSERS = {
    "exit",
    "quit",
    "exit-address-family",
    "exit-vrf",
    "exit-vni",
    "exit-link-params",
    "exit-vnc",
    "exit-vrf-policy",
}

# FRR 8.4 accepts these (`vtysh -C` exits 0) but `vtysh -m` refuses them: they use commands this
# vtysh does not know (asdot AS numbers, `router pim`, IGMP/MLD access-lists).
NOT_MARKABLE = {
    "bgp_asdot_regex__r1__bgpd.conf",
    "multicast_gmp_access_list_topo1__r1__frr.conf",
    "multicast_ssm_topo1__r1__frr.conf",
    "multicast_ssm_topo1__r2__frr.conf",
    "pim_timers__r1__frr.conf",
}

# Rejected files the parser rejects too, as measured; the grammar's generic rule accepts most
# unknown commands on purpose, so this is a floor that must not go down.
REJECTED_TOO_AT_LEAST = 42


@cache
def verdicts() -> dict[str, str]:
    lines = (CORPUS / "VERDICTS-FRR-8.4.tsv").read_text().splitlines()
    return dict(line.split("\t") for line in lines if line)


def accepted() -> list[str]:
    return [name for name, verdict in verdicts().items() if verdict == "accepted"]


def rejected() -> list[str]:
    return [name for name, verdict in verdicts().items() if verdict == "rejected"]


def parses(name: str) -> bool:
    try:
        parse((CORPUS / name).read_text(), name)
    except FrrSyntaxError:
        return False
    return True


def test_the_corpus_is_there_with_its_verdicts() -> None:
    assert len(verdicts()) > 900
    assert all((CORPUS / name).is_file() for name in verdicts())


def test_every_file_frr_accepts_parses() -> None:
    refused = [name for name in accepted() if not parses(name)]
    assert refused == []


def test_files_frr_rejects_are_rejected_at_least_as_often_as_measured() -> None:
    rejected_too = sum(not parses(name) for name in rejected())
    assert rejected_too >= REJECTED_TOO_AT_LEAST


def is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and stripped[0] not in "!#" and stripped != "end"


def vtysh_marks(path: Path) -> list[int | str] | None:
    """Source line numbers in FRR's context order, "X" where FRR closes a context (`vtysh -m`)."""
    run = subprocess.run(["vtysh", "-m", "-f", str(path)], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        return None
    source = [(number, line.split()) for number, line in enumerate(path.read_text().split("\n"), 1)]
    content = [(number, words) for number, words in source if is_content(" ".join(words))]
    marks: list[int | str] = []
    next_line = 0
    for line in run.stdout.split("\n"):
        if not is_content(line):
            continue
        words = line.split()
        if next_line < len(content) and words == content[next_line][1]:
            marks.append("X" if line.strip() in CLOSERS else content[next_line][0])
            next_line += 1
        else:
            assert words == ["exit"], f"{path.name}: vtysh printed {line!r}, not in the file"
            marks.append("X")
    return trimmed(marks)


def model_marks(config: Config) -> list[int | str]:
    """The same view from the model: each item's source line, "X" after each context."""
    marks: list[int | str] = []

    def visit(items: tuple[Item, ...]) -> None:
        for item in items:
            marks.append(item.line)
            if isinstance(item, Block):
                visit(item.items)
                marks.append("X")

    visit(config.items)
    return trimmed(marks)


def trimmed(marks: list[int | str]) -> list[int | str]:
    # At the end of a file FRR closes nothing explicitly.
    while marks and marks[-1] == "X":
        marks.pop()
    return marks


def test_contexts_and_their_lines_agree_with_vtysh_markers() -> None:
    """Differential test: where each context starts and ends, as `vtysh -m -f FILE` marks it."""

    def compare(name: str) -> tuple[str, str | None]:
        path = CORPUS / name
        theirs = vtysh_marks(path)
        if theirs is None:
            return name, "not markable"
        ours = model_marks(parse(path.read_text(), name))
        if ours == theirs:
            return name, None
        at = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), len(ours))
        return name, f"parser {ours[at : at + 5]} vtysh {theirs[at : at + 5]}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(pool.map(compare, accepted()))

    not_markable = {name for name, outcome in results.items() if outcome == "not markable"}
    disagreements = {name: outcome for name, outcome in results.items() if outcome not in (None, "not markable")}
    assert not_markable == NOT_MARKABLE
    assert disagreements == {}
    assert len(results) - len(not_markable) > 750
