"""Typed errors of the pure core; the edges (CLI, controller) turn them into exit codes, status and Events."""

from __future__ import annotations

from dataclasses import dataclass


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
