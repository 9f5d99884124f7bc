"""The ConfigMap `config` of MetalLB <= 0.12, read into the same shape as MetalLB's CRDs.

The ConfigMap is typed (data is string to string), its `config` key is read with the same bounded YAML
reader as files, and every entry through a typed model of the legacy format; each entry then passes the
same checks as the CRD it became (peer_problem, the pool and BFD models), so nothing from a legacy
ConfigMap reaches a router that its CRD form would not.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controller.api.common import LabelSelector
from controller.errors import InvalidInput, Origin, invalid_input
from controller.kubernetes import ConfigMap
from controller.manifests import ManifestError, read_document
from controller.metallb.resources import (
    Advertisement,
    BFDProfileSpec,
    BGPAdvertisementSpec,
    BGPPeerSpec,
    Namespace,
    Peer,
    community_problem,
    peer_problem,
)
from controller.metallb.resources import pool as make_pool


class _Legacy(BaseModel):
    # Built on first use: only inputs with MetalLB's legacy ConfigMap need these (api/common.py, settings).
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, populate_by_name=True, defer_build=True)


class LegacySelector(_Legacy):
    match_labels: dict[str, str] = Field(default_factory=dict, alias="match-labels")
    match_expressions: list[dict[str, Any]] = Field(default_factory=list, alias="match-expressions")


class LegacyPeer(_Legacy):
    my_asn: int = Field(alias="my-asn")
    peer_asn: int = Field(alias="peer-asn")
    peer_address: str = Field(alias="peer-address")
    source_address: str | None = Field(default=None, alias="source-address")
    peer_port: int | None = Field(default=None, alias="peer-port")
    hold_time: str | None = Field(default=None, alias="hold-time")
    keepalive_time: str | None = Field(default=None, alias="keepalive-time")
    router_id: str | None = Field(default=None, alias="router-id")
    password: str | None = None
    bfd_profile: str | None = Field(default=None, alias="bfd-profile")
    ebgp_multihop: bool = Field(default=False, alias="ebgp-multihop")
    node_selectors: list[LegacySelector] = Field(default_factory=list, alias="node-selectors")


class LegacyAdvertisement(_Legacy):
    aggregation_length: int | None = Field(default=None, alias="aggregation-length")
    aggregation_length_v6: int | None = Field(default=None, alias="aggregation-length-v6")
    localpref: int = 0
    communities: list[str] = Field(default_factory=list)


class LegacyPool(_Legacy):
    name: str = Field(min_length=1)
    protocol: str
    addresses: list[str] = Field(default_factory=list)
    bgp_advertisements: list[LegacyAdvertisement] | None = Field(default=None, alias="bgp-advertisements")


class LegacyBFDProfile(_Legacy):
    name: str = Field(min_length=1)
    receive_interval: int | None = Field(default=None, alias="receive-interval")
    transmit_interval: int | None = Field(default=None, alias="transmit-interval")
    detect_multiplier: int | None = Field(default=None, alias="detect-multiplier")
    echo_interval: int | None = Field(default=None, alias="echo-interval")
    echo_mode: bool | None = Field(default=None, alias="echo-mode")
    passive_mode: bool | None = Field(default=None, alias="passive-mode")
    minimum_ttl: int | None = Field(default=None, alias="minimum-ttl")


class LegacyConfig(_Legacy):
    peers: list[LegacyPeer] = Field(default_factory=list)
    address_pools: list[LegacyPool] = Field(default_factory=list, alias="address-pools")
    bfd_profiles: list[LegacyBFDProfile] = Field(default_factory=list, alias="bfd-profiles")
    bgp_communities: dict[str, str] = Field(default_factory=dict, alias="bgp-communities")


def _selector(legacy: LegacySelector) -> LabelSelector:
    return LabelSelector.model_validate(
        {"matchLabels": legacy.match_labels, "matchExpressions": legacy.match_expressions}
    )


def _peer_spec(peer: LegacyPeer) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "myASN": peer.my_asn,
        "peerASN": peer.peer_asn,
        "peerAddress": peer.peer_address,
        "sourceAddress": peer.source_address,
        "peerPort": peer.peer_port,
        "holdTime": peer.hold_time,
        "keepaliveTime": peer.keepalive_time,
        "routerID": peer.router_id,
        "password": peer.password,
        "bfdProfile": peer.bfd_profile,
        "ebgpMultiHop": peer.ebgp_multihop,
        "nodeSelectors": [_selector(selector) for selector in peer.node_selectors],
    }
    return {key: value for key, value in spec.items() if value is not None and value != ""}


def read_legacy(origin: Origin, document: dict[str, Any]) -> Namespace:
    """The MetalLB configuration a legacy ConfigMap describes; raises InvalidInput naming the entry."""
    try:
        text = ConfigMap.model_validate(document).data["config"]
    except ValidationError as error:
        raise invalid_input(origin, document, error) from None
    try:
        loaded = read_document(text, "data.config")
    except ManifestError as error:
        raise InvalidInput(origin, "data.config", str(error)) from None
    try:
        config = LegacyConfig.model_validate(loaded if loaded is not None else {})
    except ValidationError as error:
        raise invalid_input(origin, loaded, error, prefix="data.config") from None
    namespace = Namespace()
    for name, value in config.bgp_communities.items():
        if (why := community_problem(value)) is not None:
            raise InvalidInput(origin, f"data.config.bgp-communities.{name}", why)
        namespace.communities[name] = value
    path = "data.config"
    try:
        for index, peer in enumerate(config.peers):
            path = f"data.config.peers[{index}]"
            spec = BGPPeerSpec.model_validate(_peer_spec(peer), by_alias=True)
            problem = peer_problem(spec)
            if problem is not None:
                raise InvalidInput(origin, path, problem[1])
            namespace.peers.append(Peer(origin, f"config-peer-{index}", spec, at=path))
        for index, pool in enumerate(config.address_pools):
            path = f"data.config.address-pools[{index}]"
            if pool.protocol != "bgp":
                continue
            namespace.pools[pool.name] = make_pool(pool.name, {}, pool.addresses, origin)
            for advertisement in pool.bgp_advertisements or [LegacyAdvertisement()]:
                spec_ad = BGPAdvertisementSpec(
                    aggregation_length=advertisement.aggregation_length,
                    aggregation_length_v6=advertisement.aggregation_length_v6,
                    local_pref=advertisement.localpref,
                    communities=advertisement.communities,
                    ip_address_pools=[pool.name],
                )
                namespace.advertisements.append(Advertisement(origin, spec_ad))
        for index, profile in enumerate(config.bfd_profiles):
            path = f"data.config.bfd-profiles[{index}]"
            values = profile.model_dump(exclude={"name"}, exclude_none=True)
            namespace.bfd_profiles[profile.name] = BFDProfileSpec.model_validate(values)
    except ValidationError as error:
        raise InvalidInput(origin, path, str(error.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    except ValueError as error:
        raise InvalidInput(origin, path, str(error)) from None
    return namespace
