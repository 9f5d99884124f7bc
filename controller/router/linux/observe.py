"""Read what a router really runs: FRR running config (redacted) and BGP sessions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.api.routerstate import BGPSession
from controller.frrcfg import FrrSyntaxError, parse
from controller.frrcfg.redact import redact
from controller.router.frr.plan import owned_peers
from controller.router.linux.apply import read_running
from controller.router.outcome import Observation
from controller.router.ssh.transport import RouterConnection

_FAMILIES = ("ipv4Unicast", "ipv6Unicast")


class _PeerSummary(BaseModel):
    """One peer of FRR's `show bgp vrf all summary json`, as far as frr-edge reads it."""

    model_config = ConfigDict(extra="ignore")

    remote_as: int | None = Field(default=None, alias="remoteAs")
    state: str = "Unknown"
    peer_uptime: str = Field(default="", alias="peerUptime")
    prefixes_received: int = Field(default=0, alias="pfxRcd")
    prefixes_sent: int = Field(default=0, alias="pfxSnt")


class _FamilySummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    peers: dict[str, Any] = Field(default_factory=dict)


def sessions_from_json(summary: dict[str, Any], owned: set[str]) -> list[BGPSession]:
    """BGP sessions from `show bgp vrf all summary json`, one per peer and VRF (families merged).

    What the router sends is read through typed models; a part that does not fit them is left out.
    """
    sessions: dict[tuple[str, str], BGPSession] = {}
    for vrf, families in sorted(summary.items()):
        if not isinstance(families, dict):
            continue
        for family in _FAMILIES:
            try:
                peers = _FamilySummary.model_validate(families.get(family) or {}).peers
            except ValidationError:
                continue
            for peer, data in sorted(peers.items()):
                try:
                    read = _PeerSummary.model_validate(data)
                except ValidationError:
                    continue
                known = sessions.get((vrf, peer))
                sessions[(vrf, peer)] = BGPSession(
                    peer=peer,
                    vrf=vrf,
                    remote_as=read.remote_as,
                    state=read.state,
                    uptime=read.peer_uptime,
                    prefixes_received=read.prefixes_received + (known.prefixes_received or 0 if known else 0),
                    prefixes_sent=read.prefixes_sent + (known.prefixes_sent or 0 if known else 0),
                    owned=peer in owned,
                )
    return list(sessions.values())


@dataclass
class RunningConfigReading:
    """One router's running config as last observed: redacted, and the peers frr-edge owns in it.

    Most runs find the config they found before; redacting 2,000 neighbors' config each run took a tenth of
    the controller's CPU over a bench_scale.py round (py-spy). Kept per router (SshBackend), one text only.
    """

    running: str | None = None
    redacted: str = ""
    owned: frozenset[str] = frozenset()

    def of(self, running: str) -> tuple[str, frozenset[str]]:
        if running != self.running:
            try:
                owned = frozenset(owned_peers(parse(running, source="running configuration")))
            except FrrSyntaxError:
                owned = frozenset()
            self.running, self.redacted, self.owned = running, redact(running), owned
        return self.redacted, self.owned


async def observe(connection: RouterConnection, reading: RunningConfigReading | None = None) -> Observation:
    """Read the router's state; changes nothing. `reading`: the router's last reading, to reuse."""
    running = await read_running(connection)
    redacted, owned = (reading or RunningConfigReading()).of(running)
    shown = await connection.run(connection.commands.show_sessions)
    try:
        summary = json.loads(shown.stdout) if shown.ok and shown.stdout.strip() else {}
    except json.JSONDecodeError:
        summary = {}
    return Observation(redacted, sessions_from_json(summary, set(owned)))
