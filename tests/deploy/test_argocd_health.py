"""Argo CD's view of frr-edge's objects: docs/argocd/health.lua run by a real Lua 5.1, as Argo CD runs it.

Argo CD executes a health script with gopher-lua (Lua 5.1): the object is the global `obj` (JSON decoded
into tables), and the chunk returns `{status, message}`. lupa's lua51 runtime does the same here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lupa import lua51  # type: ignore[import-untyped]
from ruamel.yaml import YAML

from controller.api.router import Router
from controller.api.routerstate import RouterState

REPO = Path(__file__).resolve().parents[2]
HEALTH_LUA = REPO / "docs" / "argocd" / "health.lua"
ARGOCD_CM = REPO / "docs" / "argocd" / "argocd-cm.yaml"
CASES = YAML(typ="safe").load((Path(__file__).parent / "fixtures" / "argocd-health.yaml").read_text())
KINDS = ("Router", "RouterState", "FRRConfiguration", "FirewallPolicy")
KEY = "resource.customizations.health.frr-edge.dev_{kind}"
ARGOCD_CM_HEAD = """\
# Argo CD health checks for frr-edge's kinds: merge into the argocd-cm ConfigMap (Argo CD's namespace).
# Generated: the script under each key is docs/argocd/health.lua, byte for byte (tests/deploy checks it;
# UPDATE_ARGOCD=1 python3 -m pytest tests/deploy rewrites this file).
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
"""


def health(script: str, obj: dict[str, Any]) -> dict[str, str]:
    """What Argo CD would show for `obj`: the script's returned table, in a fresh interpreter."""
    lua = lua51.LuaRuntime()
    lua.globals().obj = lua.table_from(obj, recursive=True)
    result = lua.execute(script)
    return dict(result.items())


def argocd_cm() -> dict[str, str]:
    data: dict[str, str] = YAML(typ="safe").load(ARGOCD_CM.read_text())["data"]
    return data


@pytest.mark.parametrize("case", CASES, ids=[case["story"] for case in CASES])
def test_health(case: dict[str, Any]) -> None:
    obj = case["object"]
    script = argocd_cm()[KEY.format(kind=obj["kind"])]
    shown = health(script, obj)
    assert shown["status"] == case["health"], shown
    assert case.get("message", "") in shown["message"]


def test_every_kind_is_seen_healthy_progressing_and_degraded_and_a_paused_router_suspended() -> None:
    seen = {(case["object"]["kind"], case["health"]) for case in CASES}
    every = {(kind, health) for kind in KINDS for health in ("Healthy", "Progressing", "Degraded")}
    assert seen == every | {("Router", "Suspended"), ("RouterState", "Suspended")}


@pytest.mark.parametrize("case", [c for c in CASES if c["object"]["kind"] in ("Router", "RouterState")])
def test_cases_hold_what_frr_edge_writes(case: dict[str, Any]) -> None:
    # The statuses above must be ones the models (and so the CRDs) allow, or the cases prove nothing.
    model = Router if case["object"]["kind"] == "Router" else RouterState
    model.model_validate(case["object"])


def test_argocd_cm_embeds_health_lua_for_every_kind() -> None:
    expected = {KEY.format(kind=kind): HEALTH_LUA.read_text() for kind in KINDS}
    if os.environ.get("UPDATE_ARGOCD"):
        body = "".join(f"  {key}: |\n{_indent(text)}" for key, text in expected.items())
        ARGOCD_CM.write_text(ARGOCD_CM_HEAD + body)
    assert ARGOCD_CM.read_text().startswith(ARGOCD_CM_HEAD)
    assert argocd_cm() == expected, "docs/argocd/argocd-cm.yaml is stale: run with UPDATE_ARGOCD=1"


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())
