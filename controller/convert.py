"""`frr-edge convert`: FRR-K8s FRRConfigurations (frrk8s.metallb.io/v1beta1) as frr-edge FRRConfigurations.

The spec moves unchanged (`bgp`, `raw`), except `nodeSelector`: it selects Kubernetes nodes by their labels,
and a Router is not a node. Reusing node labels for Routers would configure whichever Routers happen to
carry such a label, so the Routers are chosen by the user (`--router-selector`, kubectl's label selector
syntax; an empty selector selects every Router, and has to be written out as `--router-selector ''`).

frr-edge builds every command's argument parser at each start-up, so this module imports only the
standard library at its top; the functions import the models and YAML when they run.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from controller.exit_codes import EXIT_INVALID, EXIT_OK

if TYPE_CHECKING:
    from controller.api import LabelSelector
    from controller.errors import Origin

# Metadata that describes the FRR-K8s object in its cluster, not the configuration it holds.
_KEPT_METADATA = ("name", "namespace", "labels", "annotations")
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class SelectorError(ValueError):
    """A label selector that kubectl would not take either."""


_KEY = r"(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?"
_EQUALITY = re.compile(rf" *({_KEY}) *(==|=|!=) *({_VALUE}) *", re.ASCII)
_SET = re.compile(rf" *({_KEY}) +(in|notin) *\(([^()]*)\) *", re.ASCII)
_EXISTS = re.compile(rf" *(!?) *({_KEY}) *", re.ASCII)
_SET_VALUE = re.compile(rf" *({_VALUE}) *", re.ASCII)


def _requirements(text: str) -> list[str]:
    """The comma-separated requirements of a selector; commas inside `in (a,b)` do not separate."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def parse_selector(text: str) -> LabelSelector:
    """A kubectl label selector (`site=dc1,tier in (edge,core),!legacy`) as a LabelSelector.

    `k=v` and `k==v` become matchLabels; `k!=v`, `in`, `notin`, `k` and `!k` become matchExpressions.
    Raises SelectorError naming the requirement it cannot read.
    """
    from pydantic import ValidationError

    from controller.api import LabelSelector

    labels: dict[str, str] = {}
    expressions: list[dict[str, Any]] = []
    if text.strip():
        for requirement in _requirements(text):
            if match := _EQUALITY.fullmatch(requirement):
                key, operator, value = match.groups()
                if operator == "!=":
                    expressions.append({"key": key, "operator": "NotIn", "values": [value]})
                elif labels.setdefault(key, value) != value:
                    raise SelectorError(f"{requirement.strip()!r}: {key} is given two values")
            elif match := _SET.fullmatch(requirement):
                key, operator, listed = match.groups()
                values = [_SET_VALUE.fullmatch(value) for value in listed.split(",")]
                if not all(values):
                    raise SelectorError(f"{requirement.strip()!r}: values are label values separated by commas")
                kept = [value.group(1) for value in values if value is not None]
                expressions.append({"key": key, "operator": "In" if operator == "in" else "NotIn", "values": kept})
            elif match := _EXISTS.fullmatch(requirement):
                negated, key = match.groups()
                expressions.append({"key": key, "operator": "DoesNotExist" if negated else "Exists"})
            else:
                raise SelectorError(
                    f"{requirement.strip()!r} is not a label selector requirement "
                    "(key=value, key!=value, key in (a,b), key notin (a,b), key, !key)"
                )
    try:
        return LabelSelector.model_validate({"matchLabels": labels, "matchExpressions": expressions})
    except ValidationError as error:
        raise SelectorError(str(error.errors()[0]["msg"])) from None


def convert(document: dict[str, Any], router_selector: LabelSelector) -> dict[str, Any]:
    """The frr-edge FRRConfiguration for one FRR-K8s FRRConfiguration document (not validated here).

    `spec.nodeSelector` is dropped and `router_selector` takes its place; status and the metadata of the
    FRR-K8s object (uid, resourceVersion, managedFields, its last-applied annotation) are left behind.
    A metadata, annotations or spec that is not a mapping (YAML gives null, a scalar or a list just as
    easily) is passed on as it is, for the schema check to name.
    """
    from controller.api.common import API_VERSION

    metadata = _without(document.get("metadata", {}), lambda key: key not in _KEPT_METADATA)
    if isinstance(metadata, dict) and "annotations" in metadata:
        annotations = _without(metadata["annotations"], lambda key: key == _LAST_APPLIED)
        if annotations == {}:
            del metadata["annotations"]
        else:
            metadata["annotations"] = annotations
    spec = _without(document.get("spec", {}), lambda key: key == "nodeSelector")
    if isinstance(spec, dict):
        spec["routerSelector"] = router_selector.model_dump(by_alias=True, exclude_defaults=True)
    return {"apiVersion": API_VERSION, "kind": "FRRConfiguration", "metadata": metadata, "spec": spec}


