"""The committed command table is what the installed FRR says: regenerated from vtysh and compared.

When CI installs another FRR, or Debian updates 8.4.4, this fails with the differences node by node; the fix
is `python3 -m controller.frrcfg.vtysh_table --write` and a look at what changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from controller.frrcfg.commands import parse_definition
from controller.frrcfg.table import DECIDED_BY_VTYSH, NOT_RUN, STOPS, TABLE_DIRECTORY, load_table
from controller.frrcfg.vtysh_table import differences, dumps, generate

REPO = Path(__file__).resolve().parents[2]


def committed() -> tuple[Path, dict[str, Any]]:
    (path,) = TABLE_DIRECTORY.glob("commands-frr-*.json")
    return path, json.loads(path.read_text())


def test_the_committed_table_is_what_the_installed_vtysh_says() -> None:
    path, old = committed()
    new = generate()
    assert path.name == f"commands-frr-{new['frr']}.json", f"CI has FRR {new['frr']}, the table is {path.name}"
    changed = differences(old, new)
    assert changed == [], "regenerate with python3 -m controller.frrcfg.vtysh_table --write:\n" + "\n".join(changed)
    assert path.read_text() == dumps(new)


def test_check_mode_says_so_and_exits_1_on_a_stale_table(tmp_path: Path) -> None:
    """The same comparison through the command line, on a copy of the package whose table lost a command."""
    package = tmp_path / "controller"
    subprocess.run(["cp", "-r", str(REPO / "controller"), str(package)], check=True)
    path, table = committed()
    removed = table["nodes"]["25"]["commands"].pop()
    (package / "frrcfg" / path.name).write_text(dumps(table))
    result = subprocess.run(
        [sys.executable, "-m", "controller.frrcfg.vtysh_table", "--check"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"node 25 (bgp): + {json.dumps(removed)}" in result.stderr
    assert "python3 -m controller.frrcfg.vtysh_table --write" in result.stderr


def test_differences_are_named_by_node_and_command() -> None:
    _, old = committed()
    new = json.loads(json.dumps(old))
    new["frr"] = "8.4.5"
    new["nodes"]["25"]["commands"][0] = ["bgp new-command", None]
    new["nodes"]["25"]["parent"] = "3"
    del new["nodes"]["88"]
    assert differences(old, new) == [
        "FRR version: 8.4.4 -> 8.4.5",
        "node 25 (bgp): parent '4' -> '3'",
        f"node 25 (bgp): - {json.dumps(old['nodes']['25']['commands'][0])}",
        'node 25 (bgp): + ["bgp new-command", null]',
        "node 88 (bfd profile): gone",
    ]


def test_the_table_covers_what_frr_edge_renders_and_the_corpus_needs() -> None:
    table = load_table()
    names = {node.name for node in table.nodes.values()}
    assert table.frr == "8.4.4"
    assert table.nodes[table.start].name == "config"
    assert {
        "config",
        "bgp",
        "bgp ipv4 unicast",
        "bgp ipv6",
        "bgp evpn",
        "bgp evpn vni",
        "bgp vpnv4",
        "bgp ipv4 flowspec",
        "routemap",
        "bfd",
        "bfd profile",
        "bfd peer",
        "interface",
        "link-params",
        "vrf",
        "keychain",
        "keychain key",
        "ospf",
        "ospf6",
        "isis",
        "rip",
        "ripng",
        "eigrp",
        "babel",
        "openfabric",
        "segment-routing",
        "sr traffic-eng",
        "srv6-locator",
        "ldp",
        "ldp ipv4 interface",
        "vty",
        "rpki",
        "bmp",
        "pbr-map",
        "nexthop-group",
        "enable",
    } <= names
    for node in table.nodes.values():
        for command in node.commands:
            parse_definition(command.definition)  # every definition reads as FRR's definition parser reads it
            assert command.enters in (None, STOPS, NOT_RUN, DECIDED_BY_VTYSH) or command.enters in table.nodes
        if node.name not in ("config", "enable"):
            assert node.parent in table.nodes, node.name
    # What the generator could not run, and why (the module docs of vtysh_table and table).
    decided = {
        command.definition
        for node in table.nodes.values()
        for command in node.commands
        if command.enters == DECIDED_BY_VTYSH
    }
    assert decided == {"banner motd file FILE"}
    enable = next(node for node in table.nodes.values() if node.name == "enable")
    assert {command.definition for command in enable.commands if command.enters == STOPS} == {"exit", "quit"}
