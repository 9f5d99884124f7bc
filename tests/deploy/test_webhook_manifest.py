"""deploy/webhook.yaml registers the webhook `frr-edge run --webhook-address` serves, and cannot lock users out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
OBJECTS = {d["kind"]: d for d in YAML(typ="safe").load_all(REPO / "deploy" / "webhook.yaml") if d}
DEPLOYMENT: dict[str, Any] = YAML(typ="safe").load(REPO / "deploy" / "controller.yaml")
(CONTAINER,) = DEPLOYMENT["spec"]["template"]["spec"]["containers"]
ARGS = build_parser().parse_args(CONTAINER["args"])
(WEBHOOK,) = OBJECTS["ValidatingWebhookConfiguration"]["webhooks"]


def test_the_configuration_calls_the_service_that_reaches_the_port_frr_edge_serves_on() -> None:
    service = OBJECTS["Service"]
    reference = WEBHOOK["clientConfig"]["service"]
    assert ARGS.webhook_address == ("0.0.0.0", 9443)
    assert (reference["namespace"], reference["name"]) == ARGS.webhook_service
    assert (service["metadata"]["namespace"], service["metadata"]["name"]) == ARGS.webhook_service
    assert reference["path"] == "/validate"
    (port,) = service["spec"]["ports"]
    assert port["port"] == reference["port"]
    (webhook_port,) = [p for p in CONTAINER["ports"] if p["name"] == port["targetPort"]]
    assert webhook_port["containerPort"] == ARGS.webhook_address[1]
    assert service["spec"]["selector"] == DEPLOYMENT["spec"]["selector"]["matchLabels"]


def test_the_secret_and_configuration_are_the_ones_frr_edge_writes() -> None:
    secret = OBJECTS["Secret"]
    assert (secret["metadata"]["namespace"], secret["metadata"]["name"]) == ARGS.webhook_secret
    assert "data" not in secret  # frr-edge fills it; Git never holds the key
    assert OBJECTS["ValidatingWebhookConfiguration"]["metadata"]["name"] == ARGS.webhook_configuration
    assert "caBundle" not in WEBHOOK["clientConfig"]  # frr-edge sets it


def test_an_unavailable_webhook_cannot_lock_anyone_out_and_deletes_are_never_checked() -> None:
    assert WEBHOOK["failurePolicy"] == "Ignore"
    assert WEBHOOK["timeoutSeconds"] <= 5
    assert WEBHOOK["sideEffects"] == "None"  # so that --dry-run=server is checked too
    for rule in WEBHOOK["rules"]:
        assert set(rule["operations"]) == {"CREATE", "UPDATE"}
        assert set(rule["resources"]) == {"routers", "frrconfigurations", "firewallpolicies"}
        assert not any("/" in resource for resource in rule["resources"])  # status writes are not checked