def _without(value: Any, dropped: Callable[[Any], bool]) -> Any:
    """A mapping without the keys `dropped` says; any other value unchanged."""
    if not isinstance(value, dict):
        return value
    return {key: item for key, item in value.items() if not dropped(key)}


def _frrk8s_configurations(paths: list[str]) -> list[tuple[Origin, dict[str, Any]]]:
    """Every FRR-K8s FRRConfiguration in the files and directories, `kind: List` items included."""
    from controller.errors import Origin
    from controller.inputs import FRRK8S_API_VERSION, yaml_files
    from controller.manifests import read_file

    found: list[tuple[Origin, dict[str, Any]]] = []

    def visit(value: Any, path: str, index: int) -> None:
        if not isinstance(value, dict):
            return
        if str(value.get("kind", "")).endswith("List") and isinstance(value.get("items"), list):
            for item in value["items"]:
                visit(item, path, index)
        elif value.get("apiVersion") == FRRK8S_API_VERSION and value.get("kind") == "FRRConfiguration":
            metadata = value.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else {}
            namespace, name = str(metadata.get("namespace", "default")), str(metadata.get("name", "<no name>"))
            origin = Origin("FRRConfiguration", namespace, name, path, index)
            found.append((origin, value))

    for file in yaml_files(paths):
        for document in read_file(file):
            visit(document.value, str(file), document.index)
    return found


def _convert(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from controller.api import FRRConfiguration
    from controller.errors import invalid_input
    from controller.inputs import FRRK8S_API_VERSION
    from controller.manifests import ManifestError
    from controller.offline import dump_yaml

    try:
        selector = parse_selector(args.router_selector)
    except SelectorError as error:
        print(f"frr-edge: --router-selector: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        found = _frrk8s_configurations(args.file)
    except ManifestError as error:
        print(f"frr-edge: {error}", file=sys.stderr)
        return EXIT_INVALID
    if not found:
        print(f"frr-edge: no FRR-K8s FRRConfiguration ({FRRK8S_API_VERSION}) in the input", file=sys.stderr)
        return EXIT_INVALID
    converted, code = [], EXIT_OK
    for origin, document in found:
        spec = document.get("spec")
        if isinstance(spec, dict) and spec.get("nodeSelector"):
            print(
                f"frr-edge: note: {origin}: spec.nodeSelector selected nodes and is dropped; "
                "the Routers are the ones --router-selector selects",
                file=sys.stderr,
            )
        result = convert(document, selector)
        try:
            FRRConfiguration.model_validate(result)
        except ValidationError as error:
            print(f"frr-edge: {invalid_input(origin, result, error)}", file=sys.stderr)
            code = EXIT_INVALID
            continue
        converted.append(result)
    sys.stdout.write(dump_yaml(converted))
    return code


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register convert."""
    command = commands.add_parser(
        "convert",
        help="print frr-edge FRRConfigurations for FRR-K8s ones (frrk8s.metallb.io/v1beta1)",
        description="Read YAML files and directories and print, for every FRR-K8s FRRConfiguration, the "
        "frr-edge FRRConfiguration with the same spec and the given routerSelector in place of nodeSelector "
        "(a node's labels say nothing about Routers). Each result is checked against frr-edge's schema; "
        "an error names the object and field of one that fails. Check them with your Routers with "
        "`frr-edge validate`.",
    )
    command.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
    command.add_argument(
        "--router-selector",
        required=True,
        metavar="SELECTOR",
        help="the Routers the configurations apply to, in kubectl's label selector syntax (site=dc1,tier in "
        "(edge)); '' selects every Router",
    )
    command.set_defaults(run=_convert)
