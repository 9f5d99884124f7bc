"""What a Backend returns and raises (backend.py): the vocabulary between the flow and any kind of router.

RouterState (state.py), the controller (operator/reconcile.py) and the CLI (apply_cli.py, diff_cli.py) read
these and nothing of a backend's own modules; each backend (linux/ today) makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from controller.api.routerstate import BGPSession
from controller.errors import FrrEdgeError
from controller.frrcfg.redact import redact_line
from controller.render.nft import TABLE


class RouterUnreachable(FrrEdgeError):
    """The router could not be reached or did not answer in time."""


class RouterBusy(RouterUnreachable):
    """Another writer held the router lock for the whole wait; the message names it."""


class InvalidConfiguration(FrrEdgeError):
    """The rendered configuration (a raw snippet, usually) is not valid FRR syntax; nothing was sent."""


class ConfigRejected(FrrEdgeError):
    """The router refused the configuration; what ran before is running again."""


Method = Literal["none", "delta", "frr-reload"]


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What one apply did."""

    method: Method
    frr_changed: bool
    nft_changed: bool
    delta_commands: int
    seconds: float
    message: str
    nft_elements: tuple[int, int] | None = None  # (added, removed) when nft got only changed elements
    # What the router runs as rendered but cannot carry out (the kernel refused TCP MD5 keys), for a Warning.
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """The router as it is now."""

    running_config: str  # redacted
    sessions: list[BGPSession]

    @property
    def sessions_summary(self) -> str:
        established = sum(1 for session in self.sessions if session.state == "Established")
        return f"{established}/{len(self.sessions)}"


@dataclass(frozen=True, slots=True)
class Preview:
    """The changes an apply would make on one router."""

    router: str
    frr_commands: tuple[str, ...]  # the delta, as apply runs it
    frr_unsupported: tuple[str, ...]  # what the delta cannot express: apply would run frr-reload.py
    nft_changed: bool
    nft_diff: tuple[str, ...]  # unified diff lines, last applied ruleset -> desired ruleset
    nft_elements: tuple[int, int] | None = None  # (added, removed) when apply would load only those elements

    @property
    def changed(self) -> bool:
        return bool(self.frr_commands or self.frr_unsupported or self.nft_changed)

    def summary(self) -> str:
        """One line for a condition message: how much would change."""
        if not self.changed:
            return "nothing to change"
        parts = []
        if self.frr_unsupported:
            parts.append(f"FRR through frr-reload.py ({len(self.frr_unsupported)} changes the delta cannot express)")
        elif self.frr_commands:
            parts.append(f"{len(self.frr_commands)} vtysh commands")
        if self.nft_elements is not None:
            added, removed = self.nft_elements
            parts.append(f"table inet {TABLE}: {added} elements added, {removed} removed")
        elif self.nft_changed:
            parts.append(f"table inet {TABLE} replaced")
        return " and ".join(parts)

    def text(self) -> str:
        """The changes as people read them, secrets redacted; empty when nothing would change."""
        head = f"# frr-edge diff: router {self.router}:"
        out: list[str] = []
        if self.frr_unsupported:
            out.append(
                f"{head} FRR: the delta cannot express every change, so apply would run frr-reload.py with the "
                "whole desired configuration; what differs:"
            )
            out += [_redacted(line) for line in self.frr_unsupported]
            if self.frr_commands:
                out.append(f"{head} FRR: and, as vtysh commands, the changes the delta can express:")
        elif self.frr_commands:
            out.append(f"{head} FRR: {len(self.frr_commands)} vtysh commands, run in one vtysh session:")
        out += [redact_line(line) for line in self.frr_commands]
        if self.nft_elements is not None:
            added, removed = self.nft_elements
            out.append(
                f"{head} nftables: {added} set and map elements added, {removed} removed, in one nft transaction:"
            )
            out += self.nft_diff
        elif self.nft_changed:
            out.append(f"{head} nftables: table inet {TABLE} replaced in one nft -f transaction:")
            out += self.nft_diff
        return "".join(f"{line}\n" for line in out)


def _redacted(line: str) -> str:
    # A difference carries its context before `: ` ("router bgp 64512: neighbor X password S: added").
    return ": ".join(redact_line(part) for part in line.split(": "))
