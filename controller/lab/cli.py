"""`frr-edge lab ...`: start and stop the labs; each lab adds its own sub-command here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from controller.exits import EXIT_FAILED, EXIT_OK
from controller.lab import cluster, demo, router


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `lab` command group to the top-level parser's sub-commands."""
    lab = commands.add_parser("lab", help="real components on this machine, for tests and demos")
    labs = lab.add_subparsers(dest="lab", required=True, metavar="LAB")
    _add_cluster(labs)
    router.add_commands(labs)
    demo.add_commands(labs)


def _add_cluster(labs: argparse._SubParsersAction[Any]) -> None:
    parser = labs.add_parser("cluster", help="a real kube-apiserver and etcd on loopback")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    start = actions.add_parser("start", help="start etcd and kube-apiserver, write kubeconfigs to DIR")
    start.add_argument("--dir", type=Path, required=True, help="directory for certificates, data, logs")
    start.add_argument(
        "--bin-dir",
        type=Path,
        default=cluster.DEFAULT_BIN_DIR,
        help="directory with etcd, kube-apiserver and kubectl, as printed by scripts/build-cluster.sh"
        f" (default {cluster.DEFAULT_BIN_DIR})",
    )
    start.set_defaults(run=_start_cluster)

    stop = actions.add_parser("stop", help="stop the servers `start` started for DIR")
    stop.add_argument("--dir", type=Path, required=True)
    stop.set_defaults(run=_stop_cluster)


def _start_cluster(args: argparse.Namespace) -> int:
    try:
        running = cluster.start(args.dir, args.bin_dir)
    except cluster.ClusterError as error:
        print(f"frr-edge lab cluster: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"API server:   {running.server}")
    print(f"admin:        export KUBECONFIG={running.kubeconfig}")
    print(f"frr-edge SA:  {running.controller_kubeconfig} ({cluster.CONTROLLER_USER})")
    print(f"kubectl:      {running.bin_dir / 'kubectl'}")
    return EXIT_OK


def _stop_cluster(args: argparse.Namespace) -> int:
    stopped = cluster.stop(args.dir)
    print(f"stopped: {', '.join(stopped)}" if stopped else f"nothing running for {args.dir}")
    return EXIT_OK
