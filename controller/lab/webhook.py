"""The admission webhook registered in a lab cluster, as deploy/webhook.yaml registers it in a real one.

The lab's API server reaches no Service (no kube-proxy, no cluster network): the configuration calls the
webhook at a loopback URL instead of deploy's Service; everything else (rules, failurePolicy, timeout,
sideEffects, the Secret frr-edge fills) is deploy's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.lab.kubectl import Kubectl

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "deploy" / "webhook.yaml"
CONFIGURATION = "frr-edge"


def manifests(url: str) -> list[dict[str, Any]]:
    """deploy/webhook.yaml without its Service, the configuration calling `url`."""
    documents = [d for d in YAML(typ="safe").load_all(MANIFEST.read_text()) if d and d["kind"] != "Service"]
    for document in documents:
        for webhook in document.get("webhooks", []):
            webhook["clientConfig"] = {"url": url}
    return documents


def register(kubectl: Kubectl, url: str) -> None:
    """The webhook's Secret and ValidatingWebhookConfiguration, calling `url` (https://127.0.0.1:PORT/validate)."""
    kubectl("apply", "--filename=-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests(url)}))


def unregister(kubectl: Kubectl) -> None:
    """The API server stops calling the webhook."""
    kubectl("delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found")
