"""The frr-edge API (group frr-edge.dev, version v1alpha1) as pydantic models."""

from controller.api.common import API_VERSION, GROUP, VERSION, LabelSelector, ObjectMeta
from controller.api.firewallpolicy import FirewallPolicy
from controller.api.frrconfiguration import FRRConfiguration
from controller.api.router import Router
from controller.api.routerstate import RouterState

__all__ = [
    "API_VERSION",
    "GROUP",
    "VERSION",
    "FRRConfiguration",
    "FirewallPolicy",
    "LabelSelector",
    "ObjectMeta",
    "Router",
    "RouterState",
]
