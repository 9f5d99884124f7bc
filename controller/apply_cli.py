"""`frr-edge apply` and `frr-edge status`: one router, over SSH, once; the result printed as a RouterState.

Exit codes: 0 applied (or nothing to do), 2 invalid input, 3 merge conflict, 4 router unreachable or host
key mismatch, 5 the router rejected the configuration (its previous configuration is kept), 6 busy: another
writer (the controller, or another `frr-edge apply`) held the router lock for the whole --lock-wait; the
message names it (host, pid, since when) and nothing was changed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from controller.api.router import Router
from controller.errors import FrrEdgeError, InvalidInput
from controller.inputs import Inputs, Loaded, UnreadableInput, load_paths
from controller.offline import dump_yaml
from controller.pipeline import RouterResult, render_router
from controller.router.apply import ApplyReport, ConfigRejected, apply
from controller.router.frrplan import InvalidConfiguration
from controller.router.observe import Observation, observe
from controller.router.state import router_state
from controller.router.transport import RouterConnection, RouterUnreachable, load_private_key

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_CONFLICT = 3
EXIT_UNREACHABLE = 4
EXIT_REJECTED = 5
EXIT_BUSY = 6


class _Stop(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _router(inputs: Inputs, name: str) -> Loaded[Router]:
    for invalid in inputs.invalid:
        if invalid.error.origin.kind == "Router" and invalid.error.origin.name == name:
            raise _Stop(EXIT_INVALID, str(invalid.error))
    for router in inputs.routers:
        if router.object.metadata.name == name:
            return router
    raise _Stop(EXIT_INVALID, f"no Router named {name!r} in the input")


def _private_key(args: argparse.Namespace, inputs: Inputs, router: Router) -> str:
    if args.ssh_key is not None:
        try:
            return Path(args.ssh_key).read_text()
        except OSError as error:
            raise _Stop(EXIT_INVALID, f"{args.ssh_key}: {error.strerror}") from None
    ref = router.spec.ssh_key_secret_ref
    secret = inputs.secrets.get((ref.namespace, ref.name))
    if secret is None or ref.key not in secret:
        raise _Stop(
            EXIT_INVALID,
            f"Secret {ref.namespace}/{ref.name} with key {ref.key} is not in the input; "
            "pass it with -f or use --ssh-key",
        )
    return secret[ref.key]


def _render(args: argparse.Namespace, change: bool) -> tuple[Inputs, Loaded[Router], RouterResult]:
    try:
        inputs = load_paths(args.file)
    except UnreadableInput as error:
        raise _Stop(EXIT_INVALID, str(error)) from None
    router = _router(inputs, args.router)
    result = render_router(router, inputs)
    if change and result.errors:
        first = result.errors[0]
        raise _Stop(EXIT_INVALID if isinstance(first, InvalidInput) else EXIT_CONFLICT, str(first))
    return inputs, router, result


async def _run(args: argparse.Namespace, change: bool) -> int:
    from controller.router.lock import DEFAULT_WAIT, RouterBusy

    inputs, loaded, result = _render(args, change)
    router = loaded.object
    try:
        key = load_private_key(_private_key(args, inputs, router))
    except FrrEdgeError as error:
        raise _Stop(EXIT_INVALID, str(error)) from None
    if change and router.spec.paused:
        print(
            f"frr-edge: router {router.metadata.name} is paused (spec.paused); only reading its state", file=sys.stderr
        )
        change = False
    connection = RouterConnection(router.spec, key, connect_timeout=args.connect_timeout)
    outcome: ApplyReport | FrrEdgeError | None = None
    observation: Observation | None = None
    code = EXIT_OK
    try:
        async with connection:
            if change:
                try:
                    wait = DEFAULT_WAIT if args.lock_wait is None else args.lock_wait
                    outcome = await apply(connection, result, writer="cli", lock_wait=wait)
                except InvalidConfiguration as error:
                    outcome, code = error, EXIT_INVALID
                except ConfigRejected as error:
                    outcome, code = error, EXIT_REJECTED
            observation = await observe(connection)
    except RouterBusy as error:
        raise _Stop(EXIT_BUSY, str(error)) from None
    except RouterUnreachable as error:
        raise _Stop(EXIT_UNREACHABLE, str(error)) from None
    state = router_state(router, result, outcome, observation, datetime.now(UTC))
    sys.stdout.write(dump_yaml([state.model_dump(mode="json", by_alias=True, exclude_none=True)]))
    if isinstance(outcome, FrrEdgeError):
        print(f"frr-edge: router {router.metadata.name}: {outcome}", file=sys.stderr)
    elif isinstance(outcome, ApplyReport):
        print(f"frr-edge: router {router.metadata.name}: {outcome.method}: {outcome.message}", file=sys.stderr)
    return code


def _command(change: bool) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return asyncio.run(_run(args, change))
        except _Stop as stop:
            print(f"frr-edge: {stop}", file=sys.stderr)
            return stop.code

    return run


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register apply and status."""
    for name, change, summary in (
        ("apply", True, "render one Router's configuration and apply it to the router over SSH"),
        ("status", False, "show a router's BGP sessions and running config (redacted); changes nothing"),
    ):
        parser = commands.add_parser(name, help=summary, description=f"{summary}. {__doc__.splitlines()[2]}")
        parser.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
        parser.add_argument("--router", required=True, metavar="NAME", help="the Router to act on")
        parser.add_argument("--ssh-key", metavar="FILE", help="private key file instead of the Router's Secret")
        parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
        parser.add_argument(
            "--lock-wait",
            type=float,
            metavar="SECONDS",
            help="how long to wait for another writer's apply to finish before exiting 6 (busy); default 30",
        )
        parser.set_defaults(run=_command(change))
