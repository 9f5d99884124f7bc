"""`frr-edge run`: the controller. Watch events feed an in-memory index; one debounced worker per Router applies.

index (what the cluster holds) → worker (when to act) → reconcile (render, apply, observe, report) → kube
(RouterState, Events). `main` only wires kopf to the index; `leader` decides which replica may act.
"""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `run`."""
    from controller.operator.main import add_commands as add_run

    add_run(commands)
