"""Capture what nft, vtysh and frr-reload.py really print when they refuse something: tests/router/fixtures/tool-output.

Run as root from the repository, on a machine with the lab's packages:
`python3 -m tests.router.capture_tool_output`. It starts a
router lab of its own, writes the crafted files the way frr-edge (or an attacker holding its login) would,
runs each command as frr-edge runs it (over SSH, through the transport), and a few the way frr-edge ran
them as root before, then stops the lab. test_tool_errors.py reads the files this writes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from controller.api.router import INCLUDE_DIR
from controller.inputs import load_paths
from controller.lab import router as lab
from controller.router.ssh.commands import CANDIDATE_FRR, CANDIDATE_NFT, DELTA, Command, RouterCommands
from controller.router.ssh.transport import Completed, RouterConnection, load_private_key

OUTPUT = Path(__file__).parent / "fixtures" / "tool-output"
CANARY_TEXT = "root:$6$canary-7f3a$CANARY-SECRET-LINE:19000:0:99999:7:::\n"
CANARY = Path("/etc/frr-edge-capture-canary")
BAD_INCLUDE = f"{INCLUDE_DIR}/capture-bad.nft"
BAD_INCLUDE_TEXT = "tcp dport 22 acept comment ADMIN-RULE-TEXT\n"
MISSING_INCLUDE = f"{INCLUDE_DIR}/capture-missing.nft"


def _table(rules: str) -> str:
    head = "table inet frr_edge\ndelete table inet frr_edge\ntable inet frr_edge {\n"
    return f"{head}\tchain input {{\n\t\ttype filter hook input priority filter; policy accept;\n{rules}\t}}\n}}\n"


_INTERVALS = (
    "table inet frr_edge\ndelete table inet frr_edge\ntable inet frr_edge {\n\tset allow_v4 {\n\t\ttype ipv4_addr\n"
    "\t\tflags interval\n\t\telements = { 10.0.0.0/8, 10.1.0.0/16 }\n\t}\n}\n"
)
_BGP = (
    "frr defaults traditional\n!\nrouter bgp 64512\n neighbor 192.0.2.11 remote-as 64513\n"
    " neighbor 192.0.2.11 password CANARY-BGP-PASSWORD\n neighbor 192.0.2.11 remote-ass 64513\n"
    " neighbor 192.0.2.11 remote-as\n neighbor 192.0.2.11 d\nexit\n!\n"
)
_DELTA = (
    "ip prefix-list frr-edge-bad seq 5 permit 10.0.0.0/8 ge 4\nrouter bgp 64512\n"
    " neighbor 192.0.2.11 timers 5 1\n neighbor 192.0.2.11 remote-ass 64513\nexit\n"
)


@dataclass(frozen=True)
class Case:
    """One refusal: the files in the working directory (None: a symlink to the canary) and the command."""

    name: str
    about: str
    files: dict[str, str | None]
    command: Callable[[RouterCommands], Command]
    as_root_before: bool = False  # run as frr-edge ran it before: root, through sudo


def _no_daemons(commands: RouterCommands) -> Command:
    return Command((commands.frr.vtysh_path, "-N", "capture-no-such-pathspace", "-c", "show running-config"))


CASES = [
    Case("nft-list-missing-table", "nft list table before frr-edge's table exists", {}, lambda c: c.show_nft),
    Case(
        "nft-check-syntax-error",
        "a rule with a typo",
        {CANDIDATE_NFT: _table("\t\ttcp dport 22 acept\n")},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-check-unknown-identifier",
        "an undefined variable",
        {CANDIDATE_NFT: _table("\t\tip saddr $bgp_peers accept\n")},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-check-conflicting-intervals",
        "overlapping set elements",
        {CANDIDATE_NFT: _INTERVALS},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-check-include-syntax-error",
        "an admin include file with a typo",
        {CANDIDATE_NFT: _table(f'\t\tinclude "{BAD_INCLUDE}"\n')},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-check-include-missing",
        "an include of a file that does not exist",
        {CANDIDATE_NFT: _table(f'\t\tinclude "{MISSING_INCLUDE}"\n')},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-check-include-root-only",
        "the login user's own candidate.nft including a root-only file",
        {CANDIDATE_NFT: _table(f'\t\tinclude "{CANARY}"\n')},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-check-include-root-only-as-root",
        "the same, run as root the way frr-edge did before: nft quotes the file",
        {CANDIDATE_NFT: _table(f'\t\tinclude "{CANARY}"\n')},
        lambda c: c.check_nft,
        as_root_before=True,
    ),
    Case(
        "nft-check-symlink",
        "candidate.nft replaced by a symlink to a root-only file",
        {CANDIDATE_NFT: None},
        lambda c: c.check_nft,
    ),
    Case(
        "nft-apply-missing-chain",
        "a jump to a chain that does not exist (refused by the kernel at apply)",
        {CANDIDATE_NFT: _table('\t\tiifname "pub0" jump nochain\n')},
        lambda c: c.apply_nft,
    ),
    Case(
        "vtysh-check-errors",
        "unknown, incomplete and ambiguous commands, and a password line",
        {CANDIDATE_FRR: _BGP},
        lambda c: c.check_frr,
    ),
    Case(
        "vtysh-check-symlink",
        "candidate.frr replaced by a symlink to a root-only file",
        {CANDIDATE_FRR: None},
        lambda c: c.check_frr,
    ),
    Case(
        "vtysh-check-symlink-as-root",
        "the same, run as root the way frr-edge did before: vtysh quotes the file",
        {CANDIDATE_FRR: None},
        lambda c: c.check_frr,
        as_root_before=True,
    ),
    Case(
        "vtysh-delta-refused",
        "a delta FRR's daemons refuse: an invalid prefix range, invalid timers, an unknown command",
        {DELTA: _DELTA},
        lambda c: c.apply_delta,
    ),
    Case("vtysh-show-no-daemons", "show running-config where no FRR runs", {}, _no_daemons),
    Case(
        "frr-reload-refused",
        "frr-reload.py with a prefix range FRR refuses",
        {CANDIDATE_FRR: "frr defaults traditional\n!\nip prefix-list frr-edge-bad seq 5 permit 10.0.0.0/8 ge 4\n!\n"},
        lambda c: c.reload_frr,
    ),
    Case(
        "frr-reload-unknown-command",
        "frr-reload.py with a line vtysh does not know",
        {CANDIDATE_FRR: _BGP},
        lambda c: c.reload_frr,
    ),
    Case(
        "frr-reload-symlink",
        "frr-reload.py on a symlink to a root-only file",
        {CANDIDATE_FRR: None},
        lambda c: c.reload_frr,
    ),
]


def _write(running: lab.RouterLab, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        path = Path(running.workdir) / name
        path.unlink(missing_ok=True)
        if text is None:
            path.symlink_to(CANARY)
        else:
            path.write_text(text)
        os.lchown(path, *_owner(running))


def _owner(running: lab.RouterLab) -> tuple[int, int]:
    status = os.stat(running.workdir)
    return status.st_uid, status.st_gid


async def _as_root_before(running: lab.RouterLab, command: Command) -> Completed:
    """The command as root, as frr-edge's sudo rules ran it before: the plain tool, no setpriv."""
    argv = command.argv[command.argv.index("/usr/sbin/nft") :] if "/usr/sbin/nft" in command.argv else command.argv
    process = await asyncio.create_subprocess_exec(
        "ip",
        "netns",
        "exec",
        running.router_namespace,
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    return Completed(tuple(argv), process.returncode or 0, stdout.decode(), stderr.decode())


def _block(text: str) -> str:
    return LiteralScalarString(text) if "\n" in text and "\x1b" not in text else text


async def _capture(running: lab.RouterLab) -> None:
    spec = load_paths([running.router_manifest]).routers[0].object.spec
    async with RouterConnection(spec, load_private_key(running.ssh_key.read_text())) as connection:
        for case in CASES:
            _write(running, case.files)
            command = case.command(connection.commands)
            done = await (_as_root_before(running, command) if case.as_root_before else connection.run(command))
            document = {
                "about": case.about,
                "command": list(done.argv),
                "as_root_before": case.as_root_before,
                "workdir": connection.commands.workdir,
                "files": {name: _block(text) for name, text in case.files.items() if text is not None},
                "exit_status": done.exit_status,
                "stdout": _block(done.stdout),
                "stderr": _block(done.stderr),
            }
            yaml = YAML()
            yaml.width = 4096
            with (OUTPUT / f"{case.name}.yaml").open("w") as stream:
                yaml.dump(document, stream)
            print(f"{case.name}: exit {done.exit_status}")


def main() -> int:
    if os.geteuid() != 0:
        print("capture_tool_output: run as root (it starts a router lab)", file=sys.stderr)
        return 1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    created = [path for path in (Path(INCLUDE_DIR).parent, Path(INCLUDE_DIR)) if not path.exists()]
    Path(INCLUDE_DIR).mkdir(parents=True, exist_ok=True)
    Path(BAD_INCLUDE).write_text(BAD_INCLUDE_TEXT)
    CANARY.write_text(CANARY_TEXT)
    CANARY.chmod(0o600)
    directory = Path(tempfile.mkdtemp(prefix="capture-tool-output-"))
    try:
        running = lab.start(directory / "lab", speakers=1)
        try:
            asyncio.run(_capture(running))
        finally:
            lab.stop(directory / "lab")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        CANARY.unlink(missing_ok=True)
        Path(BAD_INCLUDE).unlink(missing_ok=True)
        for path in reversed(created):
            path.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
