"""`frr-edge parse FILE [--json]`: the FRR configuration model of a file, or where it is wrong.

frr-edge builds every command's argument parser at each start-up, so this module imports only the
standard library; `parse` imports the grammar, the command table and the model when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from controller.exit_codes import EXIT_INVALID, EXIT_OK

if TYPE_CHECKING:
    from controller.frrcfg.errors import FrrSyntaxError
    from controller.frrcfg.model import Config


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
    """Check and parse the file as it is, then show it redacted: the verdict never depends on redaction
    (`password S extra` is refused with or without --show-secrets)."""
    from controller.frrcfg.check import check
    from controller.frrcfg.errors import FrrSyntaxError
    from controller.frrcfg.parser import parse

    source = "<stdin>" if args.file == "-" else args.file
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    except (OSError, UnicodeDecodeError) as error:
        print(f"{source}: cannot read: {error}", file=sys.stderr)
        return EXIT_INVALID
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
            print(errors[line] if args.show_secrets else _redacted(errors[line]), file=sys.stderr)
        return EXIT_INVALID
    if not args.show_secrets:
        config = _without_secrets(text, source)
    if args.json:
        print(json.dumps(config.to_json(), indent=2))
    else:
        sys.stdout.write(config.to_text())
    return EXIT_OK


def _redacted(error: FrrSyntaxError) -> FrrSyntaxError:
    """The error with its line redacted and the caret moved to match (its message hides secrets already)."""
    from controller.frrcfg.errors import FrrSyntaxError
    from controller.frrcfg.redact import redact_at

    text, caret = redact_at(error.text, error.column)
    return FrrSyntaxError(
        error.message,
        source=error.source,
        line=error.line,
        column=error.column,
        text=text,
        expected=error.expected,
        caret=caret,
    )


def _without_secrets(text: str, source: str) -> Config:
    """The model of a file that parsed, from its text with every secret replaced (lines and numbers kept);
    redaction only replaces arguments, so the text parses still (tests/frrcfg/test_cli.py)."""
    from controller.frrcfg.parser import parse
    from controller.frrcfg.redact import redact

    return parse(redact(text), source)
