"""`frr-edge run`'s flags. kopf is imported only when the controller runs, not for every other command."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `run`."""
    summary = "run the controller: watch the cluster, apply to every Router, report in RouterState"
    parser = commands.add_parser("run", help=summary, description=f"{summary}. See docs/controller.md.")
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: in-cluster in a Pod, else $KUBECONFIG or ~/.kube/config)"
    )
    parser.add_argument("--debounce", type=float, default=1.0, metavar="SECONDS", help="coalescing window (1)")
    parser.add_argument("--resync", type=float, default=60.0, metavar="SECONDS", help="read routers every (60)")
    parser.add_argument("--backoff-max", type=float, default=60.0, metavar="SECONDS", help="longest retry wait (60)")
    parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
    parser.add_argument(
        "--command-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="longest one command may run on a router (120); FRR may need minutes for thousands of neighbors",
    )
    parser.add_argument(
        "--secret-namespace",
        action="append",
        metavar="NS",
        help="namespace whose Secrets frr-edge may read (repeat; default frr-edge-system)",
    )
    parser.add_argument(
        "--metallb-namespace", action="append", metavar="NS", help="MetalLB's namespace (default metallb-system)"
    )
    parser.add_argument(
        "--metrics-address", default="0.0.0.0:8080", metavar="HOST:PORT", help="/metrics, /healthz, /readyz"
    )
    parser.add_argument("--no-leader-election", dest="leader_election", action="store_false")
    parser.add_argument("--lease-namespace", default="frr-edge-system")
    parser.add_argument("--lease-name", default="frr-edge")
    parser.add_argument("--lease-duration", type=float, default=15.0, metavar="SECONDS")
    parser.add_argument("--identity", help="this replica's name in the Lease (default HOSTNAME-PID)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(run=_command)


def _command(args: argparse.Namespace) -> int:
    from controller.operator.main import run

    args.secret_namespace = args.secret_namespace or ["frr-edge-system"]
    args.metallb_namespace = args.metallb_namespace or ["metallb-system"]
    return run(args)
