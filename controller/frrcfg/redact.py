"""Secrets out of FRR configuration text, for logs, Events, RouterState, error messages and `parse`.

FRR's CLI takes any unambiguous abbreviation of a keyword (`nei 192.0.2.1 passw S` is `neighbor 192.0.2.1
password S` to vtysh), so secret-bearing commands are matched word by word, each keyword by any prefix of
it, with or without a leading `no` (or `n`). Matching more lines than FRR would accept only hides more; the words
around the secret, and the line's spacing, are kept so a redacted config still parses.

The commands are every FRR 8.4 command definition with a secret argument, as the walk of the command table
in tests/frrcfg/test_redact_table.py finds them (its rule and list are there); a few of other FRR versions too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from controller.errors import REDACTED
from controller.frrcfg.lines import LINE_BREAK, lines

if TYPE_CHECKING:
    from controller.frrcfg.model import Config

__all__ = ["REDACTED", "in_secret", "redact", "redact_at", "redact_line", "secret_spans"]

_ANY = "<any>"  # one word, kept
_SECRET = "<secret>"  # one word, replaced; words FRR allows after it are kept (_TRAILER), others replaced
_REST = "<rest>"  # the rest of the line, replaced: the secret is the command's last argument
_TYPED = "<typed>"  # an optional encryption type (digits, kept) before the secret, then the rest, replaced
_KEY_VALUE = "<key-value>"  # after `key`: a key number or `chain` is kept, anything else is key-string's value
_LAST_WORD = "<last word>"  # one word, replaced when it ends the line; else the pattern does not match
_SEARCH = "<search>"  # the rest of the pattern may start at any later word; every start is tried
# `authentication-key` where FRR also has `authentication` (see _authentication_key): in an interface
# (`ip ospf authentication [<null|message-digest>] [A.B.C.D]`) and in OSPF's virtual-link
# (`authentication [<message-digest|null>]`, then optionally `message-digest-key ...` or `authentication-key ...`).
_INTERFACE_AUTHENTICATION_KEY = "<interface authentication-key>"
_VIRTUAL_LINK_AUTHENTICATION_KEY = "<virtual-link authentication-key>"
_VIRTUAL_LINK_TAIL = 4  # `area X virtual-link A.B.C.D`, then the only place `authentication` may be

Pattern = tuple[str, ...]

# Every command of FRR 8.4 that carries a secret: tests/frrcfg/test_redact_table.py walks the command table
# for them and has FRR's matcher judge random abbreviations and values. A keyword matches any prefix of it
# (`keyword|other`: but the word `other`, a keyword of its own there).
_SECRET_COMMANDS: tuple[Pattern, ...] = (
    ("ipv6", "ospf6", "authentication", "key-id", _ANY, "hash-algo", _ANY, "key", _REST),
    ("ip", "ospf", "message-digest-key", _ANY, "md5", _SECRET),
    ("ip", "ospf", _ANY, "message-digest-key", _ANY, "md5", _SECRET),
    ("ip", "ospf", _INTERFACE_AUTHENTICATION_KEY, _SECRET),
    ("ip", "ospf", _ANY, "authentication-key", _SECRET),
    # The older interface forms, hidden in FRR 8.4 but accepted.
    ("ospf", "message-digest-key", _ANY, "md5", _SECRET),
    ("ospf", "authentication-key", _SECRET),
    # `area X virtual-link A.B.C.D [authentication [message-digest|null]] [message-digest-key N md5 KEY|
    # authentication-key KEY]`.
    ("area", _ANY, "virtual-link", _ANY, _SEARCH, "message-digest-key", _ANY, "md5", _REST),
    ("area", _ANY, "virtual-link", _ANY, _SEARCH, _VIRTUAL_LINK_AUTHENTICATION_KEY, _REST),
    ("ip", "rip", "authentication", "string", _REST),
    ("ip", "nhrp", "authentication", _REST),
    ("ip", "msdp", "peer", _ANY, "source", _ANY, "password", _REST),
    ("neighbor", _ANY, "password", _REST),
    ("enable", "password", _TYPED),
    ("password", _TYPED),
    ("isis", "password", _ANY, _REST),
    ("openfabric", "password", _ANY, _REST),
    # `area` abbreviates `area-password` too: OSPF's `area` is followed by an area ID, never `clear` or `md5`.
    ("area-password", "clear", _SECRET),
    ("area-password", "md5", _SECRET),
    ("domain-password", "clear", _SECRET),
    ("domain-password", "md5", _SECRET),
    # nftables lines start with `tcp` too (`tcp dport 22 accept`) and pass through redact() in tool errors: a
    # `tcp` short enough to be nftables' is the key's keyword only before one last word.
    ("tcp-md5-auth|t|tc|tcp", _REST),
    ("tcp", _LAST_WORD),
    ("snmp-server", "community", _REST),
    # In a key, `key 1` is `key-string 1` to FRR 8.4, but a key chain's `key 1` starts key 1, and FRR writes
    # `key-string` in full: a whole `key` followed by a number is taken for the key number (_KEY_VALUE).
    ("key-string|key", _REST),
    ("key", _KEY_VALUE),
)

_WORD = re.compile(r"[^ \t]+", re.ASCII)
# An IPv4 address as FRR reads one (commands.py's _ipv4), written plainly; FRR also takes `.1.2.3` and `00`,
# which are hidden here: that only hides more.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}", re.ASCII)

# Words FRR allows after a one-word secret: IS-IS's `authenticate snp send-only|validate`, OSPF's address.
# Anything else after the secret (a malformed line, a secret of several words) is hidden with it.
_TRAILER = re.compile(rf"authenticate|snp|send-only|validate|{_IPV4.pattern}", re.ASCII)

Span = tuple[int, int]


def _keyword(element: str, text: str) -> bool:
    """Whether the word is the keyword or an abbreviation FRR takes for it (see _SECRET_COMMANDS)."""
    keyword, *others = element.split("|")
    return keyword.startswith(text) and (text == keyword or text not in others)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _prefix_of(text: str, *keywords: str) -> bool:
    return any(keyword.startswith(text) for keyword in keywords)


def _authentication_key(words: list[re.Match[str]], index: int, *, virtual_link: bool) -> bool:
    """Whether words[index] is `authentication-key` as FRR reads it (lib/command_match.c, commands.py).

    A word that is also `authentication` or a prefix of it is `authentication` when the rest of the line
    completes that command, as its next word (a keyword, an address) outranks the key, a variable: in an
    interface, `[<null|message-digest>] [A.B.C.D]`; in a virtual-link, first after the address, then
    `[<message-digest|null>]` and nothing or the next key (which its own pattern finds). Otherwise it is the
    key: `ip ospf authentication S` sets the key S.
    """
    text = words[index].group()
    if not "authentication-key".startswith(text):
        return False
    if not "authentication".startswith(text) or (virtual_link and index != _VIRTUAL_LINK_TAIL):
        return True
    rest = [word.group() for word in words[index + 1 :]]
    if rest and _prefix_of(rest[0], "null", "message-digest"):
        rest = rest[1:]
    if virtual_link:  # `authentication` reads on only to a complete `message-digest-key N md5 K` or key K
        completes = not rest or (
            len(rest) == 4 and _prefix_of(rest[0], "message-digest-key") and _prefix_of(rest[2], "md5")
        )
        return not (completes or (len(rest) == 2 and _prefix_of(rest[0], "authentication-key")))
    if rest and _IPV4.fullmatch(rest[0]):
        rest = rest[1:]
    return bool(rest)


def _to_end(words: list[re.Match[str]], index: int) -> list[Span]:
    return [(words[index].start(), words[-1].end())] if index < len(words) else []


def _matches(pattern: Pattern, words: list[re.Match[str]], start: int = 0) -> list[Span]:
    """The spans to hide when words[start:] match the pattern, else []."""
    for offset, element in enumerate(pattern):
        index = start + offset
        if element == _SEARCH:
            rest = pattern[offset + 1 :]
            return [span for later in range(index, len(words)) for span in _matches(rest, words, later)]
        if index >= len(words):
            return []
        text = words[index].group()
        if element == _SECRET:
            if all(_TRAILER.fullmatch(other.group()) for other in words[index + 1 :]):
                return [words[index].span()]
            return _to_end(words, index)
        if element == _REST:
            return _to_end(words, index)
        if element == _LAST_WORD:
            return [words[index].span()] if index == len(words) - 1 else []
        if element == _TYPED:
            return _to_end(words, index + 1 if _digits(text) and index + 1 < len(words) else index)
        if element == _KEY_VALUE:
            return [] if _digits(text) or "chain".startswith(text) else _to_end(words, index)
        if element in (_INTERFACE_AUTHENTICATION_KEY, _VIRTUAL_LINK_AUTHENTICATION_KEY):
            if not _authentication_key(words, index, virtual_link=element == _VIRTUAL_LINK_AUTHENTICATION_KEY):
                return []
        elif element != _ANY and not _keyword(element, text):
            return []
    return []


def secret_spans(line: str) -> list[Span]:
    """Where the line's secrets are: sorted, disjoint (start, end) character spans, [] when it has none."""
    words = list(_WORD.finditer(line))
    # `no`, or `n` for it (FRR abbreviates `no` too; `n` may also be `neighbor`: both readings are tried);
    # a line FRR refuses (`no no password S`) is shown in error messages, so every leading one is tried.
    readings = [words]
    while readings[-1] and "no".startswith(readings[-1][0].group()):
        readings.append(readings[-1][1:])
    spans = sorted(span for each in readings for pattern in _SECRET_COMMANDS for span in _matches(pattern, each))
    merged: list[Span] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def in_secret(line: str, start: int, end: int) -> bool:
    """Whether any of the line's characters start:end (0-based, end excluded) belong to a secret."""
    return any(begin < end and start < finish for begin, finish in secret_spans(line))


def redact_line(line: str) -> str:
    """One line with its secrets, if any, replaced by REDACTED."""
    for start, end in reversed(secret_spans(line)):
        line = line[:start] + REDACTED + line[end:]
    return line


def redact_at(line: str, column: int) -> tuple[str, int]:
    """The line redacted, and where its 1-based column lands in it: on REDACTED when it was in a secret, moved
    by what the secrets before it gained or lost otherwise (for an error's caret)."""
    shift = 0
    for start, end in secret_spans(line):
        if column - 1 >= end:
            shift += len(REDACTED) - (end - start)
        elif column - 1 >= start:
            return redact_line(line), start + 1 + shift
    return redact_line(line), column + shift


def redact(config: str | Config) -> str:
    """Configuration text with every secret replaced by REDACTED.

    Works on text that does not parse too, so a broken running config can still be shown.
    """
    text = config if isinstance(config, str) else config.to_text()
    return LINE_BREAK.join(redact_line(line) for line in lines(text))
