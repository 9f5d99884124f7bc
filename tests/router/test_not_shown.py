"""Raw lines FRR takes but never shows back as written are refused at validate (frrcfg.model.NOT_SHOWN, an
empty `vrf` block): an apply of one could never be seen to run, so every apply rolled back, and every other
change with it (a hostile test wedged the router lab with each of these).

Each example is measured here on real FRR: loaded, the running configuration does not read back as the
line, so the table cannot outlive FRR's behaviour unnoticed. And each is refused by `frr-edge validate`
(exit 2) naming the object, the field and the line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.router.frr.plan import plan
from tests.core.builders import ROUTER, frr_configuration
from tests.hostile.cli import run_process
from tests.router.frr_instance import FrrInstance

EXAMPLES = {
    "hostname": "hostname edge-one\n",
    "banner": "banner motd line welcome\n",
    "ip forwarding": "ip forwarding\n",
    "ipv6 forwarding": "ipv6 forwarding\n",
    "nht default": "no ip nht resolve-via-default\n",
    "nht6 default": "no ipv6 nht resolve-via-default\n",
    "log-neighbor-changes default": "router bgp 64512\n no bgp log-neighbor-changes\nexit\n",
    "empty vrf": "vrf red\nexit-vrf\n",
}


@pytest.fixture(scope="module")
def frr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrrInstance]:
    with FrrInstance.running_in(f"fe-shown-{os.getpid()}", tmp_path_factory.mktemp("frr-shown")) as instance:
        yield instance


@pytest.mark.parametrize("text", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_frr_takes_the_line_and_does_not_show_it_back_as_written(frr: FrrInstance, text: str) -> None:
    frr.reset()
    assert frr.load(text) == ""
    assert not plan(frr.running(), text, "Full").noop


def test_a_line_vty_block_is_never_taken_back(frr: FrrInstance) -> None:
    frr.reset()
    assert frr.load("line vty\n exec-timeout 0 0\nexit\n") == ""
    assert "Unknown command" in frr.load("no line vty\n")
    frr.load("line vty\n no exec-timeout\nexit\n")
    assert " exec-timeout 0 0" in frr.running().splitlines()


@pytest.mark.parametrize(
    "text", [*EXAMPLES.values(), "line vty\n exec-timeout 0 0\nexit\n"], ids=[*EXAMPLES, "line vty"]
)
def test_validate_refuses_it_naming_the_object_field_and_line(tmp_path: Path, text: str) -> None:
    body = text.replace("\n", "\\n")
    raw = frr_configuration("admin", f'routerSelector: {{matchLabels: {{site: lab}}}}\nraw: {{rawConfig: "{body}"}}')
    (tmp_path / "in.yaml").write_text(ROUTER + "\n---\n" + raw)

    done = run_process("validate", "-f", str(tmp_path / "in.yaml"))

    assert done.code == 2, done.stderr
    assert "FRRConfiguration default/admin: spec.raw.rawConfig: line" in done.stderr
    assert "FRR never shows this line back as written" in done.stderr or "FRR cannot take a `line vty`" in done.stderr
