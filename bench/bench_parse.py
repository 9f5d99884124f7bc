"""Parse throughput of controller.frrcfg against frr-reload.py's own loading of the same files.

    python3 bench/bench_parse.py [--quick]

Data sets: the accepted files of ../shared/corpus/frr (as one batch), and synthetic configurations of
about 10k and 100k lines shaped like frr-edge's output (neighbors with their prefix-lists and
route-maps). Reference: frr-reload.py's `Config.load_from_file`, which runs `vtysh -m -f FILE` and
then `load_contexts`, imported from /usr/lib/frr by path; its `load_contexts` alone on the already
marked lines is printed too, since that is the part written in Python.

Also printed: `frrcfg.check`, FRR's verdict on every line from the command table (check.py). It is a step
of its own (raw snippets, `frr-edge parse`), not part of parse(). Its verdicts by line shape are kept
between runs, as in a long-running controller; the best of the runs is shown, like the others.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from controller.frrcfg import check, parse  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "frr"
FRR_RELOAD = Path("/usr/lib/frr/frr-reload.py")


def synthetic(neighbors: int) -> str:
    """A config like frr-edge renders: per neighbor, session lines, AF lines, prefix-list, route-maps."""
    bgp = ["router bgp 64512", " bgp router-id 192.0.2.1", " no bgp ebgp-requires-policy"]
    family = [" address-family ipv4 unicast", "  maximum-paths 8"]
    policy: list[str] = []
    for i in range(neighbors):
        peer = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
        bgp += [
            f" neighbor {peer} remote-as {64513 + i % 1000}",
            f" neighbor {peer} description frr-edge",
            f" neighbor {peer} timers 30 90",
            f" neighbor {peer} timers connect 10",
            f" neighbor {peer} password pw{i}",
            f" neighbor {peer} bfd profile fast",
        ]
        family += [
            f"  neighbor {peer} activate",
            f"  neighbor {peer} route-map rm-{i}-in in",
            f"  neighbor {peer} route-map rm-{i}-out out",
        ]
        policy += [
            f"ip prefix-list pl-{i} seq 1 permit 198.51.{i % 256}.0/24 le 32",
            f"ip prefix-list pl-{i} seq 2 permit 203.0.{i % 256}.0/24 le 32",
            f"ip prefix-list pl-{i} seq 3 deny any",
            f"route-map rm-{i}-in permit 10",
            f" match ip address prefix-list pl-{i}",
            " set local-preference 100",
            f" set community 64512:{i % 65536} additive",
            "exit",
            f"route-map rm-{i}-in deny 20",
            "exit",
            f"route-map rm-{i}-out permit 10",
            "exit",
        ]
    family.append(" exit-address-family")
    bfd = ["bfd", " profile fast", "  receive-interval 300", "  transmit-interval 300", " exit", "exit"]
    return "\n".join([*policy, *bgp, *family, "exit", *bfd, ""])


def frr_reload() -> ModuleType:
    spec = importlib.util.spec_from_file_location("frr_reload", FRR_RELOAD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its regexes use invalid escapes
        spec.loader.exec_module(module)
    return module


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(name: str, paths: list[Path], runs: int, reload: ModuleType) -> None:
    texts = [path.read_text() for path in paths]
    lines = sum(text.count("\n") for text in texts)

    def ours() -> None:
        for path, text in zip(paths, texts, strict=True):
            parse(text, path.name)

    marked: list[list[str]] = []

    def theirs() -> None:
        marked.clear()
        for path in paths:
            config = reload.Config(reload.Vtysh(bindir="/usr/bin"))
            config.load_from_file(str(path))
            marked.append(config.lines)

    def theirs_python_only() -> None:
        for lines_of_file in marked:
            config = reload.Config(None)
            config.lines = lines_of_file
            config.load_contexts()

    def checked() -> None:
        for text in texts:
            check(text)

    t_ours = best(runs, ours)
    t_theirs = best(max(1, runs // 2), theirs)
    t_python = best(runs, theirs_python_only)
    t_check = best(runs, checked)
    ours_rate, theirs_rate, python_rate = lines / t_ours, lines / t_theirs, lines / t_python
    print(
        f"{name:<22} {lines:>8} lines | frrcfg.parse {ours_rate:>9,.0f} lines/s ({t_ours:6.3f} s)"
        f" | frr-reload load_from_file {theirs_rate:>9,.0f} lines/s ({t_theirs:6.3f} s)"
        f" ratio {t_theirs / t_ours:5.2f}x | its load_contexts alone {python_rate:>9,.0f} lines/s"
        f" ratio {t_python / t_ours:5.2f}x | frrcfg.check {lines / t_check:>9,.0f} lines/s ({t_check:6.3f} s)"
    )


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="one run each, no 100k data set")
    args = options.parse_args()
    runs = 1 if args.quick else 5
    reload = frr_reload()
    parse("hostname warm-up\n")  # builds the LALR tables once, as a long-running controller does
    check("hostname warm-up\n")  # builds the command graphs once

    verdicts = (CORPUS / "VERDICTS-FRR-8.4.tsv").read_text().splitlines()
    accepted = [CORPUS / line.split("\t")[0] for line in verdicts if line.endswith("\taccepted")]
    # Files vtysh -m refuses although FRR accepts them (see tests/frrcfg/test_corpus.py).
    not_markable = {
        "bgp_asdot_regex__r1__bgpd.conf",
        "multicast_gmp_access_list_topo1__r1__frr.conf",
        "multicast_ssm_topo1__r1__frr.conf",
        "multicast_ssm_topo1__r2__frr.conf",
        "pim_timers__r1__frr.conf",
    }
    markable = [path for path in accepted if path.name not in not_markable]
    print(f"python {sys.version.split()[0]}; ratio > 1 means frrcfg.parse is faster")
    measure(f"corpus ({len(markable)} files)", markable, runs, reload)
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [("synthetic 10k", 500)] + ([] if args.quick else [("synthetic 100k", 5000)])
        for name, neighbors in sizes:
            path = Path(tmp) / f"{neighbors}.conf"
            path.write_text(synthetic(neighbors))
            measure(name, [path], runs, reload)


if __name__ == "__main__":
    main()
