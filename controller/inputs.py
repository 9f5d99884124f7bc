"""Kubernetes objects in, typed and located: from YAML files for the CLI, from watch events for the controller.

Every object keeps its Origin, so an error names the file and document it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from controller.api import FirewallPolicy, FRRConfiguration, LabelSelector, Router
from controller.api.common import API_VERSION, GROUP
from controller.errors import FrrEdgeError, InputWarning, InvalidInput, Origin, invalid_input
from controller.manifests import ManifestError, read_file

T = TypeVar("T", bound=BaseModel)

_MODELS: dict[str, type[BaseModel]] = {
    "Router": Router,
    "FRRConfiguration": FRRConfiguration,
    "FirewallPolicy": FirewallPolicy,
}
# FRR-K8s's own objects: frr-edge reads none of them, and says so (`frr-edge convert` moves FRRConfigurations).
FRRK8S_GROUP = "frrk8s.metallb.io"
FRRK8S_API_VERSION = f"{FRRK8S_GROUP}/v1beta1"
_CLUSTER_SCOPED = {
    "Router",
    "RouterState",
    "Node",
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
}


@dataclass(frozen=True, slots=True)
class Loaded(Generic[T]):
    """A valid object and where it came from."""

    origin: Origin
    object: T


@dataclass(frozen=True, slots=True)
class Invalid:
    """An invalid object and the Routers it spoils.

    A configuration spoils the Routers its selector selects (all of them when the selector itself is
    unreadable): rendering them without it could remove what it was meant to configure. An invalid
    Router spoils only itself, which is then absent from Inputs.routers.
    """

    error: InvalidInput
    router_selector: LabelSelector | None
    spoils_routers: bool = True

    def spoils(self, labels: dict[str, str]) -> bool:
        """Whether a Router with these labels must not be rendered because of this object."""
        if not self.spoils_routers:
            return False
        return self.router_selector is None or self.router_selector.matches(labels)


# The only Secret type a password may come from: MetalLB (a BGPPeer's passwordSecret) and FRR-K8s (a
# neighbor's passwordSecret) refuse any other, so the same Secret works or fails alike in all three.
BASIC_AUTH = "kubernetes.io/basic-auth"


@dataclass(frozen=True, slots=True)
class SecretData:
    """A Secret as frr-edge keeps it: its type (Opaque when none is given) and every key's text.

    The values are left out of repr, so that a Secret printed by mistake shows none of them.
    """

    type: str
    values: dict[str, str] = field(repr=False)


@dataclass(slots=True)
class Inputs:
    """Everything frr-edge reads, sorted out by kind."""

    routers: list[Loaded[Router]] = field(default_factory=list)
    frr_configurations: list[Loaded[FRRConfiguration]] = field(default_factory=list)
    firewall_policies: list[Loaded[FirewallPolicy]] = field(default_factory=list)
    secrets: dict[tuple[str, str], SecretData] = field(default_factory=dict)
    # Objects of other kinds (MetalLB resources, Nodes, Pods, Services), kept raw for derivation.
    others: list[tuple[Origin, dict[str, Any]]] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    # Objects read but not used, each with why (FRR-K8s's own objects).
    warnings: list[InputWarning] = field(default_factory=list)
    # Where each object was first seen, to refuse the same object defined twice in the input.
    seen: dict[tuple[str, str, str], Origin] = field(default_factory=dict)


class NotInInputs(FrrEdgeError):
    """What a command or the controller looked for is not among the inputs (a Router, a Secret's key)."""


def router_named(inputs: Inputs, name: str) -> Loaded[Router]:
    """The valid Router `name`, as the CLI's `--router` and the controller's worker look it up.

    Raises the InvalidInput that made it invalid, or NotInInputs when there is no Router of that name.
    """
    for invalid in inputs.invalid:  # first: a Router defined twice is refused even where one copy is valid
        if invalid.error.origin.kind == "Router" and invalid.error.origin.name == name:
            raise invalid.error
    for router in inputs.routers:
        if router.object.metadata.name == name:
            return router
    raise NotInInputs(f"no Router named {name!r}")


def ssh_private_key(inputs: Inputs, router: Router) -> str:
    """The private SSH key text the Router's `spec.sshKeySecretRef` names, from the Secrets read.

    Raises NotInInputs naming the Secret and key (never a value) when either is missing.
    """
    ref = router.spec.ssh_key_secret_ref
    secret = inputs.secrets.get((ref.namespace, ref.name))
    if secret is None or ref.key not in secret.values:
        raise NotInInputs(f"Secret {ref.namespace}/{ref.name} with key {ref.key}")
    return secret.values[ref.key]


def password_from(secrets: Mapping[tuple[str, str], SecretData], namespace: str, name: str) -> str:
    """The `password` key of the Secret namespace/name, which must be of type kubernetes.io/basic-auth.

    Raises ValueError naming the Secret (never a value): missing, of another type, or without the key.
    """
    secret = secrets.get((namespace, name))
    if secret is None:
        raise ValueError(f"Secret {namespace}/{name} not found")
    if secret.type != BASIC_AUTH:
        raise ValueError(f"Secret {namespace}/{name} is of type {secret.type}; a password Secret must be {BASIC_AUTH}")
    password = secret.values.get("password")
    if not password:
        raise ValueError(f"Secret {namespace}/{name} has no key 'password'")
    return password


def _selector_of(document: dict[str, Any]) -> LabelSelector | None:
    try:
        return LabelSelector.model_validate(document.get("spec", {}).get("routerSelector", {}))
    except (ValidationError, AttributeError):
        return None


def origin_of(document: dict[str, Any], path: str | None = None, index: int | None = None) -> Origin:
    """Where an object comes from; a namespaced object without a namespace is in "default", as kubectl says."""
    kind = str(document.get("kind", ""))
    metadata = document.get("metadata") or {}
    name = str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if kind not in _CLUSTER_SCOPED:
        namespace = namespace or "default"
    return Origin(kind or "<no kind>", str(namespace) if namespace else None, name or "<no name>", path, index)


def add_object(inputs: Inputs, document: dict[str, Any], path: str | None = None, index: int | None = None) -> None:
    """Sort one Kubernetes object into `inputs`; invalid objects are recorded, never raised."""
    kind = str(document.get("kind", ""))
    api_version = str(document.get("apiVersion", ""))
    metadata = document.get("metadata") or {}
    name = str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""
    origin = origin_of(document, path, index)
    if origin.namespace and isinstance(metadata, dict):
        metadata.setdefault("namespace", origin.namespace)
    if kind and name and not kind.endswith("List"):
        key = (f"{api_version.split('/')[0]}/{kind}", origin.namespace or "", name)
        first = inputs.seen.setdefault(key, origin)
        if first is not origin:
            # Applied in turn, the second would silently replace the first: which one is meant?
            twice = InvalidInput(origin, "metadata.name", f"the same object is also defined at {first}")
            inputs.invalid.append(Invalid(twice, None, spoils_routers=kind != "Router"))
            return
    if api_version.split("/")[0] == FRRK8S_GROUP:
        inputs.warnings.append(InputWarning(origin, _frrk8s_ignored(kind, api_version), "ObjectIgnored"))
    elif kind in _MODELS and api_version.split("/")[0] == GROUP:
        model = _MODELS[kind]
        try:
            loaded = model.model_validate(document)
        except ValidationError as error:
            if kind == "Router":
                inputs.invalid.append(Invalid(invalid_input(origin, document, error), None, spoils_routers=False))
            else:
                inputs.invalid.append(Invalid(invalid_input(origin, document, error), _selector_of(document)))
            return
        if isinstance(loaded, Router):
            inputs.routers.append(Loaded(origin, loaded))
        elif isinstance(loaded, FRRConfiguration):
            inputs.frr_configurations.append(Loaded(origin, loaded))
        elif isinstance(loaded, FirewallPolicy):
            inputs.firewall_policies.append(Loaded(origin, loaded))
    elif kind == "Secret" and api_version == "v1":
        # With the first Secret: the models of Kubernetes' own kinds cost every start-up, and few inputs hold one.
        from controller.kubernetes import Secret

        try:
            secret = Secret.model_validate(document)
            inputs.secrets[(origin.namespace or "default", name)] = SecretData(secret.type, secret.values)
        except ValidationError as error:
            # Never the value: pydantic's message only names the type that was expected. A Router that
            # needs this Secret fails on its own ("not found"); the others are not held up by it.
            inputs.invalid.append(Invalid(invalid_input(origin, document, error), None, spoils_routers=False))
    elif kind.endswith("List") and isinstance(document.get("items"), list):
        for item in document["items"]:
            if isinstance(item, dict):
                add_object(inputs, item, path, index)
    elif kind:
        inputs.others.append((origin, document))


def _frrk8s_ignored(kind: str, api_version: str) -> str:
    if kind == "FRRConfiguration":
        return (
            f"ignored: this is FRR-K8s's {api_version}, not frr-edge's {API_VERSION}; "
            "`frr-edge convert -f PATH --router-selector SELECTOR` prints the frr-edge FRRConfiguration for it"
        )
    return f"ignored: {api_version} {kind} is an FRR-K8s object; frr-edge has no counterpart"


def yaml_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files to read: each file given, and every `*.yaml`/`*.yml` under each directory, in order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            yield path


class UnreadableInput(Exception):
    """A file that is missing or is not YAML (the message says where: file, line, column)."""


def load_paths(paths: Iterable[str | Path]) -> Inputs:
    """Read YAML files and directories (multi-document, `kind: List` too) into Inputs.

    Raises UnreadableInput for a file that cannot be read as YAML at all; invalid objects are recorded.
    """
    inputs = Inputs()
    for file in yaml_files(paths):
        try:
            documents = list(read_file(file))
        except ManifestError as error:
            raise UnreadableInput(str(error)) from None
        for document in documents:
            if document.value is None:
                continue
            if not isinstance(document.value, dict):
                origin = Origin("<no kind>", None, "<no name>", str(file), document.index)
                inputs.invalid.append(Invalid(InvalidInput(origin, "", "is not a Kubernetes object"), None))
                continue
            add_object(inputs, document.value, str(file), document.index)
    return inputs
