"""Typed errors of the pure core; the edges (CLI, controller) turn them into exit codes, status and Events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


@dataclass(frozen=True, slots=True, order=True)
class Origin:
    """Where an object came from: its kind and name, and the file and document when read from files."""

    kind: str
    namespace: str | None
    name: str
    path: str | None = None
    document: int | None = None

    @property
    def ref(self) -> str:
        """`namespace/name`, or `name` for cluster-scoped objects."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def __str__(self) -> str:
        where = f"{self.path}#{self.document} " if self.path is not None else ""
        return f"{where}{self.kind} {self.ref}"


@dataclass(frozen=True, slots=True)
class InputWarning:
    """An object frr-edge used only in part, or skipped: names it and says what and why.

    `reason` is the Kubernetes Event reason the controller posts on the object (CamelCase).
    """

    origin: Origin
    message: str
    reason: str = "AnnotationRejected"

    def __str__(self) -> str:
        return f"{self.origin.kind} {self.origin.ref}: {self.message}"


class FrrEdgeError(Exception):
    """Base of the errors users read."""


class InvalidInput(FrrEdgeError):
    """One object is invalid: names the object, the field and why."""

    def __init__(self, origin: Origin, field: str, why: str) -> None:
        self.origin = origin
        self.field = field
        self.why = why
        super().__init__(f"{origin}: {field}: {why}" if field else f"{origin}: {why}")


class MergeConflict(FrrEdgeError):
    """Two objects disagree: names both, the field, and both values."""

    def __init__(
        self, subject: str, field: str, first: Origin, first_value: str, second: Origin, second_value: str
    ) -> None:
        self.subject = subject
        self.field = field
        self.first = first
        self.second = second
        self.first_value = first_value
        self.second_value = second_value
        super().__init__(
            f"{first.kind} {first.ref} and {second.kind} {second.ref} conflict on {subject} {field}: "
            f"{first_value} (from {first.ref}) != {second_value} (from {second.ref})"
        )


REDACTED = "<redacted>"


def field_path(location: tuple[int | str, ...], document: Any) -> str:
    """A pydantic error location as a user-facing path such as `spec.bgp.routers[0].neighbors[2].asn`.

    Locations also hold names of union members and validators; only real keys and indexes are kept.
    """
    parts: list[str] = []
    node = document
    for step in location:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            parts.append(f"[{step}]")
            node = node[step]
        elif isinstance(step, str) and isinstance(node, Mapping) and step in node:
            parts.append(f".{step}" if parts else step)
            node = node[step]
    return "".join(parts)


def _why(error: Mapping[str, Any]) -> str:
    # Only pydantic's message, never its `input`: the value may be a password.
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if error["type"] == "extra_forbidden":
        message = "unknown field (check its spelling against `kubectl explain`)"
    if error["type"] == "missing":
        message = "required field is missing"
    return message


def invalid_input(origin: Origin, document: Any, error: ValidationError, prefix: str = "") -> InvalidInput:
    """The first problem of a pydantic ValidationError as an InvalidInput naming the field and why.

    `document` is what was validated (to name fields as the user wrote them); `prefix` is its path in the
    object (`spec` when only the spec was validated).
    """
    first = error.errors()[0]
    path = field_path(tuple(first["loc"]), document)
    if first["type"] == "missing":
        path = ".".join(str(step) for step in first["loc"] if isinstance(step, str))
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    more = len(error.errors()) - 1
    why = _why(first) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
    return InvalidInput(origin, path, why)
