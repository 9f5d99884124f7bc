"""`frr-edge diff`: what `frr-edge apply` would change on one router, read over SSH, written nowhere.

The same input options as `apply`; the output is the vtysh commands apply would run and the change of
frr-edge's nft table, secrets redacted, nothing when the router already runs the desired configuration.
Made for CI on pull requests: exit 0 nothing would change, 1 something would (exit_codes.py has them all).
This module imports only the standard library: the command imports the rest when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from controller.exit_codes import EXIT_CHANGES, EXIT_INVALID, EXIT_OK, EXIT_UNREACHABLE


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register diff."""
    summary = "show what apply would change on one router (vtysh commands, nft changes), over SSH; writes nothing"
    parser = commands.add_parser(
        "diff",
        help=summary,
        description=f"{summary}. Reads the router's running config and frr-edge's nft table as apply does and "
        "prints the exact vtysh commands apply would run and the change of its nft table; passwords are "
        "redacted. Prints nothing when the router runs the desired configuration.",
    )
    parser.add_argument("-f", "--file", action="append", required=True, metavar="PATH", help="file or directory")
    parser.add_argument("--router", required=True, metavar="NAME", help="the Router to compare with")
    parser.add_argument("--ssh-key", metavar="FILE", help="private key file instead of the Router's Secret")
    parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
    parser.set_defaults(run=_diff)


def _diff(args: argparse.Namespace) -> int:
    import asyncio

    from controller.apply_cli import _Stop

    try:
        return asyncio.run(_run(args))
    except _Stop as stop:
        print(f"frr-edge: {stop}", file=sys.stderr)
        return stop.code


async def _run(args: argparse.Namespace) -> int:
    from controller.apply_cli import _private_key, _render, _Stop
    from controller.errors import FrrEdgeError
    from controller.router.linux.backend import SshBackend
    from controller.router.outcome import InvalidConfiguration, RouterUnreachable
    from controller.router.ssh.transport import RouterConnection, load_private_key

    inputs, loaded, result = _render(args, change=True)
    router = loaded.object
    try:
        key = load_private_key(_private_key(args, inputs, router))
    except FrrEdgeError as error:
        raise _Stop(EXIT_INVALID, str(error)) from None
    connection = RouterConnection(router.spec, key, connect_timeout=args.connect_timeout)
    try:
        async with connection:
            shown = await SshBackend(connection).preview(result)
    except RouterUnreachable as error:
        raise _Stop(EXIT_UNREACHABLE, str(error)) from None
    except InvalidConfiguration as error:
        raise _Stop(EXIT_INVALID, f"router {router.metadata.name}: {error}") from None
    except FrrEdgeError as error:  # the router's running configuration cannot be read
        raise _Stop(EXIT_UNREACHABLE, f"router {router.metadata.name}: {error}") from None
    for warning in result.warnings:
        print(f"frr-edge: warning: router {router.metadata.name}: {warning}", file=sys.stderr)
    if router.spec.paused:
        print(
            f"frr-edge: router {router.metadata.name} is paused (spec.paused): apply writes nothing until it is "
            "unpaused; this is what it would change then",
            file=sys.stderr,
        )
    try:
        sys.stdout.write(shown.text())
        sys.stdout.flush()
    except BrokenPipeError:  # `diff | head`: the exit code still says whether anything would change
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_CHANGES if shown.changed else EXIT_OK
