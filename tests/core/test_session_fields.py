"""One list of a neighbor's session settings, followed by merge and by MetalLB derivation alike.

Every Neighbor field is on exactly one list (api/frrconfiguration.py): a field added to the API without a
decision fails here. Then, for every session field, two FRRConfigurations that configure the same neighbor
with different values are a conflict naming that field, and the same value (or, for the fields that only
count when set, a value on one side only) merges into one neighbor; tests/metallb/test_session_fields.py
holds two BGPPeers reaching one speaker to the same rule.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.api.frrconfiguration import (
    COMBINED_FIELDS,
    IDENTITY_FIELDS,
    IGNORED_FIELDS,
    SESSION_FIELDS,
    SESSION_FIELDS_IF_SET,
    Neighbor,
)
from controller.errors import REDACTED, MergeConflict
from tests.core.builders import desired, frr_configuration

LISTS = (SESSION_FIELDS, SESSION_FIELDS_IF_SET, COMBINED_FIELDS, IDENTITY_FIELDS, IGNORED_FIELDS)

# Two different values of each session field, as YAML flow text; the conflict names the field (the
# password a passwordSecret resolves to is compared, dynamicASN as the remote-as it gives).
DIFFERENT: dict[str, tuple[str, str, str]] = {
    "asn": ("asn: 64513", "asn: 64514", "asn"),
    "dynamicASN": ("asn: 64513", "dynamicASN: external", "asn"),
    "port": ("asn: 64513, port: 179", "asn: 64513, port: 1179", "port"),
    "sourceaddress": ("asn: 64513, sourceaddress: 192.0.2.1", "asn: 64513, sourceaddress: 192.0.2.2", "sourceaddress"),
    "password": ("asn: 64513, password: first-one", "asn: 64513, password: other-one", "password"),
    "passwordSecret": (
        "asn: 64513, passwordSecret: {name: bgp-a}",
        "asn: 64513, passwordSecret: {name: bgp-b}",
        "password",
    ),
    "holdTime": ("asn: 64513, holdTime: 90s", "asn: 64513, holdTime: 30s", "holdTime"),
    "keepaliveTime": ("asn: 64513, keepaliveTime: 10s", "asn: 64513, keepaliveTime: 20s", "keepaliveTime"),
    "connectTime": ("asn: 64513, connectTime: 5s", "asn: 64513, connectTime: 10s", "connectTime"),
    "ebgpMultiHop": ("asn: 64513", "asn: 64513, ebgpMultiHop: true", "ebgpMultiHop"),
    "enableGracefulRestart": ("asn: 64513", "asn: 64513, enableGracefulRestart: true", "enableGracefulRestart"),
    "dualStackAddressFamily": ("asn: 64513", "asn: 64513, dualStackAddressFamily: true", "dualStackAddressFamily"),
    "localASN": ("asn: 64513, localASN: 64600", "asn: 64513, localASN: 64601", "localASN"),
    "bfdProfile": ("asn: 64513, bfdProfile: fast", "asn: 64513, bfdProfile: slow", "bfdProfile"),
    "maximumPrefixes": ("asn: 64513, maximumPrefixes: 100", "asn: 64513, maximumPrefixes: 200", "maximumPrefixes"),
}
# The value each field-only-when-set example sets, and how the merged neighbor shows it.
SET_ON_ONE_SIDE = {
    "bfdProfile": ("asn: 64513, bfdProfile: fast", "bfd_profile", "fast"),
    "maximumPrefixes": ("asn: 64513, maximumPrefixes: 100", "maximum_prefixes", 100),
}
SECRETS = """
apiVersion: v1
kind: Secret
metadata: {name: bgp-a, namespace: default}
type: kubernetes.io/basic-auth
stringData: {password: secret-a}
---
apiVersion: v1
kind: Secret
metadata: {name: bgp-b, namespace: default}
type: kubernetes.io/basic-auth
stringData: {password: secret-b}
"""


def _configuration(name: str, neighbor: str) -> str:
    return frr_configuration(
        name,
        f"""
        bgp:
          routers:
          - asn: 64512
            neighbors: [{{address: 192.0.2.11, {neighbor}}}]
          bfdProfiles: [{{name: fast}}, {{name: slow}}]
        """,
    )


def test_every_neighbor_field_is_on_exactly_one_list() -> None:
    listed = [name for names in LISTS for name in names]
    api_names = {info.alias or name for name, info in Neighbor.model_fields.items()}
    assert len(listed) == len(set(listed)), "a field is on two lists"
    assert set(listed) == api_names, (set(listed) ^ api_names, "each Neighbor field needs a rule for merging")


def test_every_session_field_has_an_example_here() -> None:
    assert set(DIFFERENT) == {*SESSION_FIELDS, *SESSION_FIELDS_IF_SET}


@pytest.mark.parametrize("field", sorted(DIFFERENT))
def test_two_configurations_that_differ_in_a_session_field_conflict_on_it(field: str) -> None:
    first, second, named = DIFFERENT[field]
    with pytest.raises(MergeConflict) as caught:
        desired(_configuration("a", first), _configuration("b", second), SECRETS)
    assert caught.value.field == named
    assert {caught.value.first.name, caught.value.second.name} == {"a", "b"}
    if "password" in named:
        assert "secret-a" not in str(caught.value) and "first-one" not in str(caught.value)
        assert REDACTED in str(caught.value)


@given(field=st.sampled_from(sorted(DIFFERENT)), which=st.sampled_from([0, 1]), order=st.booleans())
def test_the_same_session_settings_merge_into_one_neighbor(field: str, which: int, order: bool) -> None:
    text = DIFFERENT[field][which]
    names = ("a", "b") if order else ("b", "a")
    merged = desired(_configuration(names[0], text), _configuration(names[1], text), SECRETS)
    assert list(merged.frr.routers[""].neighbors) == ["192.0.2.11"]


@pytest.mark.parametrize("field", sorted(SESSION_FIELDS_IF_SET))
@pytest.mark.parametrize("set_first", [True, False])
def test_a_setting_made_in_one_configuration_only_holds(field: str, set_first: bool) -> None:
    text, attribute, value = SET_ON_ONE_SIDE[field]
    documents = [_configuration("a", text), _configuration("b", "asn: 64513")]
    if not set_first:
        documents.reverse()
    neighbor = desired(*documents).frr.routers[""].neighbors["192.0.2.11"]
    assert getattr(neighbor, attribute) == value
