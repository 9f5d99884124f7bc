"""spec.firewall.localInclude names only files directly inside /etc/frr-edge/include.d; the CRD agrees."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from controller.api.crd import all_crds
from controller.api.router import INCLUDE_DIR
from tests.core.builders import ROUTER, resources

REPO = Path(__file__).resolve().parents[2]
REFUSED = [
    "/etc/shadow",
    "/root/.ssh/id_ed25519",
    f"{INCLUDE_DIR}/../../shadow",
    f"{INCLUDE_DIR}/..",
    f"{INCLUDE_DIR}/a..nft",
    f"{INCLUDE_DIR}/.hidden.nft",
    f"{INCLUDE_DIR}/sub/rules.nft",
    f"{INCLUDE_DIR}/",
    f"{INCLUDE_DIR}/*/x.nft",
    f"{INCLUDE_DIR}/x.nft\n",
    f"{INCLUDE_DIR}/x y.nft",
    f"{INCLUDE_DIR}/[ab].nft",
    f"{INCLUDE_DIR}2/x.nft",
]
ACCEPTED = [f"{INCLUDE_DIR}/local.nft", f"{INCLUDE_DIR}/*.nft", f"{INCLUDE_DIR}/edge-?.rules", f"{INCLUDE_DIR}/*"]


def _router(local_include: str) -> str:
    return ROUTER.replace("firewall: {publicInterface: pub0}", f"firewall: {{localInclude: {local_include!r}}}")


def _crd_pattern() -> str:
    (router,) = [crd for crd in all_crds() if crd["spec"]["names"]["kind"] == "Router"]
    spec = router["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    pattern: str = spec["properties"]["firewall"]["properties"]["localInclude"]["pattern"]
    return pattern


@pytest.mark.parametrize("local_include", REFUSED, ids=repr)
def test_a_path_outside_the_include_directory_is_refused_by_the_model_and_the_crd(local_include: str) -> None:
    inputs = resources(_router(local_include))

    assert [str(invalid.error) for invalid in inputs.invalid] == [
        "test.yaml#0 Router edge-1: spec.firewall.localInclude: must be a file name or a glob of file names "
        f"directly inside {INCLUDE_DIR}, such as {INCLUDE_DIR}/local.nft or {INCLUDE_DIR}/*.nft "
        "(letters, digits, '_', '-', '*', '?', and single dots)"
    ]
    # The API server matches the whole string (RE2, no multi-line mode): so does fullmatch.
    assert re.fullmatch(_crd_pattern(), local_include) is None


@pytest.mark.parametrize("local_include", ACCEPTED)
def test_a_file_or_glob_inside_the_include_directory_is_accepted(local_include: str) -> None:
    inputs = resources(_router(local_include))

    assert not inputs.invalid
    assert inputs.routers[0].object.spec.firewall.local_include == local_include
    assert re.fullmatch(_crd_pattern(), local_include)


def test_validate_exits_2_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(_router("/etc/shadow"))

    result = subprocess.run(
        [sys.executable, "-m", "controller", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )

    assert result.returncode == 2
    assert f"{path}#0 Router edge-1: spec.firewall.localInclude: must be a file name" in result.stderr
