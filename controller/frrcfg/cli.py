"""`frr-edge parse FILE [--json]`: the FRR configuration model of a file, or where it is wrong.

frr-edge builds every command's argument parser at each start-up, so this module imports only the
standard library; `parse` imports the grammar, the command table and the model when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from controller.exit_codes import EXIT_INVALID, EXIT_OK


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register parse."""
    command = commands.add_parser(
        "parse",
        help="parse an FRR configuration file and print its model",
        description="Parse FRR configuration (frr.conf or `show running-config`) with frr-edge's grammar, "
        "after checking every line as FRR's CLI does (the command table of the FRR frr-edge ships for). "
        "Print the model as FRR text, or as JSON with --json; secrets are redacted unless --show-secrets. "
        "Lines the command table cannot judge are listed on standard error.",
    )
    command.add_argument("file", metavar="FILE", help="configuration file, - for standard input")
    command.add_argument("--json", action="store_true", help="print the model as JSON")
    command.add_argument("--show-secrets", action="store_true", help="do not redact passwords and keys")
    command.set_defaults(run=_parse)


def _parse(args: argparse.Namespace) -> int:
    from controller.frrcfg.check import check
    from controller.frrcfg.errors import FrrSyntaxError
    from controller.frrcfg.parser import parse
    from controller.frrcfg.redact import redact

    source = "<stdin>" if args.file == "-" else args.file
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    except (OSError, UnicodeDecodeError) as error:
        print(f"{source}: cannot read: {error}", file=sys.stderr)
        return EXIT_INVALID
    if not args.show_secrets:
        text = redact(text)
    verdict = check(text)
    for unjudged in verdict.unjudged:
        print(f"{source}:{unjudged.line}: not judged: {unjudged.reason}", file=sys.stderr)
    errors = {refusal.line: refusal.error(source) for refusal in verdict.refusals}
    try:
        config = parse(text, source)
    except FrrSyntaxError as error:
        errors[error.line] = error  # on a line both refuse, the grammar's words name frr-edge's expectations
    if errors:
        for line in sorted(errors):
            print(errors[line], file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(json.dumps(config.to_json(), indent=2))
    else:
        sys.stdout.write(config.to_text())
    return EXIT_OK
