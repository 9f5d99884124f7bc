"""What a router tool refused, reduced to what is safe to show: file, line number and the kind of error.

nft, vtysh and frr-reload.py quote the lines they cannot use, and those lines may come from any file the
tool could read (a symlink, an nft `include`), or hold BGP passwords. So nothing a tool prints reaches a
message: a parser picks out where (our own files by their short name, an include file only inside
INCLUDE_DIR, a line number) and the kind (from a fixed vocabulary; anything else is "refused"). A line
of a file frr-edge rendered may then be quoted from frr-edge's own copy, redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from controller.api.router import INCLUDE_DIR
from controller.frrcfg.lines import lines
from controller.frrcfg.redact import redact

REFUSED = "refused"
OTHER_FILE = f"a file outside {INCLUDE_DIR}"
# bgpd took `neighbor X password` (it stays in the running config) but the kernel refused the TCP MD5 key
# on bgpd's sockets (bgp_vty.c, BGP_ERR_TCPSIG_FAILED). Each key takes socket option memory, limited per
# network namespace by net.core.optmem_max: 131072 bytes held ~690 IPv6 or ~960 IPv4 keys on Linux 6.18.
TCP_MD5_MESSAGE = "% Error while applying TCP-Sig to session(s)"
TCP_MD5_REFUSED = "the kernel refused the TCP MD5 key (most likely net.core.optmem_max on the router: docs/router.md)"
MAX_SHOWN = 5
_QUOTE_LIMIT = 160

# strerror texts nft and vtysh append to their messages.
_REASONS = (
    "No such file or directory",
    "Permission denied",
    "Operation not permitted",
    "File exists",
    "Device or resource busy",
    "Invalid argument",
    "No space left on device",
    "Argument list too long",
    "Operation not supported",
    "No buffer space available",
    "Cannot allocate memory",
    "Numerical result out of range",
    "Too many levels of symbolic links",
    "Is a directory",
)
# nft messages whose start is fixed text; what follows (a token, a name, a path) is dropped.
_NFT_KINDS = (
    "syntax error",
    "unknown identifier",
    "conflicting intervals specified",
    "interval overlaps with an existing one",
    "File not found",
    "Could not process rule",
    "Could not open file",
    "cache initialization failed",
    "Could not resolve hostname",
    "Interface does not exist",
    "No such file or directory",
    "Operation not permitted",
)
_FRR_DAEMONS = frozenset(
    {
        *("zebra", "bgpd", "ospfd", "ospf6d", "ripd", "ripngd", "isisd", "pimd", "pim6d", "ldpd", "nhrpd"),
        *("eigrpd", "babeld", "sharpd", "pbrd", "staticd", "bfdd", "fabricd", "vrrpd", "pathd", "mgmtd", "watchfrr"),
    }
)
# FRR's northbound error types, and the start of descriptions whose text is fixed.
_NB_TYPES = frozenset(
    {
        "generic error",
        "no changes",
        "element not found",
        "resource is locked",
        "validation",
        "failed to allocate resource",
        "internal inconsistency",
    }
)
_NB_DESCRIPTIONS = ("Invalid prefix range",)
# `% MESSAGE` lines of vtysh (for -c commands) and of FRR daemons through it, whose start is fixed text.
_VTY_MESSAGES = (
    "Unknown command",
    "Ambiguous command",
    "Command incomplete",
    "Invalid value",
    "Malformed address",
    "Create the peer-group or interface first",
    "Specify remote-as or peer-group commands first",
    "Invalid command. Not an internal neighbor",
    "BGP is already running",
)
_RELOAD_MESSAGES = (
    ("vtysh failed to process new configuration", "vtysh failed to read the new configuration"),
    ("we failed to remove this command", "a command could not be removed"),
    ("frr-reload.py failed due to", "vtysh failed to apply the changes"),
    ("does not exist", "the file does not exist"),
    ("is an empty file", "the file is empty"),
    ("'service integrated-vtysh-config' is not configured", "integrated configuration is not enabled"),
    ("VTY configuration is locked by other VTY", "the configuration is locked by another vtysh"),
)

# Whole lines of tool output, matched with fullmatch; ASCII classes, as everywhere in frr-edge.
_NFT_ERROR = re.compile(
    r"(?:(?P<file>[^\s:]+):(?P<line>[0-9]+):[0-9]+-[0-9]+: |netlink: )?Error: (?P<message>.*)", re.ASCII
)
_NFT_OPEN = re.compile(r'Could not open file "(?P<path>[^"]*)".*', re.ASCII)
_NFT_MARKER = re.compile(r"[\s^~]*[\^~][\s^~]*", re.ASCII)
_VTYSH_LINE = re.compile(
    r"line (?P<line>[0-9]+): (?:% (?P<kind>Unknown command|Ambiguous command|Command incomplete)(?:\[[0-9]+\])?:|"
    r"Failure to communicate\[[0-9]+\] to (?P<daemon>[a-z0-9]+), line:|Warning(?:\[[0-9]+\])?\.\.\.:).*",
    re.ASCII,
)
_CANNOT_OPEN = re.compile(
    r"% Can't open config(?:uration)? file (?P<file>\S+) due to '(?P<reason>[^']*)'\."
    r"|Unable to create lock file: (?P<lock>\S+), (?P<lock_reason>.*)",
    re.ASCII,
)
# frr-reload.py's log lines; --stdout colours the level name red.
_RELOAD_LOG = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+\s+(?:\x1b\[[0-9]+m)?\s*(?:ERROR|WARNING)(?:\x1b\[0m)?: (?P<message>.*)",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One error a tool reported: in which file (None: unknown or not shown) and line, and its kind."""

    file: str | None
    line: int | None
    kind: str


