"""Router: how to reach one external router and what frr-edge may do on it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from controller.api.common import (
    API_VERSION,
    Condition,
    InterfaceName,
    IPAddress,
    KubernetesNamespace,
    Model,
    ObjectMeta,
    Word,
    cel,
    settings,
)

_HOST_KEY = re.compile(
    r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|"
    r"sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+=*( [ -~]*)?",
    re.ASCII,
)
HOST_KEY_PATTERN = f"^{_HOST_KEY.pattern}$"


def _host_key(value: str) -> str:
    if not _HOST_KEY.fullmatch(value):
        raise ValueError(
            "must be an OpenSSH public host key line such as 'ssh-ed25519 AAAAC3Nza... comment' "
            "(from /etc/ssh/ssh_host_ed25519_key.pub on the router)"
        )
    return value


HostKey = Annotated[str, Field(max_length=16384, pattern=HOST_KEY_PATTERN), AfterValidator(_host_key)]
AbsolutePath = Annotated[str, Field(max_length=255, pattern=r"^/[A-Za-z0-9._/-]*$")]

# The directory of the admin's own nft rules on a router: root's, so a Router editor or frr-edge's login user
# can have nft read only what the admin put there (docs/router.md).
INCLUDE_DIR = "/etc/frr-edge/include.d"
# A file name or a glob of names (`*`, `?`) directly inside it: dot-separated parts, so no `..`, no `/`.
_NAME_PART = r"[A-Za-z0-9_*?-]+"
_DIR_PATTERN = INCLUDE_DIR.replace(".", r"\.")
INCLUDE_PATTERN = rf"^{_DIR_PATTERN}/{_NAME_PART}(\.{_NAME_PART})*$"


def _include_path(value: str) -> str:
    if not re.fullmatch(INCLUDE_PATTERN, value):
        raise ValueError(
            f"must be a file name or a glob of file names directly inside {INCLUDE_DIR}, such as "
            f"{INCLUDE_DIR}/local.nft or {INCLUDE_DIR}/*.nft (letters, digits, '_', '-', '*', '?', and single dots)"
        )
    return value


# The pattern is the CRD's; Python checks the same with a message that says what is allowed.
IncludePath = Annotated[
    str, AfterValidator(_include_path), Field(max_length=255, json_schema_extra={"pattern": INCLUDE_PATTERN})
]


class SSHKeySecretRef(Model):
    """The Secret holding frr-edge's private SSH key for this router."""

    namespace: Word = Field(description="Namespace of the Secret.")
    name: Word = Field(description="Name of the Secret.")
    key: Word = Field(default="ssh-privatekey", description="Key in the Secret's data (ssh-privatekey).")


