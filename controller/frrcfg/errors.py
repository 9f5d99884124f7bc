"""The one error the FRR configuration parser raises."""

from __future__ import annotations


class FrrSyntaxError(ValueError):
    """FRR configuration text that FRR would not accept, with where and what was expected."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        line: int,
        column: int,
        text: str,
        expected: tuple[str, ...],
        caret: int | None = None,
    ) -> None:
        """`column` is where the problem is in the file (1-based); `caret` where it is in `text` when that is
        not the file's line as it is (redacted), else the same."""
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.text = text
        self.expected = expected
        self.caret = column if caret is None else caret

    def __str__(self) -> str:
        out = f"{self.source}:{self.line}:{self.column}: {self.message}"
        if self.expected:
            out += f"; expected {' or '.join(self.expected)}"
        caret = " " * (self.caret - 1) + "^"
        return f"{out}\n    {self.text}\n    {caret}"
