"""What nft, vtysh and frr-reload.py really printed (fixtures/tool-output, from capture_tool_output.py) becomes
file, line and kind; nothing the tools quoted (a root-only file, an admin's rule, a password) gets through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from controller.router.linux.apply import keys_refused
from controller.router.linux.tool_errors import (
    MAX_SHOWN,
    TCP_MD5_REFUSED,
    Problem,
    describe,
    nft_problems,
    reload_problems,
    vtysh_problems,
)
from controller.router.ssh.commands import CANDIDATE_FRR, CANDIDATE_NFT, DELTA

OUTPUTS = Path(__file__).parent / "fixtures" / "tool-output"
# Text only the tools' quotes hold: the root-only canary file, an admin's include file, a BGP password.
QUOTED_ONLY = ("CANARY-SECRET-LINE", "$6$", "ADMIN-RULE-TEXT", "CANARY-BGP-PASSWORD")

EXPECTED = {
    "nft-list-missing-table": "exit status 1: No such file or directory",
    "nft-check-syntax-error": "exit status 1: candidate.nft line 6 [tcp dport 22 acept]: syntax error",
    "nft-check-unknown-identifier": (
        "exit status 1: candidate.nft line 6 [ip saddr $bgp_peers accept]: unknown identifier"
    ),
    "nft-check-conflicting-intervals": (
        "exit status 1: candidate.nft line 7 [elements = { 10.0.0.0/8, 10.1.0.0/16 }]: conflicting intervals specified"
    ),
    "nft-check-include-syntax-error": "exit status 1: /etc/frr-edge/include.d/capture-bad.nft line 1: syntax error",
    "nft-check-include-missing": (
        'exit status 1: candidate.nft line 6 [include "/etc/frr-edge/include.d/capture-missing.nft"]: File not found; '
        "candidate.nft line 9: syntax error"
    ),
    "nft-check-include-root-only": (
        'exit status 1: candidate.nft line 6 [include "/etc/frr-edge-capture-canary"]: '
        "Could not open file: Permission denied; candidate.nft line 9: syntax error"
    ),
    "nft-check-include-root-only-as-root": "exit status 1: a file outside /etc/frr-edge/include.d: syntax error",
    "nft-check-symlink": "exit status 1: candidate.nft: Could not open file: Permission denied",
    "nft-apply-missing-chain": (
        'exit status 1: candidate.nft line 6 [iifname "pub0" jump nochain]: '
        "Could not process rule: No such file or directory"
    ),
    "vtysh-check-errors": (
        "exit status 3: candidate.frr line 6 [neighbor 192.0.2.11 remote-ass 64513]: Unknown command; "
        "candidate.frr line 7 [neighbor 192.0.2.11 remote-as]: Command incomplete; "
        "candidate.frr line 8 [neighbor 192.0.2.11 d]: Ambiguous command"
    ),
    "vtysh-check-symlink": "exit status 11: candidate.frr: cannot open the file: Permission denied",
    "vtysh-check-symlink-as-root": "exit status 2: candidate.frr line 1: Unknown command",
    "vtysh-delta-refused": (
        "exit status 2: delta.vtysh line 3 [neighbor 192.0.2.11 timers 5 1]: refused by bgpd; "
        "delta.vtysh line 4 [neighbor 192.0.2.11 remote-ass 64513]: Unknown command; "
        "configuration failed (validation): Invalid prefix range; Specify remote-as or peer-group commands first"
    ),
    "vtysh-show-no-daemons": "exit status 1: failed to connect to any daemons",
    "frr-reload-refused": "exit status 0: configuration failed (validation): Invalid prefix range",
    "frr-reload-unknown-command": "exit status 1: candidate.frr: vtysh failed to read the new configuration",
    "frr-reload-symlink": "exit status 1: candidate.frr: vtysh failed to read the new configuration",
}


def captured(name: str) -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load((OUTPUTS / f"{name}.yaml").read_text())
    return document


def output(document: dict[str, Any]) -> str:
    return "\n".join(part for part in (document["stderr"], document["stdout"]) if part)


def summary(name: str) -> str:
    """The message frr-edge's apply makes of one captured run, with the files it rendered for quoting."""
    document = captured(name)
    workdir, files = document["workdir"], document["files"]
    if name.startswith("nft-"):
        problems = nft_problems(output(document), workdir, [CANDIDATE_NFT])
    elif name.startswith("vtysh-"):
        lines_of = CANDIDATE_FRR if "-C" in document["command"] else DELTA if "-f" in document["command"] else None
        problems = vtysh_problems(output(document), workdir, lines_of)
    else:
        problems = reload_problems(output(document), workdir, CANDIDATE_FRR)
    return describe(problems, document["exit_status"], files)


