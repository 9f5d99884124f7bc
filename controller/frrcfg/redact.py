"""Secrets out of FRR configuration text, for logs, Events and RouterState."""

from __future__ import annotations

import re

from controller.frrcfg.model import Config

REDACTED = "<redacted>"

# Every FRR 8.4 command that prints a secret; the `secret` group is what gets replaced.
_SECRET_LINES = re.compile(
    r"^[ \t]*(?:"
    r"neighbor[ \t]+\S+[ \t]+password[ \t]+(?P<s1>\S+)"
    r"|(?:enable[ \t]+)?password[ \t]+(?:\d[ \t]+)?(?P<s2>\S+)"
    r"|key-string[ \t]+(?P<s3>[^\n]*\S)"
    r"|ip[ \t]+ospf[ \t]+authentication-key[ \t]+(?P<s4>\S+)"
    r"|ip[ \t]+ospf[ \t]+message-digest-key[ \t]+\d+[ \t]+md5[ \t]+(?P<s5>\S+)"
    r"|ipv6[ \t]+ospf6[ \t]+authentication[ \t]+key-id[ \t]+\d+[ \t]+hash-algo[ \t]+\S+[ \t]+key[ \t]+(?P<s6>\S+)"
    r"|(?:isis|openfabric)[ \t]+password[ \t]+(?:clear|md5)[ \t]+(?P<s7>\S+)"
    r"|(?:area|domain)-password[ \t]+(?:clear|md5)[ \t]+(?P<s8>\S+)"
    r"|ip[ \t]+rip[ \t]+authentication[ \t]+string[ \t]+(?P<s9>\S+)"
    r"|ip[ \t]+nhrp[ \t]+authentication[ \t]+(?P<s10>\S+)"
    r"|snmp-server[ \t]+community[ \t]+(?P<s11>\S+)"
    r")",
    re.MULTILINE,
)


def redact(config: str | Config) -> str:
    """Configuration text with every secret replaced by REDACTED.

    Works on text that does not parse too, so a broken running config can still be shown.
    """
    text = config.to_text() if isinstance(config, Config) else config
    return _SECRET_LINES.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    group = next(name for name, value in match.groupdict().items() if value is not None)
    start, end = match.span(group)
    line_start = match.start()
    return match.string[line_start:start] + REDACTED + match.string[end : match.end()]
