"""The frr-edge API (group frr-edge.dev, version v1alpha1) as pydantic models.

The kinds users write; RouterState, which only the controller writes, comes from controller.api.routerstate
(every command imports this package, and `validate` has no use for status models).
"""

from controller.api.common import API_VERSION, GROUP, VERSION, LabelSelector, ObjectMeta
from controller.api.firewallpolicy import FirewallPolicy
from controller.api.frrconfiguration import FRRConfiguration
from controller.api.router import Router

__all__ = [
    "API_VERSION",
    "GROUP",
    "VERSION",
    "FRRConfiguration",
    "FirewallPolicy",
    "LabelSelector",
    "ObjectMeta",
    "Router",
]
