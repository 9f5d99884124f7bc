"""`frr-edge run`: the controller. Watch events feed an in-memory index; one debounced worker per Router applies.

index (what the cluster holds) → worker (when to act) → reconcile (render, apply, observe, report) → kube
(RouterState, Events). `main` only wires kopf to the index; `leader` decides which replica may act.
"""

from controller.operator.cli import add_commands

__all__ = ["add_commands"]
