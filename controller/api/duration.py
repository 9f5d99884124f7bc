"""Kubernetes durations (`metav1.Duration`, Go syntax such as "90s" or "1m30s"), in whole seconds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|us|µs|ns|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def seconds(text: str) -> int:
    """The whole number of seconds in a Go duration string; raises ValueError otherwise."""
    if not text or text == "0":
        if text == "0":
            return 0
        raise ValueError("empty duration")
    position = 0
    total = 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(f"{text!r} is not a duration such as 90s or 1m30s")
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
