"""deploy/controller.yaml runs `frr-edge run` as its parser reads it: probes on its port, Lease where RBAC allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENT: dict[str, Any] = YAML(typ="safe").load(REPO / "deploy" / "controller.yaml")
(CONTAINER,) = DEPLOYMENT["spec"]["template"]["spec"]["containers"]


def test_arguments_are_frr_edge_run_with_leader_election() -> None:
    args = build_parser().parse_args(CONTAINER["args"])
    assert args.command == "run"
    assert args.leader_election is True
    assert args.lease_namespace == DEPLOYMENT["metadata"]["namespace"]


def test_probes_and_metrics_port_are_where_frr_edge_run_listens() -> None:
    args = build_parser().parse_args(CONTAINER["args"])
    host, _, port = args.metrics_address.rpartition(":")
    assert host in ("0.0.0.0", "")  # the kubelet probes the Pod's address, not loopback
    (http,) = [p for p in CONTAINER["ports"] if p["name"] == "http"]
    assert http["containerPort"] == int(port)


def test_leader_election_role_covers_the_lease_namespace() -> None:
    args = build_parser().parse_args(CONTAINER["args"])
    documents = YAML(typ="safe").load_all(REPO / "deploy" / "rbac" / "leader-election.yaml")
    (role,) = [d for d in documents if d["kind"] == "Role"]
    assert role["metadata"]["namespace"] == args.lease_namespace
    assert any("leases" in rule["resources"] for rule in role["rules"])
