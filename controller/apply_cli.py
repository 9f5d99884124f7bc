"""`frr-edge apply` and `frr-edge status`: one router, over SSH, once; the result printed as a RouterState.

Their exit codes, in full, are in controller/exit_codes.py (each command's --help ends with them).
frr-edge builds every command's argument parser at each start-up, so this module imports only the
standard library; the commands import the SSH client, the models and the pipeline when they run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from controller.api.router import Router
    from controller.inputs import Inputs, Loaded
    from controller.pipeline import RouterResult

from controller.exit_codes import EXIT_BUSY, EXIT_INVALID, EXIT_OK, EXIT_REJECTED, EXIT_UNREACHABLE, exit_code


class _Stop(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _router(inputs: Inputs, name: str) -> Loaded[Router]:
    from controller.errors import InvalidInput
    from controller.inputs import NotInInputs, router_named

    try:
        return router_named(inputs, name)
    except InvalidInput as error:
        raise _Stop(EXIT_INVALID, str(error)) from None
    except NotInInputs as error:
        raise _Stop(EXIT_INVALID, f"{error} in the input") from None


def _private_key(args: argparse.Namespace, inputs: Inputs, router: Router) -> str:
    from controller.inputs import NotInInputs, ssh_private_key

    if args.ssh_key is not None:
        try:
            return Path(args.ssh_key).read_text()
        except OSError as error:
            raise _Stop(EXIT_INVALID, f"{args.ssh_key}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise _Stop(EXIT_INVALID, f"{args.ssh_key}: not a private key (not text)") from None
    try:
        return ssh_private_key(inputs, router)
    except NotInInputs as error:
        raise _Stop(EXIT_INVALID, f"{error} is not in the input; pass it with -f or use --ssh-key") from None


def _render(args: argparse.Namespace, change: bool) -> tuple[Inputs, Loaded[Router], RouterResult]:
    from controller.inputs import UnreadableInput, load_paths
    from controller.pipeline import render_router

    try:
        inputs = load_paths(args.file)
    except UnreadableInput as error:
        raise _Stop(EXIT_INVALID, str(error)) from None
    router = _router(inputs, args.router)
    result = render_router(router, inputs)
    if change and result.errors:
        raise _Stop(exit_code(result.errors), str(result.errors[0]))
    return inputs, router, result


async def _run(args: argparse.Namespace, change: bool) -> int:
    from controller.errors import FrrEdgeError
    from controller.offline import dump_yaml
    from controller.router.linux.backend import SshBackend
    from controller.router.outcome import (
        ApplyReport,
        ConfigRejected,
        InvalidConfiguration,
        Observation,
        Preview,
        RouterBusy,
        RouterUnreachable,
    )
    from controller.router.ssh.lock import DEFAULT_WAIT
    from controller.router.ssh.transport import RouterConnection, load_private_key
    from controller.router.state import router_state

    inputs, loaded, result = _render(args, change)
    router = loaded.object
    try:
        key = load_private_key(_private_key(args, inputs, router))
    except FrrEdgeError as error:
        raise _Stop(EXIT_INVALID, str(error)) from None
    held = router.spec.paused  # apply and status alike show what an apply would change once unpaused
    if change and held:
        print(
            f"frr-edge: router {router.metadata.name} is paused (spec.paused): nothing is written; its RouterState "
            "shows what an apply would change (status.pendingChanges)",
            file=sys.stderr,
        )
        change = False
    connection = RouterConnection(router.spec, key, connect_timeout=args.connect_timeout)
    outcome: ApplyReport | FrrEdgeError | None = None
    observation: Observation | None = None
    pending: Preview | None = None
    code = EXIT_OK
    try:
        async with connection:
            # `--lock-wait` is apply's only: status writes nothing and takes no lock.
            wait = args.lock_wait if change and args.lock_wait is not None else DEFAULT_WAIT
            backend = SshBackend(connection, writer="cli", lock_wait=wait)
            if change:
                try:
                    outcome = await backend.apply(result)
                except InvalidConfiguration as error:
                    outcome, code = error, EXIT_INVALID
                except ConfigRejected as error:
                    outcome, code = error, EXIT_REJECTED
            elif held:
                try:
                    pending = await backend.preview(result)
                except InvalidConfiguration as error:
                    outcome, code = error, EXIT_INVALID
            observation = await backend.observe()
    except RouterBusy as error:
        raise _Stop(EXIT_BUSY, str(error)) from None
    except RouterUnreachable as error:
        raise _Stop(EXIT_UNREACHABLE, str(error)) from None
    except FrrEdgeError as error:  # the router's running configuration cannot be read
        raise _Stop(EXIT_UNREACHABLE, f"router {router.metadata.name}: {error}") from None
    state = router_state(router, result, outcome, observation, datetime.now(UTC), pending)
    sys.stdout.write(dump_yaml([state.model_dump(mode="json", by_alias=True, exclude_none=True)]))
    if isinstance(outcome, FrrEdgeError):
        print(f"frr-edge: router {router.metadata.name}: {outcome}", file=sys.stderr)
    elif isinstance(outcome, ApplyReport):
        print(f"frr-edge: router {router.metadata.name}: {outcome.method}: {outcome.message}", file=sys.stderr)
    return code


def _command(change: bool) -> Any:
    def run(args: argparse.Namespace) -> int:
        import asyncio

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
        # The exit codes close the help (controller/exit_codes.py), in full.
        parser = commands.add_parser(name, help=summary, description=f"{summary}.")
        parser.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
        parser.add_argument("--router", required=True, metavar="NAME", help="the Router to act on")
        parser.add_argument("--ssh-key", metavar="FILE", help="private key file instead of the Router's Secret")
        parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
        if change:
            parser.add_argument(
                "--lock-wait",
                type=float,
                metavar="SECONDS",
                help="how long to wait for another writer's apply to finish before exiting 6 (busy); default 30",
            )
        parser.set_defaults(run=_command(change))
