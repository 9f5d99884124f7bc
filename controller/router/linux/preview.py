"""What an apply would change on a router, shown before it happens: `frr-edge diff` and a paused Router.

Made from the apply path's own plan (`apply.plan_apply`), so the vtysh commands shown are the lines apply
writes to its delta file and runs in one vtysh session; the nftables change is a unified diff of the
ruleset, loaded as apply loads it: only the changed set and map elements when nothing else changes, else
the whole table, each in one nft transaction. Secrets are redacted. Nothing is written to the router.
"""

from __future__ import annotations

import difflib

from controller.frrcfg.lines import lines
from controller.pipeline import RouterResult
from controller.render.nft import TABLE
from controller.router.linux.apply import ApplyPlan, plan_apply
from controller.router.outcome import Preview
from controller.router.ssh.commands import APPLIED_NFT
from controller.router.ssh.transport import RouterConnection


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
