"""Offline commands: `render`, `validate` and `crds`, for people and for CI pipelines on pull requests.

Exit codes are a contract (controller/exit_codes.py): 0 success, 2 invalid input, 3 merge conflict.
frr-edge builds every command's argument parser at each start-up, so this module imports only the
standard library; a command imports the models, the pipeline and YAML when it runs.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from controller import collector
from controller.exit_codes import EXIT_INVALID, EXIT_OK, exit_code

if TYPE_CHECKING:
    from controller.errors import FrrEdgeError, Origin
    from controller.inputs import Inputs
    from controller.pipeline import RouterResult


def dump_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, deterministic."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    stream = io.StringIO()
    yaml.dump_all(documents, stream)
    return stream.getvalue()


def _load(args: argparse.Namespace) -> Inputs | int:
    from controller.inputs import UnreadableInput, load_paths

    try:
        return load_paths(args.file)
    except UnreadableInput as error:
        print(f"frr-edge: {error}", file=sys.stderr)
        return EXIT_INVALID


# Start-up and the pipeline allocate much and leave no cyclic garbage (collector.py).
@collector.paused()
def _results(args: argparse.Namespace) -> tuple[list[RouterResult], int]:
    from controller.errors import InvalidInput
    from controller.pipeline import render_all

    inputs = _load(args)
    if isinstance(inputs, int):
        return [], inputs
    code = EXIT_OK
    for warning in inputs.warnings:
        print(f"frr-edge: warning: {warning.origin}: {warning.message}", file=sys.stderr)
    for invalid in inputs.invalid:
        print(f"frr-edge: {invalid.error}", file=sys.stderr)
        code = EXIT_INVALID
    cluster = None
    cluster_invalid: list[InvalidInput] = []
    skipped: set[Origin] = set()
    if inputs.others:
        # Objects of other kinds (MetalLB's, Nodes, Pods, Services) make a cluster; without any, MetalLB's
        # models never load unless a Router follows MetalLB (pipeline.py).
        from controller.metallb.resources import read_cluster

        cluster = read_cluster(inputs.others)
        cluster_invalid, skipped = cluster.invalid, {error.origin for error in cluster.skipped}
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
    reported = {str(invalid.error) for invalid in inputs.invalid} | {str(error) for error in cluster_invalid}
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
        from controller.frrcfg.redact import redact

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
    from controller.api.common import GROUP
    from controller.api.crd import KINDS, all_crds

    crds = all_crds()
    if args.write is None:
        sys.stdout.write(dump_yaml(crds))
        return EXIT_OK
    directory = Path(args.write)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for kind, crd in zip(KINDS, crds, strict=True):
            (directory / f"{GROUP}_{kind.plural}.yaml").write_text(dump_yaml([crd]))
    except OSError as error:
        print(f"frr-edge: {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register render, validate and crds."""
    render = commands.add_parser(
        "render",
        help="render each Router's FRR config and nftables ruleset from YAML files",
        description="Read YAML files and directories (multi-document) and print, per Router, its FRR "
        "configuration and nftables ruleset.",
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
        description="The checks of render without the output.",
    )
    validate.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
    validate.add_argument("--router", metavar="NAME", help="only this Router")
    validate.set_defaults(run=_validate)

    crds = commands.add_parser("crds", help="print the CustomResourceDefinitions generated from the models")
    crds.add_argument("--write", metavar="DIR", help="write one file per CRD into DIR instead")
    crds.set_defaults(run=_crds)
