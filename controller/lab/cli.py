"""`frr-edge lab ...`: start and stop the labs; each lab adds its own sub-command here.

frr-edge builds every command's argument parser at each start-up, so this module imports no lab: a
command imports its lab when it runs (the router lab pulls in pydantic, the cluster lab cryptography).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from controller.exit_codes import EXIT_FAILED, EXIT_OK
from controller.lab import DEFAULT_BIN_DIR, ROUTER_LAB_NEEDS_ROOT


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `lab` command group to the top-level parser's sub-commands."""
    lab = commands.add_parser("lab", help="real components on this machine, for tests and demos")
    labs = lab.add_subparsers(dest="lab", required=True, metavar="LAB")
    _add_cluster(labs)
    _add_router(labs)
    _add_demo(labs)


def _add_cluster(labs: argparse._SubParsersAction[Any]) -> None:
    parser = labs.add_parser("cluster", help="a real kube-apiserver and etcd on loopback")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    start = actions.add_parser("start", help="start etcd and kube-apiserver, write kubeconfigs to DIR")
    start.add_argument("--dir", type=Path, required=True, help="directory for certificates, data, logs")
    start.add_argument(
        "--bin-dir",
        type=Path,
        default=DEFAULT_BIN_DIR,
        help="directory with etcd, kube-apiserver and kubectl, as printed by scripts/build-cluster.sh"
        f" (default {DEFAULT_BIN_DIR})",
    )
    start.set_defaults(run=_start_cluster)

    stop = actions.add_parser("stop", help="stop the servers `start` started for DIR")
    stop.add_argument("--dir", type=Path, required=True)
    stop.set_defaults(run=_stop_cluster)


def _start_cluster(args: argparse.Namespace) -> int:
    from controller.lab import cluster

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
    from controller.lab import cluster

    stopped = cluster.stop(args.dir)
    print(f"stopped: {', '.join(stopped)}" if stopped else f"nothing running for {args.dir}")
    return EXIT_OK


def _add_router(labs: argparse._SubParsersAction[Any]) -> None:
    parser = labs.add_parser("router", help="FRR, OpenSSH and nftables in network namespaces")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="create the namespaces and start FRR, sshd and the servers")
    start.add_argument("--dir", type=Path, required=True, help="directory for keys, manifests, logs")
    start.add_argument("--speakers", type=int, default=2, help="number of speaker namespaces (default 2)")
    start.set_defaults(run=_start_router)
    stop = actions.add_parser("stop", help="stop what `start` started for DIR and remove what it created")
    stop.add_argument("--dir", type=Path, required=True)
    stop.set_defaults(run=_stop_router)


def _start_router(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        print(f"frr-edge lab router: {ROUTER_LAB_NEEDS_ROOT}", file=sys.stderr)
        return EXIT_FAILED
    from controller.lab import router

    try:
        lab = router.start(args.dir, args.speakers)
    except router.LabError as error:
        print(f"frr-edge lab router: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"router:     ssh -i {lab.ssh_key} {lab.user}@{lab.management_address} (namespace {lab.router_namespace})")
    print(f"manifest:   {lab.router_manifest} (Router {router.ROUTER_NAME} with its SSH key Secret)")
    print(f"speakers:   {', '.join(f'{s.name} {s.address} in {s.namespace}' for s in lab.speakers)}")
    print(f"client:     ip netns exec {lab.client_namespace} ... ({router.CLIENT_ADDRESS})")
    print(f"apply:      frr-edge apply -f {lab.router_manifest} -f samples/core/ --router {router.ROUTER_NAME}")
    return EXIT_OK


def _stop_router(args: argparse.Namespace) -> int:
    from controller.lab import router

    try:
        stopped = router.stop(args.dir)
    except router.LabError as error:
        print(f"frr-edge lab router: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"stopped: {', '.join(stopped)}" if stopped else f"nothing running for {args.dir}")
    return EXIT_OK


def _add_demo(labs: argparse._SubParsersAction[Any]) -> None:
    """`frr-edge lab demo start|stop --dir DIR`."""
    parser = labs.add_parser("demo", help="the real API server, router lab and controller, left running")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, run in (("start", _start_demo), ("stop", _stop_demo)):
        command = actions.add_parser(action, help=f"{action} the demo")
        command.add_argument("--dir", type=Path, default=Path("/tmp/frr-edge-demo"), help="state directory")
        command.set_defaults(run=run)


def _start_demo(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        print("frr-edge: the demo needs root (network namespaces, FRR, sshd, a login user)", file=sys.stderr)
        return EXIT_FAILED
    from controller.lab import cluster, demo, router
    from controller.lab.kubectl import KubectlError

    try:
        demo.start(args.dir)
    except (demo.DemoError, KubectlError, router.LabError, cluster.ClusterError) as error:
        print(f"frr-edge: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _stop_demo(args: argparse.Namespace) -> int:
    from controller.lab import demo

    print("stopped: " + (", ".join(demo.stop(args.dir)) or "nothing was running"))
    return EXIT_OK
