"""Offline commands: `render`, `validate` and `crds`, for people and for CI pipelines on pull requests.

Exit codes are a contract: 0 success, 2 invalid input, 3 merge conflict.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.api.common import GROUP
from controller.api.crd import KINDS, all_crds
from controller.errors import FrrEdgeError
from controller.exits import EXIT_INVALID, EXIT_OK, exit_code
from controller.frrcfg.redact import redact
from controller.inputs import Inputs, UnreadableInput, load_paths
from controller.metallb.resources import read_cluster
from controller.pipeline import RouterResult, render_all


def dump_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, deterministic."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    stream = io.StringIO()
    yaml.dump_all(documents, stream)
    return stream.getvalue()


def _load(args: argparse.Namespace) -> Inputs | int:
    try:
        return load_paths(args.file)
    except UnreadableInput as error:
        print(f"frr-edge: {error}", file=sys.stderr)
        return EXIT_INVALID


def _results(args: argparse.Namespace) -> tuple[list[RouterResult], int]:
    inputs = _load(args)
    if isinstance(inputs, int):
        return [], inputs
    code = EXIT_OK
    for warning in inputs.warnings:
        print(f"frr-edge: warning: {warning.origin}: {warning.message}", file=sys.stderr)
    for invalid in inputs.invalid:
        print(f"frr-edge: {invalid.error}", file=sys.stderr)
        code = EXIT_INVALID
    cluster = read_cluster(inputs.others)
    for cluster_error in [*cluster.invalid, *cluster.skipped]:
        print(f"frr-edge: {cluster_error}", file=sys.stderr)
        code = EXIT_INVALID
    if args.router is not None:
        # Render only the Router asked for: at scale, every other one would be work thrown away.
        inputs.routers = [router for router in inputs.routers if router.object.metadata.name == args.router]
        if not inputs.routers:
            print(f"frr-edge: no valid Router named {args.router!r} in the input", file=sys.stderr)
            return [], EXIT_INVALID
    results = render_all(inputs, cluster)
    errors: list[FrrEdgeError] = []
    reported = {str(invalid.error) for invalid in inputs.invalid} | {str(error) for error in cluster.invalid}
    skipped = {error.origin for error in cluster.skipped}
    for result in results:
        for warning in result.warnings:
            if warning.reason == "ObjectSkipped" and warning.origin in skipped:
                continue  # reported above as invalid input
            print(f"frr-edge: warning: router {result.name}: {warning}", file=sys.stderr)
        errors += result.errors
        for error in result.errors:
            why = "invalid input above" if str(error) in reported else str(error)
            print(f"frr-edge: router {result.name} not rendered: {why}", file=sys.stderr)
    return results, code if code != EXIT_OK else exit_code(errors)


def _render(args: argparse.Namespace) -> int:
    results, code = _results(args)
    if args.redact:
        for result in results:
            result.frr = redact(result.frr)
    output = args.output
    if output == "json":
        document = {
            "routers": [
                {
                    "name": result.name,
                    "ok": result.ok,
                    "frr": result.frr,
                    "nft": result.nft,
                    "errors": [str(error) for error in result.errors],
                }
                for result in results
            ]
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return code
    for result in results:
        if not result.ok:
            continue
        if output in ("all", "frr"):
            sys.stdout.write(result.frr)
        if output in ("all", "nft"):
            sys.stdout.write(result.nft)
    return code


def _validate(args: argparse.Namespace) -> int:
    _, code = _results(args)
    return code


def _crds(args: argparse.Namespace) -> int:
    crds = all_crds()
    if args.write is None:
        sys.stdout.write(dump_yaml(crds))
        return EXIT_OK
    directory = Path(args.write)
    directory.mkdir(parents=True, exist_ok=True)
    for kind, crd in zip(KINDS, crds, strict=True):
        (directory / f"{GROUP}_{kind.plural}.yaml").write_text(dump_yaml([crd]))
    return EXIT_OK


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register render, validate and crds."""
    render = commands.add_parser(
        "render",
        help="render each Router's FRR config and nftables ruleset from YAML files",
        description="Read YAML files and directories (multi-document) and print, per Router, its FRR "
        "configuration and nftables ruleset. Exit 0 on success, 2 on invalid input, 3 on a merge conflict.",
    )
    render.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
    render.add_argument("--router", metavar="NAME", help="only this Router")
    render.add_argument("--output", choices=("all", "frr", "nft", "json"), default="all", help="what to print")
    render.add_argument(
        "--redact", action="store_true", help="replace passwords and keys with <redacted> (for logs and pull requests)"
    )
    render.set_defaults(run=_render)

    validate = commands.add_parser(
        "validate",
        help="check YAML files like render does, silent on success",
        description="The checks of render without the output. Exit 0 valid, 2 invalid input, 3 merge conflict.",
    )
    validate.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
    validate.add_argument("--router", metavar="NAME", help="only this Router")
    validate.set_defaults(run=_validate)

    crds = commands.add_parser("crds", help="print the CustomResourceDefinitions generated from the models")
    crds.add_argument("--write", metavar="DIR", help="write one file per CRD into DIR instead")
    crds.set_defaults(run=_crds)
