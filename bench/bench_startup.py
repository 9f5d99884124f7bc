"""Start-up of the CLI: what a command costs before and around its work, against a bare `python3 -c pass`.

    python3 bench/bench_startup.py [--runs 9]

Each command runs as a fresh process of this tree's code (`python3 -m controller ...` with this tree first on
PYTHONPATH, which is what the `frr-edge` console script runs), round-robin, so that the load of a shared
machine falls on all of them alike; the medians of wall time and of CPU time (user + system of the child)
are printed with their ratio to the reference, measured in the same run. Targets (issue 14): `--help`
within 3x of the reference, `validate` of a small file within 5x. Nothing here gates CI: wall time on a
shared machine is no test (tests/packaging/test_startup.py checks what each command imports instead).

Whatever a command caches per user goes under XDG_CACHE_HOME, which the bench sets: a directory of its own
filled by one untimed run first, as every run after the first one finds it; `parse, no cache` gives each run
an empty one, as the first run after an install or a grammar change finds it. Bytecode likewise: an
installed wheel and the controller image carry compiled modules, so the bench keeps this tree's bytecode in
a scratch directory (PYTHONPYCACHEPREFIX, even where PYTHONDONTWRITEBYTECODE is set), filled by the untimed
run; `validate, no bytecode` compiles this tree's modules each run, as a source tree without __pycache__
run with PYTHONDONTWRITEBYTECODE does.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SMALL_FILE = REPO / "samples" / "core" / "router.yaml"
SMALL_CONFIGURATION = REPO / "samples" / "core" / "bgp-base.yaml"
SAMPLES = REPO / "samples"
TARGETS = {"--help": 3.0, "validate -f router.yaml": 5.0, "validate -f bgp-base.yaml": 5.0}


@dataclass
class Command:
    """One command line to time, with its cache directory (None: a fresh empty one per run)."""

    label: str
    argv: list[str]
    cache: Path | None
    no_bytecode: bool = False
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def run_once(command: Command, scratch: Path) -> None:
    """Run the command once; record its wall time and its CPU time. Fails loudly on a non-zero exit."""
    cache = command.cache or Path(tempfile.mkdtemp(dir=scratch))
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(cache), PYTHONPYCACHEPREFIX=str(scratch / "bytecode"))
    if command.no_bytecode:  # the standard library and site-packages keep their own __pycache__
        del environment["PYTHONPYCACHEPREFIX"]
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        command.argv, cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{command.label}: exit {result.returncode}\n{result.stderr.decode()}")
    command.wall.append(wall)
    command.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def _met(ratio: float, target: float) -> str:
    return "met" if ratio <= target else "MISSED"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=9, help="runs of each command (9)")
    runs = options.parse_args().runs
    load = _load()

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as directory:
        scratch = Path(directory)
        one_line = scratch / "one-line.conf"
        one_line.write_text("hostname edge-1\n")
        warm = scratch / "warm-cache"
        warm.mkdir()
        cli = [sys.executable, "-m", "controller"]
        commands = [
            Command("python3 -c pass", [sys.executable, "-c", "pass"], warm),
            Command("--help", [*cli, "--help"], warm),
            Command("validate -f router.yaml", [*cli, "validate", "-f", str(SMALL_FILE)], warm),
            Command("validate -f bgp-base.yaml", [*cli, "validate", "-f", str(SMALL_CONFIGURATION)], warm),
            Command("validate, no bytecode", [*cli, "validate", "-f", str(SMALL_FILE)], warm, no_bytecode=True),
            Command("parse one-line.conf", [*cli, "parse", str(one_line)], warm),
            Command("parse, no cache", [*cli, "parse", str(one_line)], None),
            Command("render -f samples/", [*cli, "render", "-f", str(SAMPLES)], warm),
        ]
        for command in commands:  # the warm cache filled, the files read once: not timed
            run_once(command, scratch)
            command.wall.clear()
            command.cpu.clear()
        for _ in range(runs):
            for command in commands:
                run_once(command, scratch)

    reference = commands[0]
    wall_reference, cpu_reference = statistics.median(reference.wall), statistics.median(reference.cpu)
    print(f"medians of {runs} runs each, round-robin; {os.cpu_count()} CPUs, load {load} before, {_load()} after")
    print(f"{'command':<26} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}  target")
    for command in commands:
        wall, cpu = statistics.median(command.wall), statistics.median(command.cpu)
        wall_ratio, cpu_ratio = wall / wall_reference, cpu / cpu_reference
        target = TARGETS.get(command.label)
        verdict = ""
        if target is not None:
            verdict = f"{target:g}x: wall {_met(wall_ratio, target)}, cpu {_met(cpu_ratio, target)}"
        row = f"{command.label:<26} {wall * 1000:8.0f} {wall_ratio:5.1f}x {cpu * 1000:8.0f} {cpu_ratio:5.1f}x"
        print(f"{row}  {verdict}")


if __name__ == "__main__":
    main()
