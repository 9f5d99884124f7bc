"""Kubernetes durations (`metav1.Duration`, Go's time.ParseDuration syntax such as "90s" or "1m30s").

ASCII digits only: the API server's CEL `duration()` and Go's parser read nothing else, so neither may this.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(h|ms|m|us|µs|μs|ns|s)", re.ASCII)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9}
_MAX_SECONDS = 2**63 / 1e9  # Go's time.Duration is an int64 of nanoseconds
_MAX_LENGTH = 64


def duration_seconds(text: str) -> float:
    """The seconds of a non-negative Go duration string ("90s", "1m30s", "1.5h", "0"); raises ValueError."""
    if len(text) > _MAX_LENGTH:
        raise ValueError(f"{text[:_MAX_LENGTH]!r}... is not a duration such as 90s or 1m30s")
    if text == "0":
        return 0.0
    body = text[1:] if text.startswith("+") else text
    position = 0
    total = 0.0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            raise ValueError(f"{text!r} is not a duration such as 90s or 1m30s")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not body:
        raise ValueError(f"{text!r} is not a duration such as 90s or 1m30s")
    if total >= _MAX_SECONDS:
        raise ValueError(f"{text!r} is longer than a Kubernetes duration can be")
    return total


def seconds(text: str) -> int:
    """The whole number of seconds in a Go duration string; raises ValueError otherwise."""
    total = duration_seconds(text)
    if abs(total - round(total)) > 1e-9:
        raise ValueError(f"{text!r} is not a whole number of seconds")
    return round(total)


def _check(text: str) -> str:
    seconds(text)
    return text


Duration = Annotated[
    str,
    AfterValidator(_check),
    Field(max_length=32, pattern=r"^([0-9]+(\.[0-9]+)?(h|m|s|ms|us|µs|ns))+$"),
]
