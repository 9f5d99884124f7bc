"""spec.firewall.localInclude: the admin's own nft rules from /etc/frr-edge/include.d, and nothing else.

Given an include directory on the router (root's, as docs/router.md has the admin create it), when a Router
names a file there, its rules are applied; a symlink out of the directory is refused before nft runs, and an
include file nft refuses is reported by file, line and kind, without its text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from controller.api.router import INCLUDE_DIR
from controller.lab import router as lab
from controller.router.ssh.commands import CANDIDATE_NFT
from tests.router.conftest import Canary, FrrEdge, Run, nft_table

EXIT_REJECTED = 5


@pytest.fixture()
def include_dir(router_lab: lab.RouterLab) -> Iterator[Path]:
    """/etc/frr-edge/include.d (made, root's and 0755, when missing); a test's files carry the lab's id and go."""
    directory = Path(INCLUDE_DIR)
    made = [path for path in (directory.parent, directory) if not path.exists()]
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    try:
        yield directory
    finally:
        for planted in directory.glob(f"{router_lab.lab_id}-*"):
            planted.unlink()
        for path in reversed(made):
            path.rmdir()


def _plant(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o644)


def _with_include(router_lab: lab.RouterLab, directory: Path, local_include: str) -> Path:
    """The lab's Router manifest with spec.firewall.localInclude set."""
    yaml = YAML(typ="safe")
    router, secret = yaml.load_all(router_lab.router_manifest.read_text())
    router["spec"]["firewall"]["localInclude"] = local_include
    manifest = directory / "router.yaml"
    with manifest.open("w") as stream:
        yaml.dump_all([router, secret], stream)
    return manifest


def _shown(run: Run) -> str:
    """Everything the user sees of a run: the RouterState printed and the messages."""
    return f"{run.state}\n{run.stderr}"


def test_rules_of_an_include_file_are_applied(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, include_dir: Path, tmp_path: Path
) -> None:
    _plant(include_dir / f"{router_lab.lab_id}-admin.nft", "tcp dport 2222 accept comment admin-ssh\n")

    run = frr_edge("apply", manifest=_with_include(router_lab, tmp_path, f"{INCLUDE_DIR}/{router_lab.lab_id}-*.nft"))

    assert run.code == 0, run.stderr
    assert 'tcp dport 2222 accept comment "admin-ssh"' in nft_table(router_lab)


def test_a_symlink_out_of_the_include_directory_is_refused_before_nft_reads_it(
    applied: Run,
    frr_edge: FrrEdge,
    router_lab: lab.RouterLab,
    include_dir: Path,
    canary: Canary,
    tmp_path: Path,
) -> None:
    _plant(include_dir / f"{router_lab.lab_id}-admin.nft", "tcp dport 2222 accept\n")
    (include_dir / f"{router_lab.lab_id}-escape.nft").symlink_to(canary.path)
    table_before = nft_table(router_lab)
    pattern = f"{INCLUDE_DIR}/{router_lab.lab_id}-*.nft"

    run = frr_edge("apply", manifest=_with_include(router_lab, tmp_path, pattern))

    assert run.code == EXIT_REJECTED, run.stderr
    assert (
        f"spec.firewall.localInclude: {INCLUDE_DIR}/{router_lab.lab_id}-escape.nft resolves outside {INCLUDE_DIR}"
    ) in run.stderr
    assert run.status["reload"]["result"] == "Failed"
    assert canary.secret not in _shown(run)
    candidate = Path(router_lab.workdir) / CANDIDATE_NFT
    assert not candidate.exists() or pattern not in candidate.read_text()  # the ruleset never went to nft
    assert nft_table(router_lab) == table_before


def test_an_include_file_nft_refuses_is_reported_by_file_line_and_kind_without_its_text(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, include_dir: Path, tmp_path: Path
) -> None:
    typo = include_dir / f"{router_lab.lab_id}-typo.nft"
    _plant(typo, "tcp dport 2222 accept\ntcp dport 2223 acept comment INCLUDE-FILE-TEXT\n")
    table_before = nft_table(router_lab)

    run = frr_edge("apply", manifest=_with_include(router_lab, tmp_path, str(typo)))

    assert run.code == EXIT_REJECTED, run.stderr
    assert f"nft -c -f {CANDIDATE_NFT}): exit status 1: {typo} line 2: syntax error" in run.stderr
    assert "INCLUDE-FILE-TEXT" not in _shown(run)
    assert "acept" not in _shown(run)
    assert nft_table(router_lab) == table_before
