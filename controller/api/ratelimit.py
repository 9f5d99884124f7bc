"""Rate limits in nftables' own words: `<n> <unit>/<period> [burst <n> <unit>]`, parsed and re-rendered.

Nothing a user wrote reaches nft as text: the value is parsed into a RateLimit and printed back from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BYTE_UNITS = ("bytes", "kbytes", "mbytes")
PACKET_UNIT = "packets"
PERIODS = ("second", "minute", "hour", "day", "week")
_MAX_VALUE = 2**32 - 1

_RATE = re.compile(
    r"^\s*(?P<value>\d+)\s*(?P<unit>[a-z]+)?\s*/\s*(?P<period>[a-z]+)"
    r"(?:\s+burst\s+(?P<burst>\d+)\s*(?P<burst_unit>[a-z]+)?)?\s*$"
)


class RateLimitError(ValueError):
    """A rate limit that is not in nft's limit syntax; the message says what is wrong."""


@dataclass(frozen=True, slots=True, order=True)
class RateLimit:
    """A parsed rate: `value unit/period`, with an optional burst in `burst_unit`."""

    value: int
    unit: str
    period: str
    burst: int | None = None
    burst_unit: str | None = None

    def nft(self) -> str:
        """The limit expression body as nft prints it, e.g. `rate over 2 mbytes/second burst 512 kbytes`."""
        if self.unit == PACKET_UNIT:
            text = f"rate over {self.value}/{self.period}"
        else:
            text = f"rate over {self.value} {self.unit}/{self.period}"
        if self.burst is not None:
            text += f" burst {self.burst} {self.burst_unit}"
        return text

    def __str__(self) -> str:
        text = f"{self.value} {self.unit}/{self.period}"
        if self.burst is not None:
            text += f" burst {self.burst} {self.burst_unit}"
        return text


def parse_rate(text: str) -> RateLimit:
    """Parse `2 mbytes/second burst 512 kbytes` or `100/second`; raises RateLimitError saying why not."""
    match = _RATE.match(text)
    if match is None:
        raise RateLimitError(
            f"{text!r} is not a rate: expected '<n> <unit>/<period> [burst <n> <unit>]', "
            "for example '2 mbytes/second burst 512 kbytes' or '100 packets/second'"
        )
    value = int(match["value"])
    unit = match["unit"] or PACKET_UNIT
    period = match["period"]
    if unit not in (*BYTE_UNITS, PACKET_UNIT):
        raise RateLimitError(f"{text!r}: unit {unit!r} is not one of {', '.join((*BYTE_UNITS, PACKET_UNIT))}")
    if period not in PERIODS:
        raise RateLimitError(f"{text!r}: period {period!r} is not one of {', '.join(PERIODS)}")
    if not 1 <= value <= _MAX_VALUE:
        raise RateLimitError(f"{text!r}: the rate must be between 1 and {_MAX_VALUE}")
    burst: int | None = None
    burst_unit: str | None = None
    if match["burst"] is not None:
        burst = int(match["burst"])
        burst_unit = match["burst_unit"] or PACKET_UNIT
        if burst_unit not in (*BYTE_UNITS, PACKET_UNIT):
            raise RateLimitError(f"{text!r}: burst unit {burst_unit!r} is not one of bytes, kbytes, mbytes, packets")
        if (burst_unit == PACKET_UNIT) != (unit == PACKET_UNIT):
            wanted = "packets" if unit == PACKET_UNIT else "bytes, kbytes or mbytes"
            raise RateLimitError(f"{text!r}: a {unit} rate needs its burst in {wanted}")
        if not 1 <= burst <= _MAX_VALUE:
            raise RateLimitError(f"{text!r}: the burst must be between 1 and {_MAX_VALUE}")
    return RateLimit(value, unit, period, burst, burst_unit)
