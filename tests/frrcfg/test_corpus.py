"""The real corpus: ~1000 FRR configurations with FRR 8.4's verdict on each, and FRR itself as the judge.

The corpus lives next to the repository (`<repo>/../shared/corpus/frr`) and is never copied into it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from types import ModuleType

from controller.frrcfg import FrrSyntaxError, Verdict, check, parse, parse_checked
from controller.frrcfg.model import Block, Config, Item

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "frr"
FRR_RELOAD = Path("/usr/lib/frr/frr-reload.py")

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

# Rejected files the grammar alone rejects too, as measured; its generic rule accepts most unknown
# commands on purpose, so this is a floor that must not go down. With FRR's command table (check.py)
# every rejected file is rejected: see the tests at the end.
REJECTED_TOO_AT_LEAST = 42

# FRR 8.4's `vtysh -C` exits 0 on these, although it prints "% Unknown command" for lines of them: a second
# `exit` at the top level reaches vtysh_exit in the enable node, which calls exit(0) (vtysh/vtysh.c) and
# drops the errors. The lines are commands 8.4 does not know (asdot AS numbers, `ip igmp access-list`,
# `ipv6 mld access-list`, `router pim`, `router pim6`); offline they are refused, line by line as vtysh
# prints them, and the verdict says vtysh would exit 0 (Verdict.vtysh_exit_status_zero).
ACCEPTED_BY_AN_EARLY_EXIT = {
    "bgp_asdot_regex__r1__bgpd.conf",
    "multicast_gmp_access_list_topo1__r1__frr.conf",
    "multicast_ssm_topo1__r1__frr.conf",
    "multicast_ssm_topo1__r2__frr.conf",
    "pim_timers__r1__frr.conf",
}


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


@cache
def marked_by_vtysh() -> dict[str, str | None]:
    """`vtysh -m -f FILE` output for every accepted file (None where vtysh refuses), run once."""

    def mark(name: str) -> tuple[str, str | None]:
        run = subprocess.run(["vtysh", "-m", "-f", str(CORPUS / name)], capture_output=True, text=True, check=False)
        return name, run.stdout if run.returncode == 0 else None

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(mark, accepted()))


def vtysh_marks(name: str, marked: str) -> list[int | str]:
    """Source line numbers in FRR's context order, "X" where FRR closes a context."""
    source = [(number, line.split()) for number, line in enumerate((CORPUS / name).read_text().split("\n"), 1)]
    content = [(number, words) for number, words in source if is_content(" ".join(words))]
    marks: list[int | str] = []
    next_line = 0
    for line in marked.split("\n"):
        if not is_content(line):
            continue
        words = line.split()
        if next_line < len(content) and words == content[next_line][1]:
            marks.append("X" if line.strip() in CLOSERS else content[next_line][0])
            next_line += 1
        else:
            assert words == ["exit"], f"{name}: vtysh printed {line!r}, not in the file"
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
    marked = marked_by_vtysh()
    assert {name for name, output in marked.items() if output is None} == NOT_MARKABLE
    disagreements = {}
    for name, output in marked.items():
        if output is None:
            continue
        ours = model_marks(parse((CORPUS / name).read_text(), name))
        theirs = vtysh_marks(name, output)
        if ours != theirs:
            at = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), len(ours))
            disagreements[name] = f"parser {ours[at : at + 5]} vtysh {theirs[at : at + 5]}"
    assert disagreements == {}
    assert len(marked) - len(NOT_MARKABLE) > 750


# frr-reload.py's table of context keywords knows full keywords only; FRR (and the parser) also
# take abbreviations, and the corpus writes `int` for `interface` in 100 files. Both views expand it.
ABBREVIATION = re.compile(r"^(\s*)int(?=\s)", re.MULTILINE)