def test_every_captured_output_has_an_expected_summary() -> None:
    assert sorted(path.stem for path in OUTPUTS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_refusal_reads_as_file_line_and_kind(name: str) -> None:
    assert summary(name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_a_tool_quoted_gets_through(name: str) -> None:
    said = summary(name)

    assert not [text for text in QUOTED_ONLY if text in said]


def test_the_canary_is_in_what_root_printed_and_not_in_the_summary() -> None:
    # Root's nft and vtysh (the sudo rules before) quoted the root-only file; the summary still does not.
    for name in ("nft-check-include-root-only-as-root", "vtysh-check-symlink-as-root"):
        assert "CANARY-SECRET-LINE" in output(captured(name))
        assert "CANARY-SECRET-LINE" not in summary(name)


def test_a_quoted_line_that_looks_like_an_error_is_not_read_as_one() -> None:
    document = captured("nft-check-include-syntax-error")
    forged = "/var/lib/frr-edge/frr-edge/candidate.nft:99:1-1: Error: File not found: FORGED"
    text = output(document).replace("tcp dport 22 acept comment ADMIN-RULE-TEXT", forged)

    problems = nft_problems(text, document["workdir"], [CANDIDATE_NFT])

    assert problems == [Problem("/etc/frr-edge/include.d/capture-bad.nft", 1, "syntax error")]


def test_a_message_of_a_kind_not_known_is_only_refused() -> None:
    text = "/w/candidate.nft:3:1-9: Error: something new about 'root:SECRET'\n"

    assert nft_problems(text, "/w", [CANDIDATE_NFT]) == [Problem(CANDIDATE_NFT, 3, "refused")]


def test_a_line_of_our_own_file_is_quoted_redacted() -> None:
    rendered = {CANDIDATE_FRR: captured("vtysh-check-errors")["files"][CANDIDATE_FRR]}

    said = describe([Problem(CANDIDATE_FRR, 5, "Unknown command")], 2, rendered)

    assert said == "exit status 2: candidate.frr line 5 [neighbor 192.0.2.11 password <redacted>]: Unknown command"


def test_only_the_first_problems_are_listed() -> None:
    problems = [Problem(DELTA, line, "Unknown command") for line in range(1, MAX_SHOWN + 4)]

    said = describe(problems, 2)

    assert said.endswith("delta.vtysh line 5: Unknown command; 3 more")


def test_vtyshs_unreadable_vtysh_conf_is_not_an_error() -> None:
    # Users in group frrvty cannot read /etc/frr/vtysh.conf on Debian; vtysh says so on every run.
    text = captured("vtysh-check-symlink")["stderr"].splitlines()[0]

    assert describe(vtysh_problems(text, "/w", CANDIDATE_FRR), 1) == (
        "exit status 1: no error frr-edge recognises (the tool's output is not shown: it may quote files)"
    )


# `vtysh -f delta.vtysh` of FRR 8.4.4 in a namespace with net.core.optmem_max=100 (router lab, 2 neighbors of
# 3 with passwords; the passwords replaced by the canary): bgpd kept each line, the kernel refused each key.
KEYS_DELTA = (
    "router bgp 64512\n"
    " neighbor 2001:db8::1000 remote-as 64513\n"
    " neighbor 2001:db8::1000 password CANARY-BGP-PASSWORD\n"
    " neighbor 2001:db8::1001 remote-as 64513\n"
    " neighbor 2001:db8::1001 password CANARY-BGP-PASSWORD\n"
    "exit\n"
)
KEYS_OUTPUT = (
    "% Error while applying TCP-Sig to session(s)\n"
    "% Error while applying TCP-Sig to session(s)\n"
    "line 3: Failure to communicate[13] to bgpd, line:  neighbor 2001:db8::1000 password CANARY-BGP-PASSWORD\n\n"
    "line 5: Failure to communicate[13] to bgpd, line:  neighbor 2001:db8::1001 password CANARY-BGP-PASSWORD\n"
)


def test_keys_the_kernel_refused_are_named_by_neighbor_without_the_password() -> None:
    warning = keys_refused(KEYS_OUTPUT, "/home/frr-edge/frr-edge", KEYS_DELTA)

    assert warning is not None
    assert warning.startswith("bgpd could not install the TCP MD5 key of 2 neighbors (2001:db8::1000, 2001:db8::1001)")
    assert TCP_MD5_REFUSED in warning
    assert "CANARY" not in warning
    problems = vtysh_problems(KEYS_OUTPUT, "/home/frr-edge/frr-edge", DELTA)
    assert Problem(None, None, TCP_MD5_REFUSED) in problems
    assert "CANARY" not in describe(problems, 13, {DELTA: KEYS_DELTA})


def test_a_refusal_that_is_not_only_keys_is_no_key_warning() -> None:
    """Anything else refused too (here the remote-as line), or no key refused at all: the usual fallback."""
    other = KEYS_OUTPUT + "line 2: Failure to communicate[13] to bgpd, line:  neighbor 2001:db8::1000 remote-as 64513\n"
    assert keys_refused(other, "/home/frr-edge/frr-edge", KEYS_DELTA) is None
    only_lines = KEYS_OUTPUT.replace("% Error while applying TCP-Sig to session(s)\n", "")
    assert keys_refused(only_lines, "/home/frr-edge/frr-edge", KEYS_DELTA) is None
    no_lines = "% Error while applying TCP-Sig to session(s)\n"
    assert keys_refused(no_lines, "/home/frr-edge/frr-edge", KEYS_DELTA) is None