class FRRSettings(Model):
    """Where FRR lives on the router and how much of it frr-edge owns."""

    vtysh_path: AbsolutePath = Field(default="/usr/bin/vtysh", description="Path of vtysh on the router.")
    reload_path: AbsolutePath = Field(
        default="/usr/lib/frr/frr-reload.py", description="Path of frr-reload.py, the fallback apply path."
    )
    pathspace: Annotated[str, Field(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")] | None = Field(
        default=None, description="FRR pathspace (vtysh -N) when several FRR instances share a host."
    )
    ownership: Literal["Managed", "Full"] = Field(
        default="Managed",
        description="Managed: change only what frr-edge created and keep what an admin configured by hand. "
        "Full: the merged configuration is the router's whole FRR configuration.",
    )


class FirewallSettings(Model):
    """Basics of the router's nftables firewall; Service rules come from FirewallPolicies."""

    public_interface: InterfaceName | None = Field(
        default=None,
        description="Interface facing clients; Service rules apply to traffic arriving on it. "
        "When unset, they apply to forwarded traffic from any interface.",
    )
    allow_ssh: bool = Field(default=True, alias="allowSSH", description="Accept SSH to the router.")
    allow_bgp: bool = Field(
        default=True, alias="allowBGP", description="Accept BGP (tcp/179) from configured neighbors."
    )
    drop_unmatched: bool = Field(
        default=False,
        description="Drop traffic to the router itself that no rule accepts (established, loopback, ICMP, "
        "SSH and BGP stay allowed as configured).",
    )
    local_include: IncludePath | None = Field(
        default=None,
        description=f"nft rules of the admin's own on the router: a file in {INCLUDE_DIR} (root's), or a glob "
        f"such as {INCLUDE_DIR}/*.nft, which may match nothing; included in frr-edge's chains before Service "
        "rules and never rewritten. A plain file that does not exist makes the router refuse the ruleset, and so "
        "does a file that resolves outside the directory (a symlink).",
    )


class MetalLBSettings(Model):
    """Whether and how frr-edge follows MetalLB for this router."""

    enabled: bool = Field(default=False, description="Derive neighbors, prefixes and firewall from MetalLB.")
    namespace: KubernetesNamespace = Field(default="metallb-system", description="Namespace MetalLB runs in.")
    neighbor_address: Literal["NodeInternalIP", "SpeakerPodIP"] = Field(
        default="NodeInternalIP",
        description="Which address of a speaker the router peers with; a BGPPeer's sourceAddress wins over both.",
    )
    load_balancer_class: Annotated[str, Field(max_length=253, pattern=r"^[A-Za-z0-9./_-]+$")] | None = Field(
        default=None,
        description="Only Services of this loadBalancerClass are allowed through the firewall; when unset, only "
        "Services without a class (MetalLB's default).",
    )
    grace_period_seconds: int = Field(
        default=300,
        ge=0,
        le=86400,
        description="How long a departed speaker's neighbor stays while its session is still Established.",
    )


class RouterSpec(Model):
    """How to reach the router and what frr-edge manages there."""

    model_config = settings(
        cel(
            "(has(self.hostKeys) && size(self.hostKeys) > 0) || "
            "(has(self.insecureIgnoreHostKey) && self.insecureIgnoreHostKey)",
            "hostKeys is required unless insecureIgnoreHostKey is true",
        )
    )

    address: IPAddress = Field(description="Management address frr-edge connects to over SSH.")
    port: int = Field(default=22, ge=1, le=65535, description="SSH port.")
    user: Annotated[str, Field(max_length=32, pattern=r"^[a-z_][a-z0-9_-]*$")] = Field(
        description="Login user on the router."
    )
    ssh_key_secret_ref: SSHKeySecretRef = Field(description="Secret with the private SSH key.")
    host_keys: list[HostKey] = Field(
        default_factory=list,
        max_length=16,
        description="Pinned OpenSSH public host keys of the router; connecting to any other key is refused.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    insecure_ignore_host_key: bool = Field(
        default=False, description="Accept any host key (not recommended); RouterState shows it."
    )
    frr: FRRSettings = Field(default_factory=FRRSettings, description="FRR on the router.")
    bgp_addresses: list[IPAddress] = Field(
        default_factory=list,
        max_length=16,
        description="Addresses speakers dial for BGP (MetalLB BGPPeer peerAddress); defaults to [address].",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    firewall: FirewallSettings = Field(default_factory=FirewallSettings, description="Firewall basics.")
    metallb: MetalLBSettings = Field(default_factory=MetalLBSettings, description="MetalLB integration.")
    paused: bool = Field(default=False, description="Stop applying changes; state is still observed.")

    @model_validator(mode="after")
    def _host_keys_required(self) -> RouterSpec:
        if not self.host_keys and not self.insecure_ignore_host_key:
            raise ValueError("hostKeys is required unless insecureIgnoreHostKey is true")
        return self

    @property
    def peering_addresses(self) -> list[str]:
        """The addresses speakers dial: bgpAddresses, or the management address."""
        return list(self.bgp_addresses) or [self.address]


class RouterStatus(Model):
    """Summary of the router, mirrored from its RouterState."""

    model_config = settings(strict=False)

    observed_generation: int | None = Field(default=None, description="Generation last acted upon.")
    conditions: list[Condition] = Field(
        default_factory=list,
        max_length=16,
        description="Ready and friends.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    last_applied_time: datetime | None = Field(default=None, description="Time of the last good apply.")


class Router(Model):
    """An external router frr-edge configures."""

    model_config = settings(extra="ignore")

    api_version: str = API_VERSION
    kind: Literal["Router"] = "Router"
    metadata: ObjectMeta
    spec: RouterSpec
    status: RouterStatus | None = None
