"""The one error the FRR configuration parser raises."""

from __future__ import annotations


class FrrSyntaxError(ValueError):
    """FRR configuration text that FRR would not accept, with where and what was expected."""

    def __init__(
        self, message: str, *, source: str, line: int, column: int, text: str, expected: tuple[str, ...]
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.text = text
        self.expected = expected

    def __str__(self) -> str:
        out = f"{self.source}:{self.line}:{self.column}: {self.message}"
        if self.expected:
            out += f"; expected {' or '.join(self.expected)}"
        caret = " " * (self.column - 1) + "^"
        return f"{out}\n    {self.text}\n    {caret}"
