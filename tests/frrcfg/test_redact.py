"""Running config goes into RouterState and logs with every secret replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.frrcfg import REDACTED, FrrSyntaxError, check, parse, redact
from controller.frrcfg.model import NeighborPassword

from .test_corpus import CORPUS, verdicts

RENDERED = Path(__file__).parent / "fixtures" / "rendered.conf"

SECRET_LINES = [
    ("router bgp 1\n neighbor 10.0.0.1 password hunter2\n", "hunter2"),
    ("router bgp 1\n neighbor PG password  two-spaces-before\n", "two-spaces-before"),
    ("mpls ldp\n neighbor 10.0.0.9 password ldp-secret\n", "ldp-secret"),
    ("password zebra-login\n", "zebra-login"),
    ("enable password enable-secret\n", "enable-secret"),
    ("key chain kc\n key 1\n  key-string my key with spaces\n", "my key with spaces"),
    ("interface eth0\n ip ospf authentication-key ospfkey\n", "ospfkey"),
    ("interface eth0\n ip ospf message-digest-key 1 md5 md5-ospf\n", "md5-ospf"),
    ("interface eth0\n ipv6 ospf6 authentication key-id 1 hash-algo sha256 key ospf6key\n", "ospf6key"),
    ("interface eth0\n isis password md5 isis-circuit\n", "isis-circuit"),
    ("router isis A\n area-password clear area-pw authenticate snp validate\n", "area-pw"),
    ("router isis A\n domain-password md5 domain-pw\n", "domain-pw"),
    ("router openfabric A\n domain-password clear fabric-pw\n", "fabric-pw"),
    ("interface eth0\n ip rip authentication string rip-pw\n", "rip-pw"),
    ("interface gre1\n ip nhrp authentication nhrp-pw\n", "nhrp-pw"),
]


@pytest.mark.parametrize(("text", "secret"), SECRET_LINES)
def test_every_kind_of_secret_is_replaced_and_the_rest_kept(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert REDACTED in redacted
    assert redacted.replace(REDACTED, secret) == text


def test_a_parsed_config_is_redacted_through_its_text() -> None:
    config = parse(RENDERED.read_text())
    assert NeighborPassword(peer="192.0.2.11", password="s3cr3t-md5") in (item for _, item in config.walk())
    redacted = redact(config)
    assert "s3cr3t-md5" not in redacted
    assert NeighborPassword(peer="192.0.2.11", password=REDACTED) in (item for _, item in parse(redacted).walk())


def test_text_that_does_not_parse_is_redacted_too() -> None:
    broken = "router bgp 1\n neighbor 10.0.0.1 password hunter2\n neighbor 10.0.0.1 remote-as auto\n"
    assert "hunter2" not in redact(broken)


def test_no_secret_in_the_corpus_survives_redaction() -> None:
    # Every corpus line with a secret keyword followed by a value has the placeholder after it.
    secrets = 0
    for name in verdicts():
        for line in redact((CORPUS / name).read_text()).splitlines():
            words = line.split()
            for keyword in ("password", "key-string", "authentication-key", "md5"):
                if keyword in words[:-1] and words[0] != "no":
                    secrets += 1
                    after = words[words.index(keyword) + 1 :]
                    assert REDACTED in after or after[0] in ("clear", "md5"), f"{name}: {line}"
    assert secrets >= 50


# Hostile tester's finding 10: the secret was replaced as a substring of the message, so
# `password pect xx` gave "unex<redacted>ed <redacted>" and told the secret.
@pytest.mark.parametrize(
    "secret",
    ["pect", "unexpected", "un", "e", "'", "expected", "of", "line"],
)
def test_an_error_message_hides_the_secret_word_and_nothing_else(secret: str) -> None:
    line = f" neighbor 192.0.2.77 password {secret} xx"
    with pytest.raises(FrrSyntaxError) as grammar:
        parse(f"router bgp 64512\n neighbor 192.0.2.77 remote-as 1\n address-family ipv4 unicast\n{line}\n")
    refusal = check(f"router bgp 64512\n{line}\n").refusals[0]
    for message in (grammar.value.message, refusal.message):
        assert message == f"unexpected {REDACTED}", message


def test_a_secret_equal_to_another_word_of_the_line_is_hidden_where_it_is_the_secret() -> None:
    # `192.0.2.1` is the peer and the second word of a password FRR refuses: the refusal is about the password.
    refusal = check("router bgp 64512\n neighbor 192.0.2.1 password x 192.0.2.1\n").refusals[0]
    assert refusal.message == f"unexpected {REDACTED}"
    # A word that is no secret is shown.
    assert check("router bgp 64512\n neighbor 192.0.2.1 remote-as x xx\n").refusals[0].message == "unexpected 'x'"


def test_nftables_rulesets_pass_through_unchanged() -> None:
    """redact() also quotes lines of the nftables file a tool refused (router/linux/tool_errors.py): FRR's
    abbreviations must not eat nftables' words (`tcp dport 22 accept` is not `tcp-md5-auth`)."""
    rulesets = sorted((Path(__file__).parents[1] / "golden").glob("*/*.nft"))
    assert rulesets
    for ruleset in rulesets:
        text = ruleset.read_text()
        assert redact(text) == text, ruleset
