"""The ConfigMap `config` of MetalLB <= 0.12, read into the same shape as MetalLB's CRDs."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.errors import InvalidInput, Origin
from controller.metallb.resources import (
    Advertisement,
    BFDProfileSpec,
    BGPAdvertisementSpec,
    BGPPeerSpec,
    Namespace,
    Peer,
    Pool,
    pool_networks,
)


def _selector(legacy: dict[str, Any]) -> dict[str, Any]:
    return {
        "matchLabels": legacy.get("match-labels") or {},
        "matchExpressions": legacy.get("match-expressions") or [],
    }


def _peer(legacy: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "myASN": legacy.get("my-asn"),
        "peerASN": legacy.get("peer-asn"),
        "peerAddress": legacy.get("peer-address"),
        "sourceAddress": legacy.get("source-address"),
        "peerPort": legacy.get("peer-port"),
        "holdTime": legacy.get("hold-time"),
        "keepaliveTime": legacy.get("keepalive-time"),
        "password": legacy.get("password"),
        "bfdProfile": legacy.get("bfd-profile"),
        "ebgpMultiHop": bool(legacy.get("ebgp-multihop", False)),
        "nodeSelectors": [_selector(selector) for selector in legacy.get("node-selectors") or []],
    }
    return {key: value for key, value in spec.items() if value is not None and value != ""}


def read_legacy(origin: Origin, document: dict[str, Any]) -> Namespace:
    """The MetalLB configuration a legacy ConfigMap describes; raises InvalidInput naming the entry."""
    try:
        config = YAML(typ="safe").load(str(document["data"]["config"])) or {}
    except YAMLError as error:
        raise InvalidInput(origin, "data.config", f"not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise InvalidInput(origin, "data.config", "must be a mapping with peers and address-pools")
    namespace = Namespace()
    communities = {str(k): str(v) for k, v in (config.get("bgp-communities") or {}).items()}
    namespace.communities.update(communities)
    path = ""
    try:
        for index, peer in enumerate(config.get("peers") or []):
            path = f"data.config peers[{index}]"
            spec = BGPPeerSpec.model_validate(_peer(peer), by_alias=True)
            namespace.peers.append(Peer(origin, f"config-peer-{index}", spec))
        for index, pool in enumerate(config.get("address-pools") or []):
            path = f"data.config address-pools[{index}]"
            if pool.get("protocol") != "bgp":
                continue
            name = str(pool["name"])
            namespace.pools[name] = Pool(name, {}, pool_networks([str(a) for a in pool.get("addresses") or []]))
            for advertisement in pool.get("bgp-advertisements") or [{}]:
                spec_ad = BGPAdvertisementSpec.model_validate(
                    {
                        "aggregationLength": advertisement.get("aggregation-length"),
                        "aggregationLengthV6": advertisement.get("aggregation-length-v6"),
                        "ipAddressPools": [name],
                    },
                    by_alias=True,
                )
                namespace.advertisements.append(Advertisement(origin, spec_ad))
        for index, profile in enumerate(config.get("bfd-profiles") or []):
            path = f"data.config bfd-profiles[{index}]"
            spec_bfd = {key.replace("-", "_"): value for key, value in profile.items() if key != "name"}
            namespace.bfd_profiles[str(profile["name"])] = BFDProfileSpec.model_validate(spec_bfd)
    except (ValidationError, ValueError, KeyError, TypeError, AttributeError) as error:
        why = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        raise InvalidInput(origin, path, f"cannot be read: {why}") from None
    return namespace
