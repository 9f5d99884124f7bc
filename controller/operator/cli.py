"""`frr-edge run` and `frr-edge webhook`: flags only. kopf is imported only when one of them runs."""

from __future__ import annotations

import argparse
import re
import sys

from controller.addresses import parse_address  # standard library only, as `--help` needs
from controller.exit_codes import EXIT_INVALID

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)


def _address(text: str) -> tuple[str, int]:
    """HOST:PORT as the servers bind it; argparse turns the ValueError into exit 2 and a message."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        if host:
            parse_address(host)
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not IP:PORT (such as 0.0.0.0:9443)") from None
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be 1-65535")
    return host or "0.0.0.0", number


def _namespaced(text: str) -> tuple[str, str]:
    namespace, _, name = text.partition("/")
    if not (_NAME.fullmatch(namespace) and _NAME.fullmatch(name)):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAMESPACE/NAME")
    return namespace, name


def _add_watch_flags(parser: argparse.ArgumentParser) -> None:
    """What both commands watch, and how they reach the API server."""
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: in-cluster in a Pod, else $KUBECONFIG or ~/.kube/config)"
    )
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
    parser.add_argument("-v", "--verbose", action="store_true")


def _add_webhook_flags(parser: argparse.ArgumentParser, address: str | None) -> None:
    """The admission webhook's server and certificate (docs/gitops.md)."""
    group = parser.add_argument_group("admission webhook")
    group.add_argument(
        "--webhook-address",
        type=_address,
        default=_address(address) if address else None,
        metavar="HOST:PORT",
        help="serve the validating admission webhook (HTTPS, path /validate) here"
        + (f" (default {address})" if address else "; off unless given (deploy/ turns it on)"),
    )
    group.add_argument(
        "--webhook-service",
        type=_namespaced,
        default=("frr-edge-system", "frr-edge-webhook"),
        metavar="NS/NAME",
        help="the Service the API server calls; its DNS names go into the certificate "
        "(frr-edge-system/frr-edge-webhook)",
    )
    group.add_argument(
        "--webhook-host",
        action="append",
        default=[],
        metavar="NAME",
        help="one more DNS name or IP address for the certificate (repeat), such as the host of a url clientConfig",
    )
    group.add_argument(
        "--webhook-secret",
        type=_namespaced,
        default=("frr-edge-system", "frr-edge-webhook-tls"),
        metavar="NS/NAME",
        help="the Secret holding the webhook's CA and certificate (frr-edge-system/frr-edge-webhook-tls)",
    )
    group.add_argument(
        "--webhook-configuration",
        default="frr-edge",
        metavar="NAME",
        help="the ValidatingWebhookConfiguration whose caBundle frr-edge sets (frr-edge)",
    )


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `run` and `webhook`."""
    summary = "run the controller: watch the cluster, apply to every Router, report in RouterState"
    parser = commands.add_parser("run", help=summary, description=f"{summary}. See docs/controller.md.")
    _add_watch_flags(parser)
    parser.add_argument("--debounce", type=float, default=1.0, metavar="SECONDS", help="coalescing window (1)")
    parser.add_argument("--resync", type=float, default=60.0, metavar="SECONDS", help="read routers every (60)")
    parser.add_argument("--backoff-max", type=float, default=60.0, metavar="SECONDS", help="longest retry wait (60)")
    parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
    parser.add_argument("--no-leader-election", dest="leader_election", action="store_false")
    parser.add_argument("--lease-namespace", default="frr-edge-system")
    parser.add_argument("--lease-name", default="frr-edge")
    parser.add_argument("--lease-duration", type=float, default=15.0, metavar="SECONDS")
    parser.add_argument("--identity", help="this replica's name in the Lease (default HOSTNAME-PID)")
    _add_webhook_flags(parser, None)
    parser.set_defaults(run=_command, workers=True)

    summary = "serve only the validating admission webhook: watch the cluster, never connect to a router"
    webhook = commands.add_parser(
        "webhook",
        help=summary,
        description=f"{summary}. `frr-edge run --webhook-address` serves the same webhook beside the controller; "
        "this command serves it on its own. See docs/gitops.md.",
    )
    _add_watch_flags(webhook)
    _add_webhook_flags(webhook, "0.0.0.0:9443")
    # The controller's settings that `webhook` has no use for: no worker starts, no Lease is taken.
    webhook.set_defaults(
        run=_command,
        workers=False,
        leader_election=False,
        identity=None,
        debounce=1.0,
        resync=60.0,
        backoff_max=60.0,
        connect_timeout=10.0,
    )


def _command(args: argparse.Namespace) -> int:
    from kubernetes.config import ConfigException

    from controller.operator.main import run

    args.secret_namespace = args.secret_namespace or ["frr-edge-system"]
    args.metallb_namespace = args.metallb_namespace or ["metallb-system"]
    try:
        return run(args)
    except (ConfigException, OSError) as error:
        print(f"frr-edge: {error}", file=sys.stderr)
        return EXIT_INVALID