def _kind(message: str, kinds: Iterable[str]) -> str:
    """The known kind a message starts with, with a known reason after a colon; REFUSED otherwise."""
    for kind in kinds:
        if message.startswith(kind):
            reason = message.rsplit(": ", 1)[-1] if ": " in message else ""
            return f"{kind}: {reason}" if reason in _REASONS and reason != kind else kind
    return REFUSED


def _shown_file(path: str | None, workdir: str, ours: Iterable[str]) -> str | None:
    """Our own file by its short name, or an include file inside INCLUDE_DIR; None for anything else."""
    if path is None:
        return None
    for name in ours:
        if path == f"{workdir}/{name}":
            return name
    directory, _, name = path.rpartition("/")
    if directory == INCLUDE_DIR and re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name):
        return path
    return None


def nft_problems(output: str, workdir: str, ours: Iterable[str]) -> list[Problem]:
    """The errors in nft's output (stderr), where `ours` are the short names of files in `workdir`.

    nft prints `FILE:LINE:COL-COL: Error: MESSAGE`, the offending line and a marker line under it; quoted
    lines (any line followed by a marker line) are skipped, so file content can never pass for an error.
    """
    names = tuple(ours)
    output_lines = lines(output)
    problems: list[Problem] = []
    for index, text in enumerate(output_lines):
        if index + 1 < len(output_lines) and _NFT_MARKER.fullmatch(output_lines[index + 1]):
            continue
        match = _NFT_ERROR.fullmatch(text)
        if match is None:
            continue
        file = _shown_file(match["file"], workdir, names)
        line = int(match["line"]) if match["line"] and file is not None else None
        if file is None and (opened := _NFT_OPEN.fullmatch(match["message"])):
            file = _shown_file(opened["path"], workdir, names)  # nft could not open the file it was given
        elif file is None and match["file"] not in (None, "internal"):
            file = OTHER_FILE
        problems.append(Problem(file, line, _kind(match["message"], _NFT_KINDS)))
    return _unique(problems)


