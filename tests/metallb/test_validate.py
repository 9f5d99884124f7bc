"""What MetalLB's config parser refuses across objects, frr-edge refuses too, naming the object and field.

Each case changes samples/metallb the way a user might and expects MetalLB's own refusal (metallb/metallb
internal/config/config.go), so the router never mirrors a configuration MetalLB itself would not run.
"""

from __future__ import annotations

import pytest

from controller.errors import InvalidInput
from tests.metallb.test_derive import router_of, sample_inputs

ADVERTISEMENT = (
    "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: extra, namespace: metallb-system}\n"
)
POOL = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: extra, namespace: metallb-system}\n"
PEER = "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: extra, namespace: metallb-system}\n"
COMMUNITY = "apiVersion: metallb.io/v1beta1\nkind: Community\nmetadata: {name: extra, namespace: metallb-system}\n"


@pytest.mark.parametrize(
    ("extra", "where", "why"),
    [
        (POOL + "spec: {addresses: [203.0.113.32/27]}\n", "IPAddressPool metallb-system/", "overlaps with CIDR"),
        (
            ADVERTISEMENT + "spec: {aggregationLength: 24, serviceSelectors: [{matchLabels: {a: b}}]}\n",
            "BGPAdvertisement metallb-system/extra: spec.aggregationLength",
            "mutually exclusive",
        ),
        (
            ADVERTISEMENT + "spec: {ipAddressPools: [public, public]}\n",
            "BGPAdvertisement metallb-system/extra: spec.ipAddressPools",
            "duplicate definition",
        ),
        (
            ADVERTISEMENT + "spec: {ipAddressPools: [public], communities: ['65000:70000']}\n",
            "BGPAdvertisement metallb-system/extra: spec.communities[0]",
            "out of range",
        ),
        (
            ADVERTISEMENT + "spec: {ipAddressPools: [public], communities: [no-such-alias]}\n",
            "BGPAdvertisement metallb-system/extra: spec.communities[0]",
            "nor a Community alias",
        ),
        (
            ADVERTISEMENT + "spec: {ipAddressPools: [public], localPref: 300}\n",
            "BGPAdvertisement metallb-system/",
            "local preference",
        ),
        (
            COMMUNITY + "spec: {communities: [{name: a, value: 'large:1:2'}]}\n",
            "Community metallb-system/extra: spec.communities[0]",
            "is not a BGP community",
        ),
        (
            PEER + "spec: {myASN: 64513, peerASN: 64512, peerAddress: 10.0.0.1, "
            "nodeSelectors: [{matchExpressions: [{key: kubernetes.io/hostname, operator: NotIn, values: []}]}]}\n",
            "BGPPeer metallb-system/extra: spec.nodeSelectors[0].matchExpressions[0]",
            "operator NotIn needs at least one value",
        ),
        (
            ADVERTISEMENT + "spec: {nodeSelectors: [{matchExpressions: [{key: zone, operator: In}]}]}\n",
            "BGPAdvertisement metallb-system/extra: spec.nodeSelectors[0].matchExpressions[0]",
            "operator In needs at least one value",
        ),
        (
            ADVERTISEMENT
            + "spec: {ipAddressPoolSelectors: [{matchExpressions: [{key: a, operator: Exists, values: [b]}]}]}\n",
            "BGPAdvertisement metallb-system/extra: spec.ipAddressPoolSelectors[0].matchExpressions[0]",
            "operator Exists takes no values",
        ),
        (
            ADVERTISEMENT
            + "spec: {serviceSelectors: [{matchExpressions: [{key: a, operator: DoesNotExist, values: [b]}]}]}\n",
            "BGPAdvertisement metallb-system/extra: spec.serviceSelectors[0].matchExpressions[0]",
            "operator DoesNotExist takes no values",
        ),
    ],
    ids=[
        "overlapping-pools",
        "selectors-and-aggregation",
        "duplicate-pool",
        "community-range",
        "unknown-alias",
        "local-preferences",
        "community-value",
        # Finding 9: selectors Kubernetes' LabelSelectorAsSelector refuses, and MetalLB with it.
        "peer-node-selector-notin-without-values",
        "advertisement-node-selector-in-without-values",
        "pool-selector-exists-with-values",
        "service-selector-doesnotexist-with-values",
    ],
)
def test_what_metallb_refuses_is_refused(extra: str, where: str, why: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        router_of(sample_inputs(extra=extra))
    assert where in str(refused.value) and why in str(refused.value)


def test_an_alias_and_a_valid_community_pass() -> None:
    alias = COMMUNITY + "spec: {communities: [{name: no-export-ish, value: '65535:65281'}]}\n"
    extra = ADVERTISEMENT + "spec: {ipAddressPools: [public], communities: [no-export-ish, 'large:1:2:3']}\n"
    router_of(sample_inputs(extra=alias + "---\n" + extra))
