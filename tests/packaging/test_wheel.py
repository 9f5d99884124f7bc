"""The built wheel is all frr-edge needs: installed into a fresh virtualenv outside the source tree, it parses,
renders and validates (the grammar and FRR's command table are package data).

`pip wheel` builds in an isolated environment, so it fetches setuptools from the package index as
pyproject.toml's build-system asks. The virtualenv sees the system's site-packages for the dependencies;
frr-edge itself comes from the wheel, and the test checks that it does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding the wheel built from this tree; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copytree(REPO / "controller", source / "controller", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(work / "dist")],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (work / "dist").glob("frr_edge-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--no-deps", "--no-index", "--quiet", str(wheel)], check=True)
    return venv / "bin"


@cache
def environment(bin_directory: Path) -> dict[str, str]:
    """No PYTHONPATH, no source tree: only what the virtualenv has."""
    return {
        "PATH": f"{bin_directory}:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": str(bin_directory.parent),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }


def frr_edge(
    installed: Path, cwd: Path, *args: str, cache_home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed frr-edge; its cache under `cache_home` (XDG_CACHE_HOME) if given, else under HOME."""
    extra = {} if cache_home is None else {"XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(
        [str(installed / "frr-edge"), *args],
        cwd=cwd,
        env={**environment(installed), **extra},
        capture_output=True,
        text=True,
        check=False,
    )


def test_frr_edge_comes_from_the_wheel_with_its_data(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import controller.frrcfg.parser as p, controller.frrcfg.table as t; "
        "print(p.__file__); print(p.GRAMMAR.is_file()); print(t.load_table().frr)"
    )
    result = subprocess.run(
        [str(installed / "python"), "-c", probe],
        cwd=tmp_path,
        env=environment(installed),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module, grammar, frr = result.stdout.split()
    assert module.startswith(str(installed.parent / "lib")) and "site-packages" in module
    assert (grammar, frr) == ("True", "8.4.4")


def test_the_installed_wheel_parses_renders_and_validates(installed: Path, tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    shutil.copytree(REPO / "samples", samples)
    rendered = frr_edge(installed, tmp_path, "render", "-f", str(samples))
    assert rendered.returncode == 0, rendered.stderr
    assert "router bgp 64512" in rendered.stdout
    validated = frr_edge(installed, tmp_path, "validate", "-f", str(samples))
    assert validated.returncode == 0, validated.stderr

    config = tmp_path / "frr.conf"
    shutil.copy(REPO / "tests" / "frrcfg" / "fixtures" / "rendered.conf", config)
    parsed = frr_edge(installed, tmp_path, "parse", str(config))
    assert parsed.returncode == 0, parsed.stderr
    assert "neighbor 192.0.2.11 remote-as 64513" in parsed.stdout


def test_the_installed_wheel_refuses_what_frr_refuses(installed: Path, tmp_path: Path) -> None:
    config = tmp_path / "frr.conf"
    config.write_text("route-map RM permit 10\n match ip prefix-list X\nexit\n")
    parsed = frr_edge(installed, tmp_path, "parse", str(config))
    assert parsed.returncode == 2
    assert parsed.stderr.splitlines()[0] == (
        f"{config}:2:11: unexpected 'prefix-list' (FRR routemap node); "
        "expected 'address' or 'next-hop' or 'route-source'"
    )


def test_the_wheel_leaves_the_lab_out(installed: Path, tmp_path: Path) -> None:
    """The lab (namespaces, PKI, kube-apiserver) runs from a source checkout; the installed CLI has no `lab`."""
    site = next((installed.parent / "lib").glob("python3*/site-packages"))
    assert (site / "controller" / "frrcfg").is_dir()
    assert not (site / "controller" / "lab").exists()
    shown = frr_edge(installed, tmp_path, "--help")
    assert shown.returncode == 0, shown.stderr
    assert "render" in shown.stdout
    refused = frr_edge(installed, tmp_path, "lab", "demo", "start")
    assert refused.returncode == 2
    assert "invalid choice: 'lab'" in refused.stderr


def test_the_installed_wheel_keeps_the_compiled_grammar_in_the_users_cache_not_in_the_package(
    installed: Path, tmp_path: Path
) -> None:
    (package,) = installed.parent.glob("lib/python*/site-packages/controller")
    shipped = {path for path in package.rglob("*") if "__pycache__" not in path.parts}
    config = tmp_path / "frr.conf"
    shutil.copy(REPO / "tests" / "frrcfg" / "fixtures" / "rendered.conf", config)

    compiling = frr_edge(installed, tmp_path, "parse", str(config), cache_home=tmp_path / "cache")
    loading = frr_edge(installed, tmp_path, "parse", str(config), cache_home=tmp_path / "cache")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    without = frr_edge(installed, tmp_path, "parse", str(config), cache_home=blocker)  # no cache under a file

    assert compiling.returncode == loading.returncode == without.returncode == 0, without.stderr
    assert compiling.stdout == loading.stdout == without.stdout
    assert len(list((tmp_path / "cache" / "frr-edge").glob("frr-lark-*.pickle"))) == 1
    assert {path for path in package.rglob("*") if "__pycache__" not in path.parts} == shipped
