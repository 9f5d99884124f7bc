"""Stand-in CustomResourceDefinitions for MetalLB's `metallb.io` kinds, for the test tiers and the demo.

MetalLB does not run here; the API server only has to know its kinds the way a cluster running MetalLB
does (group, kinds, versions, scope), so that MetalLB objects can be applied, watched and named in RBAC.
The schemas are open on purpose: MetalLB validates its own objects, frr-edge reads them leniently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from controller.offline import dump_yaml

GROUP = "metallb.io"
# kind, plural, served versions (the last one is stored)
KINDS = (
    ("BGPPeer", "bgppeers", ("v1beta1", "v1beta2")),
    ("IPAddressPool", "ipaddresspools", ("v1beta1",)),
    ("BGPAdvertisement", "bgpadvertisements", ("v1beta1",)),
    ("BFDProfile", "bfdprofiles", ("v1beta1",)),
    ("Community", "communities", ("v1beta1",)),
)
_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def definitions() -> list[dict[str, Any]]:
    """One CRD per MetalLB kind frr-edge reads."""
    crds = []
    for kind, plural, versions in KINDS:
        crds.append(
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": f"{plural}.{GROUP}"},
                "spec": {
                    "group": GROUP,
                    "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()},
                    "scope": "Namespaced",
                    "versions": [
                        {
                            "name": version,
                            "served": True,
                            "storage": version == versions[-1],
                            "schema": {
                                "openAPIV3Schema": {
                                    "type": "object",
                                    "properties": {"spec": _OPEN, "status": _OPEN},
                                }
                            },
                            "subresources": {"status": {}},
                        }
                        for version in versions
                    ],
                },
            }
        )
    return crds


def write(directory: Path) -> Path:
    """Write the CRDs into one file in `directory` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "metallb-crds.yaml"
    path.write_text(dump_yaml(definitions()))
    return path
