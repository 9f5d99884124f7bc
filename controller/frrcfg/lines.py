"""What a line of FRR configuration is, defined once: text split at "\\n" and nowhere else.

vtysh reads a file with fgets, one command per "\\n"; Python's str.splitlines also breaks at "\\r", "\\v",
"\\f", "\\x1c"-"\\x1e", U+0085, U+2028 and U+2029. A raw snippet checked one way and rendered the other
(`log syslog\\rno router bgp 65000`) would be one harmless line to the check and two to the router. So
configuration text frr-edge accepts holds only printable characters, tabs and "\\n", and every part of
frr-edge that splits it into lines calls `lines` (a test keeps it so).
"""

from __future__ import annotations

import re
import unicodedata

LINE_BREAK = "\n"
# Printable ASCII, tabs and line breaks: the whole of nearly every configuration, checked by one regex scan.
_PLAIN = re.compile(r"[\t\n\x20-\x7e]*", re.ASCII)


def lines(text: str) -> list[str]:
    """The lines of configuration text, as vtysh reads them."""
    return text.split(LINE_BREAK)


def first_unprintable(text: str) -> tuple[int, int, str] | None:
    """(line, column, character) of the first character that is neither printable, a tab nor "\\n"."""
    if _PLAIN.fullmatch(text) is not None:
        return None
    for number, line in enumerate(lines(text), start=1):
        for column, char in enumerate(line, start=1):
            if char != "\t" and not char.isprintable():
                return number, column, char
    return None


def check_text(text: str) -> str:
    """The text itself when every character is printable, a tab or "\\n"; raises ValueError saying where not."""
    found = first_unprintable(text)
    if found is not None:
        number, column, char = found
        name = unicodedata.name(char, "a control character").lower()
        raise ValueError(
            f"line {number} column {column}: character U+{ord(char):04X} ({name}) is not allowed: "
            "FRR reads one command per line, made of printable characters and tabs"
        )
    return text
