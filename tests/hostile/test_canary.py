"""Canary secrets pushed through every path of the command line: none may come out (issue 11, item 4).

Each canary is a password or key in a place users put secrets (inline, a Secret's data or stringData, a
BGPPeer, the legacy ConfigMap, a raw snippet in full or abbreviated form), in valid and invalid inputs.
The only output that may hold a secret is the rendered FRR configuration itself, which is what the router
runs; `render --redact` hides it too. The controller's paths (RouterState, Events, logs) are checked in
the e2e tier (tests/operator/test_e2e.py).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.errors import InvalidInput
from controller.frrcfg import FrrSyntaxError, parse_checked
from tests.core.builders import desired
from tests.core.builders import frr_configuration as core_frr_configuration
from tests.hostile.cli import run, write
from tests.hostile.test_kinds import SAMPLE, frr_configuration

CANARY = "Canary7Xq"


def neighbor(password: str) -> str:
    return frr_configuration(
        f"  bgp: {{routers: [{{asn: 64512, neighbors: [{{address: 192.0.2.9, asn: 65000, password: '{password}'}}]}}]}}"
    )


def raw(text: str) -> str:
    return frr_configuration(f"  raw: {{rawConfig: {json.dumps(text)}}}")


SECRET_B64 = base64.b64encode(f"{CANARY}-in base64 with spaces".encode()).decode()

INVALID = {
    "inline password with a space": neighbor(f"{CANARY} two"),
    "inline password too long": neighbor(CANARY * 10),
    "inline password not ascii": neighbor(f"{CANARY}é"),
    "secret stringData with a space": SAMPLE.replace("sample-only-change-me", f"{CANARY} spaced"),
    "secret data with a space": SAMPLE.replace(
        "stringData:\n  password: sample-only-change-me", f"data:\n  password: {SECRET_B64}"
    ),
    "bgppeer password with a space": SAMPLE.replace(
        "  bfdProfile: fast\n  passwordSecret:\n    name: bgp-auth\n    namespace: metallb-system\n",
        f"  bfdProfile: fast\n  password: '{CANARY} x'\n",
    ),
    "bgppeer password beside its secret": SAMPLE.replace(
        "  passwordSecret:\n", f"  password: '{CANARY}'\n  passwordSecret:\n"
    ),
    "raw password line with a syntax error": raw(f"router bgp 64512\n neighbor 192.0.2.1 password {CANARY} extra\n"),
    # The parser stops at the second word of a secret of several: the word it quotes is a secret too.
    "raw password of several words": raw(f"router bgp 64512\n neighbor 192.0.2.1 password first {CANARY} x\n"),
    "raw password with an encryption type": raw(f"router bgp 64512\n neighbor 192.0.2.1 password 7 {CANARY}\n"),
    "raw abbreviated password": raw(f"router bgp 64512\n nei 192.0.2.1 passw {CANARY} x y\n"),
    "raw key-string in a broken key chain": raw(f"key chain k\n key many\n  key-string {CANARY} with spaces\n"),
    "raw ospf key": raw(f"interface eth0\n ip ospf authentication-k {CANARY} 10.0.0.1 junk\n"),
    "raw virtual-link key of two words": raw(
        f"router ospf\n area 0.0.0.1 virtual-link 192.0.2.50 authentication-key {CANARY} x\n"
    ),
    "raw virtual-link md5 key, number out of range": raw(
        f"router ospf\n area 0.0.0.1 virtual-link 192.0.2.50 message-digest-key 300 md5 {CANARY}\n"
    ),
    "raw older ospf key form of two words": raw(f"interface eth0\n ospf message-digest-key 1 md5 {CANARY} x\n"),
    "raw pcep key of two words": raw(f"segment-routing\n traffic-eng\n  pcep\n   pce P\n    tcp-md5-auth {CANARY} x\n"),
    "two passwords for one neighbor": neighbor(CANARY) + "\n---\n" + neighbor(CANARY + "2").replace("extra", "other"),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_no_canary_in_any_error(tmp_path: Path, name: str) -> None:
    text = INVALID[name]
    document = text if text.startswith(SAMPLE[:40]) else SAMPLE + "\n---\n" + text
    path = write(tmp_path, document)
    for argv in (["validate"], ["render", "--output", "json"], ["render", "--output", "all"]):
        result = run(*argv, "-f", str(path))
        assert result.code in (2, 3), (argv, result.output)
        if argv[-1] == "json":
            errors = " ".join(" ".join(router["errors"]) for router in json.loads(result.stdout)["routers"])
            assert CANARY not in errors
        assert CANARY not in result.stderr, argv


def test_a_valid_password_appears_only_in_the_rendered_config_and_not_with_redact(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE + "\n---\n" + neighbor(CANARY))
    validated = run("validate", "-f", str(path))
    assert validated.code == 0 and CANARY not in validated.output
    rendered = run("render", "-f", str(path), "--output", "frr")
    assert rendered.code == 0 and CANARY not in rendered.stderr
    assert [line for line in rendered.stdout.split("\n") if CANARY in line] == [
        f" neighbor 192.0.2.9 password {CANARY}"
    ]
    redacted = run("render", "-f", str(path), "--redact")
    assert redacted.code == 0 and CANARY not in redacted.output
    assert "sample-only-change-me" not in redacted.output and "<redacted>" in redacted.stdout


PARSE = f"""router bgp 64512
 neighbor 192.0.2.1 password {CANARY}a
 nei 192.0.2.2 passw {CANARY}b
 no neighbor 192.0.2.3 password {CANARY}c
