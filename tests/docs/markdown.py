"""The fenced code blocks of a Markdown page, so a test can run what a page shows."""

from __future__ import annotations

import re
from pathlib import Path

_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def code_blocks(page: Path) -> list[tuple[str, str]]:
    """(info string, text) of every fenced block, in order; the text ends with a newline."""
    return [(match["info"].strip(), match["body"]) for match in _FENCE.finditer(page.read_text())]
