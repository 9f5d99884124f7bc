"""Secrets out of FRR configuration text, for logs, Events, RouterState, error messages and `parse`.

FRR's CLI takes any unambiguous abbreviation of a keyword (`nei 192.0.2.1 passw S` is `neighbor 192.0.2.1
password S` to vtysh), so secret-bearing commands are matched word by word, each keyword by any prefix of
it, with or without a leading `no`. Matching more lines than FRR would accept only hides more; the words
around the secret, and the line's spacing, are kept so a redacted config still parses.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from controller.errors import REDACTED
from controller.frrcfg.lines import LINE_BREAK, lines

if TYPE_CHECKING:
    from controller.frrcfg.model import Config

__all__ = ["REDACTED", "redact", "redact_line"]

_ANY = "<any>"  # one word, kept
_NUMBER = "<number>"  # one word of digits, kept
_SECRET = "<secret>"  # one word, replaced
_REST = "<rest>"  # the rest of the line, replaced
_KEY_VALUE = "<key-value>"  # after `key`: a key number or `chain` is kept, anything else is key-string's value

# Every FRR 8.4 command that carries a secret, longest forms first (`password 8 X` before `password X`).
_SECRET_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("ipv6", "ospf6", "authentication", "key-id", _ANY, "hash-algo", _ANY, "key", _SECRET),
    ("ip", "ospf", "message-digest-key", _ANY, "md5", _SECRET),
    ("ip", "ospf", _ANY, "message-digest-key", _ANY, "md5", _SECRET),
    ("ip", "ospf", "authentication-key", _SECRET),
    ("ip", "ospf", _ANY, "authentication-key", _SECRET),
    ("ip", "rip", "authentication", "string", _SECRET),
    ("ip", "nhrp", "authentication", _SECRET),
    ("ip", "msdp", "peer", _ANY, "source", _ANY, "password", _SECRET),
    ("neighbor", _ANY, "password", _SECRET),
    ("enable", "password", _NUMBER, _SECRET),
    ("enable", "password", _SECRET),
    ("password", _NUMBER, _SECRET),
    ("password", _SECRET),
    ("isis", "password", _ANY, _SECRET),
    ("openfabric", "password", _ANY, _SECRET),
    ("area-password", _ANY, _SECRET),
    ("domain-password", _ANY, _SECRET),
    ("snmp-server", "community", _SECRET),
    ("key-string", _REST),
    ("key", _KEY_VALUE),
)
# Complete FRR keywords that are also prefixes of a secret command's keyword: FRR matches them exactly
# (`area 0 range ...` is OSPF's `area`, not `area-password`), so they are not abbreviations.
_EXACT_KEYWORDS = frozenset({"key", "area", "domain", "authentication", "message-digest", "ospf"})

_WORD = re.compile(r"[^ \t]+", re.ASCII)
# Words FRR allows after a one-word secret: IS-IS's `authenticate snp send-only|validate`, OSPF's address.
# Anything else after the secret (a malformed line) is hidden with it.
_TRAILER = re.compile(r"authenticate|snp|send-only|validate|[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*", re.ASCII)


def _matches(pattern: tuple[str, ...], words: list[re.Match[str]]) -> tuple[int, int] | None:
    """The span to hide when the words match the pattern, else None."""
    if len(words) < len(pattern):
        return None
    for index, (element, word) in enumerate(zip(pattern, words, strict=False)):
        text = word.group()
        if element == _SECRET:
            after = words[index + 1 :]
            if all(_TRAILER.fullmatch(other.group()) for other in after):
                return word.span()
            return word.start(), words[-1].end()
        if element == _REST:
            return word.start(), words[-1].end()
        if element == _KEY_VALUE:
            if (text.isascii() and text.isdigit()) or "chain".startswith(text):
                return None
            return word.start(), words[-1].end()
        if element == _NUMBER and not (text.isascii() and text.isdigit()):
            return None
        if element not in (_ANY, _NUMBER) and (
            not element.startswith(text) or (text != element and text in _EXACT_KEYWORDS)
        ):
            return None
    return None


def redact_line(line: str) -> str:
    """One line with its secret, if any, replaced by REDACTED."""
    words = list(_WORD.finditer(line))
    if words and words[0].group() == "no":
        words = words[1:]
    for pattern in _SECRET_COMMANDS:
        span = _matches(pattern, words)
        if span is not None:
            return line[: span[0]] + REDACTED + line[span[1] :]
    return line


def redact(config: str | Config) -> str:
    """Configuration text with every secret replaced by REDACTED.

    Works on text that does not parse too, so a broken running config can still be shown.
    """
    text = config if isinstance(config, str) else config.to_text()
    return LINE_BREAK.join(redact_line(line) for line in lines(text))
