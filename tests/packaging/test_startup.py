"""A command imports what it needs and no more: `frr-edge --help` no SSH client, Kubernetes client or models.

Every start-up builds the parser of every command (controller/cli.py), so a heavy import in a module that
registers commands is paid by all of them (issue 14: 1.5 s before `--help` printed). Each case runs the CLI in
a fresh interpreter of this tree and reads its sys.modules when the command is done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Runs `frr-edge ARGS...` in this process and prints its exit code and the modules loaded, as JSON, last.
PROBE = """
import contextlib, io, json, sys
from controller.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# What only `apply`/`status`/`diff` (SSH) and `run`/`webhook` (the controller) need.
CONTROLLER_ONLY = {"asyncssh", "kopf", "kubernetes", "aiohttp", "cryptography", "asyncio"}
# What only a command that reads resources or FRR configuration needs.
MODELS = {"pydantic", "pydantic_core", "lark", "yaml", "ruamel"}


def loaded_by(*args: str, cwd: Path = REPO) -> set[str]:
    """The modules `frr-edge ARGS...` has loaded when it is done; the command must succeed."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["code"] == 0, result.stderr
    return set(outcome["modules"])


def test_help_imports_no_ssh_client_no_kubernetes_client_and_no_models() -> None:
    assert loaded_by("--help") & (CONTROLLER_ONLY | MODELS) == set()


@pytest.mark.parametrize(
    "command",
    [
        "render",
        "validate",
        "crds",
        "convert",
        "apply",
        "status",
        "diff",
        "parse",
        "run",
        "webhook",
        "lab cluster start",
        "lab router start",
        "lab demo start",
    ],
)
def test_a_commands_help_imports_none_of_them_either(command: str) -> None:
    assert loaded_by(*command.split(), "--help") & (CONTROLLER_ONLY | MODELS) == set()


# What a Router that does not follow MetalLB, in an input without cluster objects, never needs.
METALLB = {"controller.metallb.resources", "controller.metallb.derive", "controller.metallb.legacy"}


def test_validate_imports_the_models_but_not_the_controller_nor_the_grammar_nor_metallb() -> None:
    loaded = loaded_by("validate", "-f", str(REPO / "samples" / "core" / "router.yaml"))

    # The renderer builds FRR model objects (controller.frrcfg.model, standard library only) and prints them.
    assert {"pydantic", "yaml", "controller.pipeline", "controller.frrcfg.model"} <= loaded
    # No raw FRR snippet in the input: nothing to check against the grammar or FRR's command table; the
    # Router does not follow MetalLB and there is no cluster to read; no Secret, no status.
    frrcfg = {"lark", "controller.frrcfg.commands", "controller.frrcfg.parser"}
    unused = {"controller.kubernetes", "controller.api.routerstate"}
    assert loaded & (CONTROLLER_ONLY | frrcfg | METALLB | unused) == set()


def test_validate_of_a_router_that_follows_metallb_reads_the_cluster() -> None:
    loaded = loaded_by("validate", "-f", str(REPO / "samples" / "metallb"))

    assert {"controller.metallb.resources", "controller.metallb.derive"} <= loaded


@pytest.mark.parametrize(
    "path", ["core/router.yaml", "core/bgp-base.yaml", "core/firewall.yaml", "core", "metallb", "metallb-legacy"]
)
def test_validate_imports_no_ssh_client_and_no_kubernetes_client(path: str) -> None:
    """A pre-commit hook runs `frr-edge validate` per file: it never pays for what only a router or a cluster needs."""
    assert loaded_by("validate", "-f", str(REPO / "samples" / path)) & CONTROLLER_ONLY == set()


def test_parse_imports_the_grammar_but_not_the_controller_nor_the_resource_models(tmp_path: Path) -> None:
    config = tmp_path / "frr.conf"
    config.write_text("hostname edge-1\n")

    loaded = loaded_by("parse", str(config), cwd=tmp_path)

    assert "lark" in loaded
    assert loaded & (CONTROLLER_ONLY | {"pydantic", "yaml", "ruamel"}) == set()


# Runs `frr-edge parse FILE` in this process and prints how many times lark compiled a grammar, last.
COUNT_COMPILES = """
import contextlib, io, sys
import lark
compiles = []
compile_grammar = lark.Lark.__init__
def counted(self, *args, **options):
    compiles.append(1)
    compile_grammar(self, *args, **options)
lark.Lark.__init__ = counted
from controller.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code, len(compiles))
"""


def test_the_second_parse_loads_the_grammar_the_first_one_compiled(tmp_path: Path) -> None:
    config = tmp_path / "frr.conf"
    config.write_text("hostname edge-1\n")

    def compiles() -> int:
        """How many grammars `frr-edge parse` compiled, its cache under tmp_path (XDG_CACHE_HOME)."""
        result = subprocess.run(
            [sys.executable, "-c", COUNT_COMPILES, "parse", str(config)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        code, count = result.stdout.split()
        assert code == "0", result.stderr
        return int(count)

    assert compiles() == 1
    (stored,) = (tmp_path / "cache" / "frr-edge").glob("frr-lark-*.pickle")
    written = stored.stat()
    assert compiles() == 0
    assert stored.stat().st_mtime_ns == written.st_mtime_ns
