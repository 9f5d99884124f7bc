"""Resources for tests, written as the YAML a user would apply."""

from __future__ import annotations

from textwrap import dedent, indent

from controller.desired import DesiredRouter
from controller.inputs import Inputs, add_object
from controller.manifests import read_documents
from controller.pipeline import desired_router

ROUTER = """
apiVersion: frr-edge.dev/v1alpha1
kind: Router
metadata:
  name: edge-1
  labels: {site: lab}
spec:
  address: 192.0.2.1
  user: frr-edge
  sshKeySecretRef: {namespace: frr-edge-system, name: edge-1-ssh}
  insecureIgnoreHostKey: true
  firewall: {publicInterface: pub0}
"""


def resources(*documents: str) -> Inputs:
    """Inputs from YAML text, as if read from one file (each text may hold several documents)."""
    inputs = Inputs()
    index = 0
    for text in documents:
        for document in read_documents(dedent(text), "test.yaml"):
            if document.value is not None:
                add_object(inputs, document.value, "test.yaml", index)
                index += 1
    return inputs


def _object(kind: str, name: str, spec: str, namespace: str) -> str:
    return (
        f"apiVersion: frr-edge.dev/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"spec:\n{indent(dedent(spec).strip(), '  ')}\n"
    )


def frr_configuration(name: str, spec: str, namespace: str = "default") -> str:
    """An FRRConfiguration document with this spec (YAML text)."""
    return _object("FRRConfiguration", name, spec, namespace)


def firewall_policy(name: str, spec: str, namespace: str = "default") -> str:
    """A FirewallPolicy document with this spec (YAML text)."""
    return _object("FirewallPolicy", name, spec, namespace)


def desired(*documents: str, router: str = ROUTER) -> DesiredRouter:
    """The merged desired state of the router for these documents; raises the core's typed errors."""
    inputs = resources(router, *documents)
    assert not [i for i in inputs.invalid if i.error.origin.kind == "Router"], inputs.invalid
    return desired_router(inputs.routers[0], inputs)[0]
