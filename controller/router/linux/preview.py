"""What an apply would change on a router, shown before it happens: `frr-edge diff` and a paused Router.

Made from the apply path's own plan (`apply.plan_apply`), so the vtysh commands shown are the lines apply
writes to its delta file and runs in one vtysh session; the nftables change is a unified diff of the
ruleset, loaded as apply loads it: only the changed set and map elements when nothing else changes, else
the whole table, each in one nft transaction. Secrets are redacted. Nothing is written to the router.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from controller.frrcfg.lines import lines
from controller.frrcfg.redact import redact_line
from controller.pipeline import RouterResult
from controller.render.nft import TABLE
from controller.router.linux.apply import ApplyPlan, plan_apply
from controller.router.ssh.commands import APPLIED_NFT
from controller.router.ssh.transport import RouterConnection

# A paused Router's RouterState holds at most this much of the pending changes (status objects stay small).
PENDING_LIMIT = 8192


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
                f"{head} nftables: {added} set and map elements added, {removed} removed, "
                "in one nft transaction:"
            )
            out += self.nft_diff
        elif self.nft_changed:
            out.append(f"{head} nftables: table inet {TABLE} replaced in one nft -f transaction:")
            out += self.nft_diff
        return "".join(f"{line}\n" for line in out)


def _redacted(line: str) -> str:
    # A difference carries its context before `: ` ("router bgp 64512: neighbor X password S: added").
    return ": ".join(redact_line(part) for part in line.split(": "))


def preview_of(name: str, plan: ApplyPlan, nft: str) -> Preview:
    """The preview of an apply plan for a router whose rendered ruleset is `nft`."""
    nft_diff: tuple[str, ...] = ()
    elements: tuple[int, int] | None = None
    if plan.nft_changed:
        delta = plan.nft_delta(nft)
        if delta is not None:
            elements = (delta.added, delta.removed)
        if not plan.nft_present:
            before_name = f"(table inet {TABLE} does not exist on the router)"
            before = ""
        elif plan.nft_loaded is None:
            before_name = f"(no {APPLIED_NFT} on the router: no record of what frr-edge loaded into the table)"
            before = ""
        else:
            before_name = f"{APPLIED_NFT} (the last applied ruleset)"
            before = plan.nft_loaded
        nft_diff = tuple(
            line.rstrip("\n")
            for line in difflib.unified_diff(
                lines(before), lines(nft), fromfile=before_name, tofile="desired ruleset", lineterm="", n=2
            )
        )
    return Preview(name, plan.frr.commands, plan.frr.unsupported, plan.nft_changed, nft_diff, elements)


async def preview(connection: RouterConnection, result: RouterResult) -> Preview:
    """What applying `result` would change; raises InvalidConfiguration or RouterUnreachable, writes nothing."""
    return preview_of(result.name, await plan_apply(connection, result), result.nft)


def bounded(text: str, limit: int = PENDING_LIMIT) -> str:
    """`text` cut at a line boundary to at most `limit` bytes of UTF-8, ending with a note of what was cut."""
    if len(text.encode()) <= limit:
        return text
    every = lines(text.removesuffix("\n"))
    kept: list[str] = []
    size = 0
    note_room = 160
    for line in every:
        size += len(line.encode()) + 1
        if size > limit - note_room:
            break
        kept.append(line)
    left = len(every) - len(kept)
    note = f"# frr-edge: cut at {limit} bytes: {left} more lines; `frr-edge diff` shows them all"
    return "".join(f"{line}\n" for line in kept) + note + "\n"
