"""CustomResourceDefinitions generated from the pydantic models: the models are the one source of truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from controller.api.common import GROUP, VERSION
from controller.api.firewallpolicy import FirewallPolicySpec
from controller.api.frrconfiguration import FRRConfigurationSpec
from controller.api.router import RouterSpec, RouterStatus
from controller.api.routerstate import RouterStateStatus

# Keywords a structural schema may carry; everything else pydantic emits (title, $defs...) is dropped.
_KEPT = {
    "type",
    "description",
    "default",
    "enum",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "maxProperties",
    "x-kubernetes-validations",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
}


@dataclass(frozen=True)
class Kind:
    """One custom resource kind and how `kubectl` shows it."""

    kind: str
    plural: str
    scope: str
    short_names: list[str]
    description: str
    spec: type[BaseModel] | None
    status: type[BaseModel] | None
    printer_columns: list[dict[str, str]] = field(default_factory=list)


def _condition_column(name: str, condition: str) -> dict[str, str]:
    return {
        "name": name,
        "type": "string",
        "jsonPath": f'.status.conditions[?(@.type=="{condition}")].status',
    }


_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}

KINDS = [
    Kind(
        kind="Router",
        plural="routers",
        scope="Cluster",
        short_names=["rtr"],
        description="An external FRR + nftables router that frr-edge configures over SSH.",
        spec=RouterSpec,
        status=RouterStatus,
        printer_columns=[
            {"name": "Address", "type": "string", "jsonPath": ".spec.address"},
            {"name": "Ownership", "type": "string", "jsonPath": ".spec.frr.ownership"},
            _condition_column("Ready", "Ready"),
            _AGE,
        ],
    ),
    Kind(
        kind="FRRConfiguration",
        plural="frrconfigurations",
        scope="Namespaced",
        short_names=["frrcfg"],
        description="A piece of FRR configuration (FRR-K8s's API) for the Routers its routerSelector selects.",
        spec=FRRConfigurationSpec,
        status=None,
        printer_columns=[
            {"name": "Priority", "type": "integer", "jsonPath": ".spec.raw.priority"},
            _AGE,
        ],
    ),
    Kind(
        kind="FirewallPolicy",
        plural="firewallpolicies",
        scope="Namespaced",
        short_names=["fwp"],
        description="nftables rules for traffic to Service addresses on the Routers its routerSelector selects.",
        spec=FirewallPolicySpec,
        status=None,
        printer_columns=[
            {"name": "Default", "type": "string", "jsonPath": ".spec.defaultAction"},
            _AGE,
        ],
    ),
    Kind(
        kind="RouterState",
        plural="routerstates",
        scope="Cluster",
        short_names=["rtrs"],
        description="What frr-edge last did on a Router and what that router really runs; written by frr-edge.",
        spec=None,
        status=RouterStateStatus,
        printer_columns=[
            _condition_column("Reachable", "Reachable"),
            {"name": "Config", "type": "string", "jsonPath": ".status.conversion.result"},
            {"name": "Reload", "type": "string", "jsonPath": ".status.reload.result"},
            {"name": "Sessions", "type": "string", "jsonPath": ".status.sessionsSummary"},
            _AGE,
        ],
    ),
]


def _structural(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Turn one pydantic JSON-schema node into a structural OpenAPI v3 schema node."""
    node = dict(node)
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
        merged = {**target, **node}
        return _structural(merged, defs)
    if "anyOf" in node and not node.get("x-kubernetes-int-or-string"):
        choices = [choice for choice in node.pop("anyOf") if choice.get("type") != "null"]
        if len(choices) != 1:
            raise ValueError(f"cannot express a union of {choices} in a structural schema")
        merged = _structural(choices[0], defs)
        if node.get("default") is None:
            node.pop("default", None)
        return {**merged, **{key: value for key, value in node.items() if key in _KEPT}}
    if node.get("x-kubernetes-int-or-string"):
        node.pop("anyOf", None)
        node.pop("type", None)
    result: dict[str, Any] = {key: value for key, value in node.items() if key in _KEPT}
    if result.get("default") is None:
        result.pop("default", None)
    if node.get("type") == "object" or "properties" in node:
        result["type"] = "object"
        properties = node.get("properties", {})
        if properties:
            result["properties"] = {name: _structural(sub, defs) for name, sub in properties.items()}
        required = [name for name in node.get("required", []) if name in properties]
        if required:
            result["required"] = required
        additional = node.get("additionalProperties")
        if isinstance(additional, dict):
            result["additionalProperties"] = _structural(additional, defs)
    if node.get("type") == "array":
        result["items"] = _structural(node["items"], defs)
    return result


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The structural schema of a model, as an OpenAPI v3 node."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs = raw.pop("$defs", {})
    return _structural(raw, defs)


def crd(kind: Kind) -> dict[str, Any]:
    """The CustomResourceDefinition manifest of one kind."""
    properties: dict[str, Any] = {
        "apiVersion": {"type": "string", "description": "APIVersion of this object."},
        "kind": {"type": "string", "description": "Kind of this object."},
        "metadata": {"type": "object"},
    }
    required = []
    if kind.spec is not None:
        properties["spec"] = schema_of(kind.spec)
        if kind.kind == "Router":
            required.append("spec")
    if kind.status is not None:
        properties["status"] = schema_of(kind.status)
    root: dict[str, Any] = {"type": "object", "description": kind.description, "properties": properties}
    if required:
        root["required"] = required
    version: dict[str, Any] = {
        "name": VERSION,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": root},
        "subresources": {"status": {}},
        "additionalPrinterColumns": kind.printer_columns,
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
                "plural": kind.plural,
                "singular": kind.kind.lower(),
                "shortNames": kind.short_names,
                "categories": ["frr-edge"],
            },
            "scope": kind.scope,
            "versions": [version],
        },
    }


def all_crds() -> list[dict[str, Any]]:
    """Every CRD, in a stable order."""
    return [crd(kind) for kind in KINDS]