def vtysh_problems(output: str, workdir: str, lines_of: str | None) -> list[Problem]:
    """The errors in vtysh's output (stdout and stderr); `lines_of` is our file its `line N` refers to.

    `lines_of` is None when vtysh read a file that is not ours (frr-reload.py's temporary files): then no
    line number is kept. The warning that vtysh.conf is unreadable (it is, to users in group frrvty on
    Debian) is not an error and is left out.
    """
    problems: list[Problem] = []
    output_lines = lines(output)
    for index, text in enumerate(output_lines):
        if match := _VTYSH_LINE.fullmatch(text):
            line = int(match["line"]) if lines_of is not None else None
            if match["kind"]:
                kind = match["kind"]
            elif match["daemon"]:
                kind = f"refused by {match['daemon']}" if match["daemon"] in _FRR_DAEMONS else REFUSED
            else:
                kind = REFUSED
            problems.append(Problem(lines_of, line, kind))
        elif match := _CANNOT_OPEN.fullmatch(text):
            path = match["file"] or match["lock"]
            reason = match["reason"] or match["lock_reason"]
            if path.rsplit("/", 1)[-1] == "vtysh.conf":
                continue
            what = "cannot open the file" if match["file"] else "cannot lock the file"
            shown = _shown_file(path, workdir, [lines_of] if lines_of else [])
            problems.append(Problem(shown, None, f"{what}: {reason}" if reason in _REASONS else what))
        elif text == TCP_MD5_MESSAGE:
            problems.append(Problem(None, None, TCP_MD5_REFUSED))
        elif text == "% Configuration failed.":
            problems.append(_northbound(output_lines[index + 1 : index + 4]))
        elif text.startswith("Exiting: failed to connect to any daemons"):
            problems.append(Problem(None, None, "failed to connect to any daemons"))
        elif text.startswith("% ") and not text.startswith("% Can't open"):
            problems.append(Problem(None, None, _kind(text[2:], _VTY_MESSAGES)))
    return _unique(problems)


def _northbound(following: list[str]) -> Problem:
    """`% Configuration failed.` and the `Error type:` / `Error description:` lines after it."""
    kind = "configuration failed"
    for text in following:
        if text.startswith("Error type: ") and text[12:] in _NB_TYPES:
            kind += f" ({text[12:]})"
        elif text.startswith("Error description: "):
            description = text[19:]
            kind += next((f": {known}" for known in _NB_DESCRIPTIONS if description.startswith(known)), "")
    return Problem(None, None, kind)


def reload_problems(output: str, workdir: str, file: str) -> list[Problem]:
    """The errors in frr-reload.py's output (--stdout: its log, and what the vtysh it ran printed).

    `file` is our file it was given; its errors are about that file, the vtysh output inside about
    frr-reload.py's temporary files (so without line numbers).
    """
    problems: list[Problem] = []
    for text in lines(output):
        match = _RELOAD_LOG.fullmatch(text)
        if match is None:
            continue
        found = next((kind for phrase, kind in _RELOAD_MESSAGES if phrase in match["message"]), REFUSED)
        problems.append(Problem(file, None, found))
    if "Traceback (most recent call last):" in output:
        problems.append(Problem(None, None, "frr-reload.py stopped with an exception"))
    return _unique([*problems, *vtysh_problems(output, workdir, None)])


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _quote(rendered: Mapping[str, str], problem: Problem) -> str:
    """Our own line the problem is about, redacted, or '' when it is not in a file we rendered."""
    text = rendered.get(problem.file or "")
    if text is None or problem.line is None:
        return ""
    rendered_lines = lines(text)
    if not 1 <= problem.line <= len(rendered_lines):
        return ""
    line = redact(rendered_lines[problem.line - 1]).strip()
    if not line:
        return ""
    return f" [{line[:_QUOTE_LIMIT]}{' ...' if len(line) > _QUOTE_LIMIT else ''}]"


def describe(problems: list[Problem], exit_status: int, rendered: Mapping[str, str] | None = None) -> str:
    """One line for a message: the exit status and up to MAX_SHOWN problems.

    `rendered` maps our short file names to the text frr-edge uploaded, to quote the failing line from.
    """
    parts = []
    for problem in problems[:MAX_SHOWN]:
        where = problem.file or ""
        if problem.line is not None:
            where = f"{where} line {problem.line}" if where else f"line {problem.line}"
        parts.append(f"{where}{_quote(rendered or {}, problem)}: {problem.kind}" if where else problem.kind)
    if len(problems) > MAX_SHOWN:
        parts.append(f"{len(problems) - MAX_SHOWN} more")
    if not parts:
        parts.append("no error frr-edge recognises (the tool's output is not shown: it may quote files)")
    return f"exit status {exit_status}: " + "; ".join(parts)