def frr_reload() -> ModuleType:
    spec = importlib.util.spec_from_file_location("frr_reload", FRR_RELOAD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its regexes use invalid escapes
        spec.loader.exec_module(module)
    return module


def reload_contexts(reload: ModuleType, marked: str) -> dict[tuple[str, ...], list[str]]:
    """frr-reload.py's own view: its load_from_file and load_contexts on vtysh's marked output."""

    class Marked(reload.Vtysh):  # type: ignore[misc,name-defined]
        def mark_file(self, filename: str, stdin: object = None) -> str:
            return ABBREVIATION.sub(r"\1interface", marked)

    config = reload.Config(Marked())
    config.load_from_file("-")
    return {key: context.lines for key, context in config.contexts.items()}


def model_contexts(reload: ModuleType, name: str) -> dict[tuple[str, ...], list[str]]:
    """The model's contexts in frr-reload.py's shape, through its own normalisation of keys and lines."""
    text = (CORPUS / name).read_text()
    source = ABBREVIATION.sub(r"\1interface", text).split("\n")
    config = reload.Config(None)

    def line_of(item: Item) -> str:
        line = " ".join(source[item.line - 1].split())
        return reload.get_normalized_mac_ip_line(line) if ":" in line else line

    def visit(items: tuple[Item, ...], key: list[str]) -> None:
        lines: list[str] = []
        for item in items:
            if isinstance(item, Block):
                if key:
                    config.save_contexts(key, lines)
                lines = []
                visit(item.items, [*key, line_of(item)])
            elif key:
                lines.append(line_of(item))
            else:
                words = line_of(item).split(" ")
                if words[0] in ("ip", "ipv6") and words[1] == "route" and "vrf" in words:
                    # frr-reload.py files `ip route ... vrf X` under `vrf X`, as FRR prints it.
                    at = words.index("vrf")
                    config.save_contexts([f"vrf {words[at + 1]}"], [" ".join(words[:at] + words[at + 2 :])])
                else:
                    config.save_contexts([" ".join(words)], [])
        if key:
            config.save_contexts(key, lines)

    visit(parse(text, name).items, [])
    return {key: context.lines for key, context in config.contexts.items()}


def test_contexts_and_their_lines_agree_with_frr_reload_view() -> None:
    """Differential test: the contexts frr-reload.py builds from `vtysh -m` equal the model's."""
    reload = frr_reload()
    disagreements = {}
    for name, output in marked_by_vtysh().items():
        if output is None:
            continue
        ours, theirs = model_contexts(reload, name), reload_contexts(reload, output)
        if ours != theirs:
            differing = sorted(set(ours) ^ set(theirs)) or [k for k in ours if ours[k] != theirs[k]]
            disagreements[name] = differing[:3]
    assert disagreements == {}


# ---------------------------------------------------------------- FRR's own verdict, offline (check.py)

_REFUSED = re.compile(r"line ([0-9]+): % [A-Za-z ]+\[([0-9]+)\]", re.ASCII)


@cache
def refused_by_vtysh() -> dict[str, tuple[int, dict[int, str]]]:
    """`vtysh -C -f FILE` on every file: exit status, and the lines it refuses with the node it was in."""

    def run(name: str) -> tuple[str, tuple[int, dict[int, str]]]:
        done = subprocess.run(["vtysh", "-C", "-f", str(CORPUS / name)], capture_output=True, text=True, check=False)
        return name, (done.returncode, {int(line): node for line, node in _REFUSED.findall(done.stderr)})

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, sorted(verdicts())))


@cache
def checked() -> dict[str, Verdict]:
    return {name: check((CORPUS / name).read_text()) for name in verdicts()}


def test_every_line_frr_refuses_is_refused_offline_and_no_other() -> None:
    """Differential test against real FRR: for all 997 files, the refused lines and the node vtysh was in."""
    disagreements = {}
    for name, (_, theirs) in refused_by_vtysh().items():
        ours = {refusal.line: refusal.node_key for refusal in checked()[name].refusals}
        if ours != theirs:
            disagreements[name] = f"offline {sorted(ours.items())[:4]} vtysh {sorted(theirs.items())[:4]}"
    assert disagreements == {}
    assert sum(len(lines) for _, lines in refused_by_vtysh().values()) > 300


def test_vtysh_exit_status_is_predicted_for_every_file() -> None:
    for name, verdict in verdicts().items():
        assert checked()[name].vtysh_exit_status_zero == (verdict == "accepted"), name
        assert (refused_by_vtysh()[name][0] == 0) == (verdict == "accepted"), f"{name}: the recorded verdict is stale"


def test_files_frr_accepts_are_accepted_offline_but_for_an_early_exit() -> None:
    refused = {name for name in accepted() if not checked()[name].accepted}
    assert refused == ACCEPTED_BY_AN_EARLY_EXIT
    for name in refused:
        assert checked()[name].stopped_at is not None
        assert {refusal.line for refusal in checked()[name].refusals} == set(refused_by_vtysh()[name][1])
    assert len(accepted()) - len(refused) == 764
    assert all(checked()[name].unjudged == () for name in accepted() if name not in refused)


def test_files_frr_rejects_are_rejected_offline_each_at_the_first_line_frr_refuses() -> None:
    """What `frr-edge validate` does to a raw snippet (parse_checked: the table, then the grammar)."""
    at: dict[str, int | None] = {}
    for name in rejected():
        try:
            parse_checked((CORPUS / name).read_text(), name)
            at[name] = None
        except FrrSyntaxError as error:
            at[name] = error.line
    first_refused = {name: min(refused_by_vtysh()[name][1]) for name in rejected()}
    assert at == first_refused
    assert len(rejected()) == 228
    assert sum(line is not None for line in at.values()) == 228  # at least 95% asked; grammar alone: 42
