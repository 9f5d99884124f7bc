"""Fixtures of the conformance tier: render resources for the test Router, have real FRR and nft check the
result, and read back its routing meaning."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from controller.errors import FrrEdgeError, InputWarning
from controller.pipeline import desired_router
from controller.render.frr import render_frr
from controller.render.nft import render_nft
from tests.conformance.meaning import Meaning
from tests.core.builders import ROUTER, resources

Checker = Callable[[str], subprocess.CompletedProcess[str]]
FRR_RUN = Path("/var/run/frr")
CRASH_LOGS = Path("/var/tmp/frr")


@dataclass(frozen=True)
class Rendered:
    """What the router gets for some resources: the FRR text, its meaning, and the warnings said."""

    text: str
    meaning: Meaning
    warnings: list[InputWarning]

    def warned(self, reason: str) -> list[str]:
        return [warning.message for warning in self.warnings if warning.reason == reason]


# A crash-log directory left by an earlier process of the same PID (any FRR daemon's, anyone's).
# The daemon then says it goes without one: "crashlog and per-thread log buffering unavailable!".
_CRASH_LOG_TAKEN = re.compile(
    r'.* (failed to mkdir "/var/tmp/frr/[a-z]+\.[0-9]+": File exists'
    r"|crashlog and per-thread log buffering unavailable!)",
    re.ASCII,
)
_GRACEFUL_RESTART = re.compile(r".* Config Failed on config line [0-9]+: +neighbor [^ ]+ graceful-restart", re.ASCII)


def _dry_run_problems(output: str) -> str:
    """What a daemon's dry run refused, without what only fails because no zebra runs beside it.

    A daemon whose PID was used before finds its crash-log directory taken, and says so. Without zebra,
    registering a `network` prefix's next hop fails (zclient_send_message), and so does
    announcing a neighbor's graceful restart capability: bgpd prints that the change needs a session
    reset, then "% Invalid value", and reports the `neighbor X graceful-restart` line as failed. A bgpd
    running beside zebra prints the same note and keeps the line (FRR 8.4).
    """
    kept: list[str] = []
    after_graceful_restart = False
    # bfdd's note on `echo-mode`, printed by every bfdd that reads the line: advice, not a refusal.
    echo_note = "% Echo mode works correctly for IPv4, but only works when the peer is also FRR for IPv6."
    for line in output.split("\n"):
        if (
            not line
            or line == echo_note
            or "zclient_send_message" in line
            or _GRACEFUL_RESTART.fullmatch(line)
            or _CRASH_LOG_TAKEN.fullmatch(line)
        ):
            continue
        if line == "Graceful restart configuration changed, reset this peer to take effect":
            after_graceful_restart = True
            continue
        if after_graceful_restart and line == "% Invalid value":
            after_graceful_restart = False
            continue
        kept.append(line)
    return "\n".join(kept)


@pytest.fixture(scope="session")
def frr_daemons_check() -> Iterator[Checker]:
    """FRR's daemons read a configuration in dry-run mode (`bgpd -C`, `bfdd -C`): unlike `vtysh -C`,
    which checks syntax only, they also run FRR's own validation (a prefix-list's `ge` below the prefix
    length, a link-local `set ipv6 next-hop global`). The BFD block goes to bfdd, the rest to bgpd; a
    pathspace of our own keeps them away from any running FRR."""
    # The daemons drop to user frr before they read the file: a directory of its own that frr may read.
    directory = Path(tempfile.mkdtemp(prefix="fe-frr-dry-run-"))
    directory.chmod(0o755)
    pathspace = f"fe-conformance-{uuid.uuid4().hex[:8]}"

    def check(text: str) -> subprocess.CompletedProcess[str]:
        bgp, bfd, in_bfd = [], [], False
        for line in text.split("\n"):
            if line and not line.startswith(" ") and not (in_bfd and line == "exit"):
                in_bfd = line == "bfd"  # the block's own closing `exit` stays with it
            (bfd if in_bfd else bgp).append(line)
        outputs, code = [], 0
        for daemon, lines in (("bgpd", bgp), ("bfdd", bfd)):
            path = directory / f"{uuid.uuid4().hex}-{daemon}.conf"
            path.write_text("\n".join(lines) + "\n")
            path.chmod(0o644)
            with subprocess.Popen(
                [f"/usr/lib/frr/{daemon}", "-C", "-N", pathspace, "-f", str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ) as process:
                output, _ = process.communicate(timeout=30)
            # Every FRR daemon makes itself a crash-log directory named after its PID and a dry run leaves it.
            shutil.rmtree(CRASH_LOGS / f"{daemon}.{process.pid}", ignore_errors=True)
            said = _dry_run_problems(output)
            if process.returncode != 0 or said:
                code = 1
                outputs.append(f"{daemon}: {said}")
        return subprocess.CompletedProcess(["bgpd/bfdd", "-C"], code, "\n".join(outputs), "")

    yield check
    shutil.rmtree(directory)
    shutil.rmtree(FRR_RUN / pathspace, ignore_errors=True)


@pytest.fixture
def render(vtysh_check: Checker, frr_daemons_check: Checker, nft_check: Checker) -> Callable[..., Rendered]:
    """`render(*documents)`: the test Router's FRR configuration for these resources, which vtysh -C, FRR's
    daemons and nft -c must accept; raises the core's typed error when frr-edge refuses the resources."""

    def run(*documents: str, router: str = ROUTER) -> Rendered:
        inputs = resources(router, *documents)
        if inputs.invalid:
            raise inputs.invalid[0].error
        desired, warnings = desired_router(inputs.routers[0], inputs)
        text = render_frr(desired.name, desired.frr)
        for checker in (vtysh_check, frr_daemons_check):
            checked = checker(text)
            assert checked.returncode == 0, f"{checked.stdout}{checked.stderr}\n{text}"
        ruleset = nft_check(render_nft(desired.name, desired.firewall))
        assert ruleset.returncode == 0, ruleset.stderr
        return Rendered(text, Meaning(text), warnings)

    return run


@pytest.fixture
def refused() -> Callable[..., FrrEdgeError]:
    """`refused(*documents)`: the error frr-edge stops these resources with (fails if it accepts them)."""

    def run(*documents: str, router: str = ROUTER) -> FrrEdgeError:
        inputs = resources(router, *documents)
        if inputs.invalid:
            return inputs.invalid[0].error
        try:
            desired_router(inputs.routers[0], inputs)
        except FrrEdgeError as error:
            return error
        pytest.fail("frr-edge accepted what it should refuse")

    return run
