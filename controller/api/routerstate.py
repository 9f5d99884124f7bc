"""RouterState: what frr-edge last did on a router and what the router really runs (status only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, JsonValue, WithJsonSchema

from controller.api.common import API_VERSION, Condition, Model, ObjectMeta, settings

Result = Literal["Success", "Failed", "Pending", "Skipped"]


class StepResult(Model):
    """The outcome of one step (conversion, reload, firewall apply)."""

    model_config = settings(strict=False)  # status: written by frr-edge from what routers report

    result: Result = Field(description="Success, Failed, Pending or Skipped.")
    message: str = Field(default="", max_length=32768, description="What happened, or why it failed.")
    time: datetime | None = Field(default=None, description="When the step finished.")


class ReloadResult(StepResult):
    """The outcome of the last FRR apply."""

    method: Literal["none", "delta", "frr-reload"] | None = Field(
        default=None,
        description="none (nothing to change), delta (one batched vtysh session) or frr-reload (fallback).",
    )
    duration_seconds: float | None = Field(default=None, ge=0, description="How long the apply took.")


class BGPSession(Model):
    """One BGP session as the router reports it."""

    model_config = settings(strict=False)  # status: written by frr-edge from what routers report

    peer: str = Field(max_length=64, description="Neighbor address or interface.")
    vrf: str = Field(default="default", max_length=64, description="VRF of the session.")
    remote_as: int | None = Field(default=None, description="The neighbor's AS number.")
    state: str = Field(max_length=32, description="BGP state, for example Established or Active.")
    uptime: str = Field(default="", max_length=64, description="Time in the current state.")
    prefixes_received: int | None = Field(default=None, description="Prefixes accepted from the neighbor.")
    prefixes_sent: int | None = Field(default=None, description="Prefixes advertised to the neighbor.")
    owned: bool = Field(default=True, description="Whether frr-edge manages this neighbor.")


# frr-edge's own record of a neighbor, as it rendered it (without its password): read back by frr-edge only.
NeighborRecord = Annotated[
    dict[str, JsonValue], WithJsonSchema({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
]


class Departure(Model):
    """A departed MetalLB speaker whose neighbor frr-edge keeps until its session drops or the grace period ends."""

    model_config = settings(strict=False)  # status: written and read back by frr-edge

    peer: str = Field(max_length=64, description="The speaker's address: the neighbor kept.")
    vrf: str = Field(default="default", max_length=64, description="VRF of the session.")
    since: datetime = Field(description="When frr-edge first found the speaker gone; the grace period counts from it.")
    neighbor: NeighborRecord = Field(
        default_factory=dict,
        description="The neighbor as frr-edge last applied it, without its password (the router's last good "
        "configuration, named by desiredConfigHash, holds it): a controller that starts again keeps it as it was.",
    )


class RouterStateStatus(Model):
    """Observed state of a router."""

    model_config = settings(strict=False)  # status: written by frr-edge from what routers report

    observed_generation: int | None = Field(default=None, description="Router generation last acted upon.")
    conditions: list[Condition] = Field(
        default_factory=list,
        max_length=16,
        description="Ready, Reachable, ConfigValid, Applied, InputsAccepted and Paused conditions.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    conversion: StepResult | None = Field(
        default=None, description="Turning resources into configuration: merge conflicts, invalid input."
    )
    reload: ReloadResult | None = Field(default=None, description="The last FRR apply.")
    firewall: StepResult | None = Field(default=None, description="The last nftables apply.")
    running_config: str = Field(
        default="", max_length=1048576, description="The router's FRR running config, secrets redacted."
    )
    desired_config_hash: str | None = Field(
        default=None,
        max_length=128,
        description="SHA-256 of the last applied desired configuration: the identity of the router's last good "
        "configuration (applied.frr and applied.nft in frr-edge's working directory on the router).",
    )
    host_key_verification: Literal["Pinned", "Ignored"] | None = Field(
        default=None, description="Pinned, or Ignored when the Router opts out of host key checks."
    )
    sessions: list[BGPSession] = Field(
        default_factory=list, max_length=10000, description="BGP sessions on the router."
    )
    sessions_summary: str = Field(
        default="", max_length=32, description="Established sessions / all sessions, for example 3/4."
    )
    last_good_apply_time: datetime | None = Field(default=None, description="Time of the last good apply.")
    departures: list[Departure] = Field(
        default_factory=list,
        max_length=1000,
        description="Departed MetalLB speakers whose neighbors are kept for now, and since when; a controller "
        "that starts again reads them back, so a restart during a grace period changes nothing on the router.",
    )
    pending_changes: str = Field(
        default="",
        max_length=8192,  # router/state.py's PENDING_LIMIT
        description="While the Router is paused (spec.paused): what an apply would change, as `frr-edge diff` "
        "prints it (vtysh commands, the nftables ruleset's diff), secrets redacted, cut at 8 KiB. "
        "Empty when nothing is pending.",
    )


class RouterState(Model):
    """Observed state of one Router, written by frr-edge only."""

    model_config = settings(extra="ignore", strict=False)

    api_version: str = API_VERSION
    kind: Literal["RouterState"] = "RouterState"
    metadata: ObjectMeta
    status: RouterStateStatus | None = None
