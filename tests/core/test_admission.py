"""The admission verdict, without an API server: given the objects a cluster holds, when this one is created or
changed, it is admitted or refused as `frr-edge validate` judges the result, naming what breaks which Router."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from textwrap import dedent
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from controller.admission import review
from controller.cli import main
from controller.inputs import load_paths
from controller.manifests import read_documents
from tests.core.builders import ROUTER, firewall_policy, frr_configuration, resources

REPO = Path(__file__).resolve().parents[2]
LAB = "routerSelector: {matchLabels: {site: lab}}\n"


def document(text: str) -> dict[str, Any]:
    (first,) = [d.value for d in read_documents(dedent(text), "candidate.yaml") if d.value is not None]
    assert isinstance(first, dict)
    return first


def neighbor(name: str, address: str = "192.0.2.50", asn: int = 64600, extra: str = "") -> str:
    spec = f"{LAB}bgp: {{routers: [{{asn: 64512, neighbors: [{{address: {address}, asn: {asn}{extra}}}]}}]}}"
    return frr_configuration(name, spec)


def test_a_conflicting_configuration_is_refused_naming_both_objects_the_field_and_the_router() -> None:
    verdict = review(resources(ROUTER, neighbor("team-a")), document(neighbor("team-b", asn=64601)), None)

    assert not verdict.allowed
    assert verdict.message == (
        "FRRConfiguration default/team-b would break router edge-1: FRRConfiguration default/team-a and "
        "FRRConfiguration default/team-b conflict on router edge-1 neighbor 192.0.2.50 (vrf default) asn: "
        "64600 (from default/team-a) != 64601 (from default/team-b)"
    )


def test_a_configuration_that_agrees_or_selects_no_router_is_admitted() -> None:
    existing = resources(ROUTER, neighbor("team-a"))

    assert review(existing, document(neighbor("team-b", address="192.0.2.51")), None).allowed
    elsewhere = neighbor("team-c", asn=64601).replace("site: lab", "site: other")
    assert review(existing, document(elsewhere), None).allowed


def test_an_update_is_judged_against_the_others_not_against_its_own_old_version() -> None:
    existing = resources(ROUTER, neighbor("team-a"))

    changed = review(existing, document(neighbor("team-a", asn=64601)), document(neighbor("team-a")))

    assert changed.allowed, changed.message


def test_a_router_already_broken_by_others_does_not_block_an_unrelated_change_nor_the_fix() -> None:
    existing = resources(ROUTER, neighbor("team-a"), neighbor("team-b", asn=64601))
    unrelated = neighbor("team-c", address="192.0.2.51")

    admitted = review(existing, document(unrelated), None)
    fix = review(existing, document(neighbor("team-b")), document(neighbor("team-b", asn=64601)))

    assert admitted.allowed
    assert admitted.warnings == (
        "router edge-1 is already not rendered, not because of this object: FRRConfiguration default/team-a and "
        "FRRConfiguration default/team-b conflict on router edge-1 neighbor 192.0.2.50 (vrf default) asn: 64600 "
        "(from default/team-a) != 64601 ...",
    )
    assert fix.allowed and fix.warnings == ()


def test_a_conflict_hidden_behind_an_existing_one_is_admitted_with_a_warning() -> None:
    one = neighbor("team-p", address="192.0.2.51", extra=", password: pw-one-7")
    two = neighbor("team-q", address="192.0.2.51", extra=", password: pw-two-8")

    alone = review(resources(ROUTER, neighbor("team-a"), one), document(two), None)
    behind = review(resources(ROUTER, neighbor("team-a"), neighbor("team-b", asn=64601), one), document(two), None)

    assert not alone.allowed and "<redacted>" in alone.message
    assert "pw-one-7" not in alone.message and "pw-two-8" not in alone.message
    # The router's first error is team-a/team-b's, older than team-q: the router is already held on its last
    # good configuration, and the controller reports what remains once that is fixed.
    assert behind.allowed and behind.warnings


def test_a_raw_snippet_frr_would_refuse_is_refused_naming_its_field() -> None:
    raw = frr_configuration("raw", f'{LAB}raw: {{rawConfig: "router bgp 64512\\n neighbor 192.0.2.60 remote-as"}}')

    verdict = review(resources(ROUTER), document(raw), None)

    assert not verdict.allowed
    assert "FRRConfiguration default/raw: spec.raw.rawConfig: line 2" in verdict.message


def test_removing_what_another_configuration_refers_to_is_refused_naming_the_other() -> None:
    declared = frr_configuration("declares", f"{LAB}bgp: {{routers: [{{asn: 64512, prefixes: [203.0.113.0/24]}}]}}")
    refers = frr_configuration(
        "refers",
        f"{LAB}bgp: {{routers: [{{asn: 64512, neighbors: [{{address: 192.0.2.50, asn: 64600, "
        "toAdvertise: {allowed: {prefixes: [203.0.113.0/24]}}}]}]}",
    )
    emptied = frr_configuration("declares", f"{LAB}bgp: {{routers: [{{asn: 64512}}]}}")

    verdict = review(resources(ROUTER, declared, refers), document(emptied), document(declared))

    assert not verdict.allowed
    assert verdict.message.startswith("FRRConfiguration default/declares would break router edge-1: ")
    assert "FRRConfiguration default/refers" in verdict.message


def test_a_router_relabelled_into_a_conflict_is_refused() -> None:
    other = neighbor("team-x", asn=64999).replace("{site: lab}", "{team: x}")
    before = ROUTER.replace("labels: {site: lab}", "labels: {site: other, team: x}")
    after = ROUTER.replace("labels: {site: lab}", "labels: {site: lab, team: x}")

    verdict = review(resources(before, neighbor("team-a"), other), document(after), document(before))

    assert not verdict.allowed
    assert verdict.message.startswith("Router edge-1 would be left without a valid configuration: ")
    assert "team-a" in verdict.message and "team-x" in verdict.message


def test_firewall_policies_that_disagree_are_refused() -> None:
    drop = firewall_policy("drop", f"{LAB}defaultAction: drop")

    verdict = review(resources(ROUTER, drop), document(firewall_policy("accept", f"{LAB}defaultAction: accept")), None)

    assert not verdict.allowed
    assert "FirewallPolicy default/accept and FirewallPolicy default/drop conflict" in verdict.message


def test_a_configuration_conflicting_with_what_metallb_derives_is_refused_naming_the_derived_object() -> None:
    existing = load_paths([REPO / "samples" / "metallb"])
    clash = frr_configuration(
        "clash",
        "routerSelector: {matchLabels: {frr-edge.dev/site: dc1}}\n"
        "bgp: {routers: [{asn: 64512, neighbors: [{address: 10.0.0.11, asn: 64999}]}]}",
    )

    verdict = review(existing, document(clash), None)

    assert not verdict.allowed
    assert "FRRConfiguration default/clash would break router edge-dc1" in verdict.message
    assert "metallb-edge-dc1" in verdict.message and "64999" in verdict.message


def test_other_kinds_are_not_judged() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}}

    assert review(resources(ROUTER), service, None).allowed


# The webhook's verdict is the offline `frr-edge validate` verdict: over generated sets of configurations that
# validate cleanly, a new or changed one is admitted exactly when validate accepts the set with it.

ADDRESSES = ("192.0.2.50", "192.0.2.51")


@st.composite
def configurations(draw: st.DrawFn, name: str) -> str:
    kind = draw(st.sampled_from(["frr", "frr", "frr", "policy", "raw"]))
    site = draw(st.sampled_from(["lab", "lab", "other"]))
    selector = f"routerSelector: {{matchLabels: {{site: {site}}}}}\n"
    if kind == "policy":
        action = draw(st.sampled_from(["drop", "accept"]))
        return firewall_policy(name, f"{selector}defaultAction: {action}")
    if kind == "raw":
        line = draw(st.sampled_from(["remote-as 64700", "remote-as", "description raw"]))
        return frr_configuration(
            name, f'{selector}raw: {{rawConfig: "router bgp 64512\\n neighbor 192.0.2.60 {line}"}}'
        )
    fields = [
        f"address: {draw(st.sampled_from(ADDRESSES))}",
        f"asn: {draw(st.sampled_from([64600, 64601]))}",
    ]
    hold = draw(st.sampled_from([None, "90s", "180s"]))
    if hold is not None:
        fields.append(f"holdTime: {hold}")
    password = draw(st.sampled_from([None, "pw-one", "pw-two"]))
    if password is not None:
        fields.append(f"password: {password}")
    router_asn = draw(st.sampled_from([64512, 64512, 64513]))
    return frr_configuration(
        name, f"{selector}bgp: {{routers: [{{asn: {router_asn}, neighbors: [{{{', '.join(fields)}}}]}}]}}"
    )


def validate(directory: Path, *documents: str) -> int:
    for number, text in enumerate(documents):
        (directory / f"{number}.yaml").write_text(dedent(text))
    with contextlib.redirect_stderr(io.StringIO()):
        code = main(["validate", "-f", str(directory)])
    for path in directory.glob("*.yaml"):
        path.unlink()
    return code


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    existing=st.lists(st.integers(0, 5), min_size=0, max_size=3, unique=True).flatmap(
        lambda numbers: st.tuples(*(configurations(f"c{n}") for n in numbers))
    ),
    candidate_name=st.sampled_from(["c0", "c1", "new"]),
    data=st.data(),
)
def test_the_webhook_admits_exactly_what_validate_accepts(
    existing: tuple[str, ...], candidate_name: str, data: st.DataObject
) -> None:
    candidate = data.draw(configurations(candidate_name))
    kept = [text for text in existing if f"name: {candidate_name}\n" not in text]
    replaced = next((text for text in existing if f"name: {candidate_name}\n" in text), None)
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        assume(validate(directory, ROUTER, *existing) == 0)

        offline = validate(directory, ROUTER, *kept, candidate)
        verdict = review(resources(ROUTER, *existing), document(candidate), document(replaced) if replaced else None)

    assert verdict.allowed == (offline == 0), (offline, verdict)
    if not verdict.allowed:
        assert f"/{candidate_name}" in verdict.message or f"default/{candidate_name}:" in verdict.message
