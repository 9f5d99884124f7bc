"""Rate limits in nftables' own words: `<n> <unit>/<period> [burst <n> <unit>]`, parsed and re-rendered.

Nothing a user wrote reaches nft as text: the value is parsed into a RateLimit and printed back from it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

BYTE_UNITS = ("bytes", "kbytes", "mbytes")
PACKET_UNIT = "packets"
PERIODS = ("second", "minute", "hour", "day", "week")
_MAX_VALUE = 2**32 - 1
_UNIT_BYTES = {"bytes": 1, "kbytes": 1024, "mbytes": 1024 * 1024}
_DEFAULT_PACKET_BURST = 5  # NFT_LIMIT_PKT_BURST_DEFAULT
_PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}

# Blanks are ASCII spaces; numbers are ASCII digits (read with int() only once their length is checked).
_RATE = re.compile(
    r" *(?P<value>[0-9]+) *(?P<unit>[a-z]+)? */ *(?P<period>[a-z]+)"
    r"(?: +burst +(?P<burst>[0-9]+) *(?P<burst_unit>[a-z]+)?)? *",
    re.ASCII,
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


@functools.lru_cache(maxsize=1024)
def parse_rate(text: str) -> RateLimit:
    """Parse `2 mbytes/second burst 512 kbytes` or `100/second`; raises RateLimitError saying why not.

    Remembered for the rates last read: thousands of Services usually share a handful of rates.
    """
    match = _RATE.fullmatch(text)
    if match is None:
        raise RateLimitError(
            f"{text!r} is not a rate: expected '<n> <unit>/<period> [burst <n> <unit>]', "
            "for example '2 mbytes/second burst 512 kbytes' or '100 packets/second'"
        )
    value = _number(text, match["value"], "rate")
    unit = match["unit"] or PACKET_UNIT
    period = match["period"]
    if unit not in (*BYTE_UNITS, PACKET_UNIT):
        raise RateLimitError(f"{text!r}: unit {unit!r} is not one of {', '.join((*BYTE_UNITS, PACKET_UNIT))}")
    if period not in PERIODS:
        raise RateLimitError(f"{text!r}: period {period!r} is not one of {', '.join(PERIODS)}")
    burst: int | None = None
    burst_unit: str | None = None
    if match["burst"] is not None:
        burst = _number(text, match["burst"], "burst")
        burst_unit = match["burst_unit"] or PACKET_UNIT
        if burst_unit not in (*BYTE_UNITS, PACKET_UNIT):
            raise RateLimitError(f"{text!r}: burst unit {burst_unit!r} is not one of bytes, kbytes, mbytes, packets")
        if (burst_unit == PACKET_UNIT) != (unit == PACKET_UNIT):
            wanted = "packets" if unit == PACKET_UNIT else "bytes, kbytes or mbytes"
            raise RateLimitError(f"{text!r}: a {unit} rate needs its burst in {wanted}")
    _check_kernel_limits(text, value, unit, period, burst, burst_unit)
    return RateLimit(value, unit, period, burst, burst_unit)


def _number(text: str, digits: str, what: str) -> int:
    if len(digits) > 10 or not 1 <= int(digits) <= _MAX_VALUE:
        raise RateLimitError(f"{text[:64]!r}: the {what} must be between 1 and {_MAX_VALUE}")
    return int(digits)


def _check_kernel_limits(
    text: str, value: int, unit: str, period: str, burst: int | None, burst_unit: str | None
) -> None:
    """What Linux's nft_limit_init (net/netfilter/nft_limit.c) refuses with EOVERFLOW, refused here first.

    The kernel keeps the period in nanoseconds; for byte rates it multiplies it by rate + burst, for packet
    rates it multiplies period / rate by the burst (5 when unset), both in 64 bits. The burst travels as a
    32-bit number of bytes or packets (nft drops a larger one without a word).
    """
    period_ns = _PERIOD_SECONDS[period] * 10**9
    if unit == PACKET_UNIT:
        if period_ns // value * (burst or _DEFAULT_PACKET_BURST) >= 2**64:
            raise RateLimitError(f"{text!r}: too large for the kernel's rate limiter; use a smaller burst")
        return
    rate_bytes = value * _UNIT_BYTES[unit]
    burst_bytes = 0 if burst is None or burst_unit is None else burst * _UNIT_BYTES[burst_unit]
    if burst_bytes > _MAX_VALUE:
        raise RateLimitError(f"{text!r}: the burst must be at most {_MAX_VALUE} bytes (4 GiB)")
    if period_ns * (rate_bytes + burst_bytes) >= 2**64:
        raise RateLimitError(
            f"{text!r}: too large for the kernel's rate limiter; use a shorter period or a smaller rate"
        )