exit
key chain k
 key 1
  key-string {CANARY}d
  key-str {CANARY}e
 exit
exit
interface eth0
 ip ospf authentication-k {CANARY}f
 ip ospf message-digest-key 1 md5 {CANARY}g
 isis password md5 {CANARY}h
 ospf authentication-key {CANARY}l
 ospf message-digest-key 2 md5 {CANARY}m
 ip ospf authentication {CANARY}n
 no ip ospf authentication-key {CANARY}o
exit
password {CANARY}i
enable password 8 {CANARY}j
router ospf
 area 0.0.0.1 virtual-link 192.0.2.50 authentication-key {CANARY}p
 area 0.0.0.1 virtual-link 192.0.2.51 authentication message-digest message-digest-key 1 md5 {CANARY}q
 a 0.0.0.1 v 192.0.2.52 a {CANARY}r
 no area 0.0.0.1 virtual-link 192.0.2.53 auth null authentication-key {CANARY}s
exit
segment-routing
 traffic-eng
  pcep
   pce-config GROUP
    tcp-md5-auth {CANARY}t
   exit
   pce PCE1
    address ip 192.0.2.60
    tcp {CANARY}u
   exit
  exit
 exit
exit
"""


@pytest.mark.parametrize("broken", [False, True], ids=["parses", "syntax-error"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_parse_shows_no_secret_in_any_form_vtysh_accepts(tmp_path: Path, broken: bool, as_json: bool) -> None:
    text = PARSE + (
        f"router bgp 64512\n nei 192.0.2.9 passw {CANARY}k\n neighbor 192.0.2.9 timers 5\n" if broken else ""
    )
    path = write(tmp_path, text, "frr.conf")
    result = run("parse", str(path), *(["--json"] if as_json else []))
    assert result.code == (2 if broken else 0), result.output
    assert CANARY not in result.output


# The kind behind the multi-word password canaries: whatever word of a secret a syntax error stops at, its
# message never shows it. Every command redact.py knows a secret in, with the secret of one to four words
# and the rest of the line left for the parser to refuse.
SECRET_LINES = (
    "router bgp 64512\n neighbor 192.0.2.1 password {}\n",
    "router bgp 64512\n nei 192.0.2.1 passw {}\n",
    "key chain k\n key 1\n  key-string {}\n",
    "interface eth0\n ip ospf authentication-key {}\n",
    "interface eth0\n ip ospf message-digest-key 1 md5 {}\n",
    "interface eth0\n ospf authentication-key {}\n",
    "interface eth0\n os mes 1 m {}\n",
    "interface eth0\n ip ospf authentication {}\n",
    "router ospf\n area 0.0.0.1 virtual-link 192.0.2.50 authentication-key {}\n",
    "router ospf\n a 0 v 192.0.2.50 a m message-digest-key 1 md5 {}\n",
    "router ospf\n no area 0 virtual-link 192.0.2.50 auth {}\n",
    "segment-routing\n traffic-eng\n  pcep\n   pce P\n    tcp-md5-auth {}\n",
    "segment-routing\n traffic-eng\n  pcep\n   pce-config G\n    tcp-m {}\n",
)


@given(
    template=st.sampled_from(SECRET_LINES),
    words=st.lists(st.from_regex(r"[A-Za-z0-9]{3,12}", fullmatch=True), min_size=2, max_size=4),
)
def test_no_syntax_error_shows_a_word_of_a_secret(template: str, words: list[str]) -> None:
    """What leaves frr-edge: the parser's message and expectations (`parse`), and the refusal of the raw
    snippet (validate, RouterState, Events, the webhook). The error's own `text` is the raw line, which
    every caller redacts (tests above)."""
    text = template.format(" ".join(f"{CANARY}{word}" for word in words))
    try:
        parse_checked(text, source="rawConfig")
    except FrrSyntaxError as error:
        assert CANARY not in f"{error.message} {' '.join(error.expected)}"
    with pytest.raises(InvalidInput) as refusal:  # a secret of several words: FRR refuses the line
        desired(core_frr_configuration("leak", f"raw: {{rawConfig: {json.dumps(text)}}}"))
    assert "spec.raw.rawConfig" in str(refusal.value) and CANARY not in str(refusal.value)
