"""The seam between frr-edge's flow and one kind of router: plan (preview), apply, observe.

The controller (operator/reconcile.py) and the CLI (apply_cli.py, diff_cli.py) reach a router only through
a `Backend`; `Backends` makes the one for a Router from the inputs that hold its credentials. What a backend
returns and raises is in outcome.py. frr-edge has one kind today, `linux.backend.SshBackend`: FRR and
nftables on a Linux router over SSH (the packages frr/ and nftables/ plan, ssh/ reaches the router, linux/
applies, rolls back and observes). A new kind of router (another router OS, an agent instead of SSH) is a
package beside linux/ with a class of this shape, and its renderer beside controller/render/
(docs/changes.md). This module and outcome.py import no backend (pyproject.toml's import contracts).
"""

from __future__ import annotations

from typing import Protocol

from controller.api.router import Router
from controller.inputs import Inputs
from controller.pipeline import RouterResult
from controller.router.outcome import ApplyReport, Observation, Preview


class Backend(Protocol):
    """One router, as the flow drives it. Every method raises RouterUnreachable when the router cannot be
    reached, and FrrEdgeError when what it runs cannot be read."""

    async def connect(self) -> None:
        """Reach the router (a no-op when already connected)."""

    async def apply(self, result: RouterResult) -> ApplyReport:
        """Make the router run `result`; raises InvalidConfiguration (nothing sent), ConfigRejected (the
        router refused; its previous configuration runs again) or RouterBusy (another writer holds it)."""
        ...

    async def preview(self, result: RouterResult) -> Preview:
        """What `apply(result)` would change; writes nothing. Raises InvalidConfiguration."""
        ...

    async def observe(self) -> Observation:
        """What the router runs now (its configuration redacted) and its BGP sessions."""
        ...

    async def last_applied(self) -> tuple[str | None, str | None]:
        """The FRR configuration and the ruleset of the last good apply, as rendered; None where there is
        none (a new router, or one that lost them)."""
        ...

    def close(self) -> None:
        """Let go of the router (connections); the next call reaches it again."""


class Backends(Protocol):
    """Makes the Backend of a Router; the controller keeps one per Router and asks again on every run."""

    def backend_for(self, router: Router, inputs: Inputs) -> Backend:
        """The Router's backend; raises NotInInputs (its credentials are not among the inputs) or
        FrrEdgeError (they cannot be used)."""
        ...

    def close(self) -> None:
        """Let go of every router."""
