"""deploy/image: the lock file holds pyproject's pins, and the Containerfile's layout runs frr-edge with its grammar.

No container engine runs here; the layout test copies what the Containerfile's COPY lines copy into a
directory and runs the package from there, as the image's ENV would.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "deploy" / "image"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def instructions() -> list[tuple[str, str]]:
    """The Containerfile's instructions as (keyword, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (IMAGE / "Containerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0], line.split(None, 1)[1]) for line in lines]


def locked() -> dict[str, tuple[str, int]]:
    """Package name -> (version, number of hashes) in requirements.txt."""
    text = re.sub(r"\\\n", " ", (IMAGE / "requirements.txt").read_text())
    packages = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", line)
            assert match, f"not an exact pin: {line[:80]}"
            packages[_normal(match[1])] = (match[2], line.count("--hash=sha256:"))
    return packages


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_pins_exactly_what_pyproject_pins() -> None:
    packages = locked()
    for requirement in PYPROJECT["dependencies"]:
        name, version = requirement.split("==")
        assert packages[_normal(name)][0] == version, f"{name}: run deploy/image/lock.sh"
    assert all(hashes for _, hashes in packages.values())


def test_image_installs_only_the_locked_wheels() -> None:
    runs = " ".join(arguments for keyword, arguments in instructions() if keyword == "RUN")
    assert "--require-hashes" in runs and "--only-binary=:all:" in runs
    assert "--requirement /tmp/requirements.txt" in runs
    copies = [arguments.split() for keyword, arguments in instructions() if keyword == "COPY"]
    assert ["deploy/image/requirements.txt", "/tmp/requirements.txt"] in copies


def test_image_python_and_user_match_the_lock_and_the_deployment() -> None:
    (base,) = [
        arguments for keyword, arguments in instructions() if keyword == "ARG" and arguments.startswith("PYTHON=")
    ]
    assert base.startswith("PYTHON=python:3.11-")
    assert "--python-version 3.11" in (IMAGE / "lock.sh").read_text()
    assert PYPROJECT["requires-python"] == ">=3.11"
    (user,) = [arguments for keyword, arguments in instructions() if keyword == "USER"]
    deployment = YAML(typ="safe").load(REPO / "deploy" / "controller.yaml")
    pod = deployment["spec"]["template"]["spec"]["securityContext"]
    assert user == f"{pod['runAsUser']}:{pod['runAsGroup']}"
    labels = " ".join(arguments for keyword, arguments in instructions() if keyword == "LABEL")
    assert f'org.opencontainers.image.version="{PYPROJECT["version"]}"' in labels


def test_image_layout_runs_frr_edge_with_its_grammar(tmp_path: Path) -> None:
    # Given the files the Containerfile copies from the repository, where it copies them...
    environment = dict(
        arguments.split("=", 1) for keyword, line in instructions() if keyword == "ENV" for arguments in line.split()
    )
    app = environment["PYTHONPATH"]
    for keyword, arguments in instructions():
        source, *rest = arguments.split()
        if keyword == "COPY" and not source.startswith("--from") and rest[0].startswith(app + "/"):
            (tmp_path / rest[0].removeprefix(app + "/")).parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["cp", "-r", str(REPO / source), str(tmp_path / rest[0].removeprefix(app + "/"))], check=True
            )
    for keyword, arguments in instructions():
        for removed in re.findall(rf"rm -rf ({re.escape(app)}/\S+)", arguments) if keyword == "RUN" else []:
            subprocess.run(["rm", "-rf", str(tmp_path / removed.removeprefix(app + "/"))], check=True)
    # ...the package imported from there parses FRR text with the grammar it finds beside itself.
    probe = (
        "import controller.frrcfg.parser as p; "
        "p.parse('router bgp 64512\\n neighbor 192.0.2.2 remote-as 64513\\nexit\\n'); "
        "print(p.__file__); print(p.GRAMMAR)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd="/",
        env={"PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module, grammar = result.stdout.splitlines()
    assert module == str(tmp_path / "controller" / "frrcfg" / "parser.py")
    assert grammar == str(tmp_path / "controller" / "frrcfg" / "frr.lark")


def test_image_leaves_the_lab_out_and_its_cli_still_runs(tmp_path: Path) -> None:
    test_image_layout_runs_frr_edge_with_its_grammar(tmp_path)
    assert (tmp_path / "controller" / "frrcfg").is_dir()
    assert not (tmp_path / "controller" / "lab").exists()
    shown = subprocess.run(
        [sys.executable, "-m", "controller", "--help"],
        cwd="/",
        env={"PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    commands = re.findall(r"^    (\S+)", shown.stdout, re.MULTILINE)
    assert "render" in commands and "lab" not in commands, commands
