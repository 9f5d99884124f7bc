"""Building blocks shared by every frr-edge resource: base model, metadata, selectors, conditions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic.alias_generators import to_camel

from controller.addresses import MAX_ADDRESS_LENGTH, MAX_PREFIX_LENGTH, canonical_address, canonical_network

JsonDict = dict[str, JsonValue]

GROUP = "frr-edge.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"


def cel(rule: str, message: str) -> JsonDict:
    """One x-kubernetes-validations entry; the same check is also done in Python by the model."""
    return {"rule": rule, "message": message}


def settings(*rules: JsonDict, extra: Literal["forbid", "ignore"] = "forbid", strict: bool = True) -> ConfigDict:
    """The configuration every model shares, with object-level CEL rules when given.

    Strict types, as the API server's structural schemas have them: `asn: true` or `port: "80"` are errors,
    never coerced. Only status models, which carry timestamps as text from the API server, are lax.
    A model's validator is built when it is first used (defer_build): every command imports every kind,
    and building all of them cost each start-up about 60 ms of CPU, most of it for kinds it never reads.
    """
    config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra=extra, frozen=True, strict=strict, defer_build=True
    )
    if rules:
        config["json_schema_extra"] = {"x-kubernetes-validations": list(rules)}
    return config


class Model(BaseModel):
    """Base of every spec model: camelCase on the wire, unknown fields refused (typos surface)."""

    model_config = settings()


def _ip_address(value: str) -> str:
    return canonical_address(value)


def _cidr(value: str) -> str:
    return canonical_network(value)


IPAddress = Annotated[
    str,
    AfterValidator(_ip_address),
    Field(
        max_length=MAX_ADDRESS_LENGTH,
        json_schema_extra={"x-kubernetes-validations": [cel("isIP(self)", "must be an IPv4 or IPv6 address")]},
    ),
]


def _ipv4_address(value: str) -> str:
    address = canonical_address(value)
    if ":" in address:
        raise ValueError(f"{address} is not an IPv4 address; a BGP router ID is a 32-bit IPv4 address")
    return address


RouterID = Annotated[
    str,
    AfterValidator(_ipv4_address),
    Field(
        max_length=15,
        json_schema_extra={
            "x-kubernetes-validations": [
                cel("isIP(self) && ip(self).family() == 4", "must be an IPv4 address (a BGP router ID)")
            ]
        },
    ),
]
# CIDRs sit in long nested lists (prefixes of thousands of neighbors): the API server checks them with
# the cheap `cidr` format rather than CEL, whose estimated cost grows with every enclosing list's size.
CIDR = Annotated[str, AfterValidator(_cidr), Field(max_length=MAX_PREFIX_LENGTH, json_schema_extra={"format": "cidr"})]
# Names that end up in FRR or nft text as one word.
Word = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
# A Kubernetes namespace name (an RFC 1123 label), as the API server checks it.
KubernetesNamespace = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
InterfaceName = Annotated[str, Field(min_length=1, max_length=15, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
ASN = Annotated[
    int,
    Field(
        json_schema_extra={
            "format": "int64",
            "x-kubernetes-validations": [
                cel("self >= 1 && self <= 4294967295", "must be an AS number between 1 and 4294967295")
            ],
        },
    ),
]


def _check_asn(value: int) -> int:
    if not 1 <= value <= 4294967295:
        raise ValueError(f"{value} is not an AS number between 1 and 4294967295")
    return value


ASNumber = Annotated[ASN, AfterValidator(_check_asn)]


class ObjectMeta(BaseModel):
    """The parts of Kubernetes object metadata frr-edge reads; everything else is kept but ignored."""

    model_config = ConfigDict(
        extra="allow", frozen=True, alias_generator=to_camel, populate_by_name=True, strict=True, defer_build=True
    )

    # As Kubernetes validates them; names also end up in comments of the rendered configuration.
    name: str = Field(min_length=1, max_length=253, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    namespace: str | None = Field(default=None, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    generation: int | None = None
    uid: str | None = None
    resource_version: str | None = None


# Label keys and values as Kubernetes validates them (apimachinery validation.IsQualifiedName and
# IsValidLabelValue): a selector with any other text could never select anything.
LABEL_KEY_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
LabelKey = Annotated[str, Field(max_length=317, pattern=LABEL_KEY_PATTERN)]
_LABEL_KEY = re.compile(LABEL_KEY_PATTERN[1:-1], re.ASCII)


def _label_key(value: str) -> str:
    if len(value) > 317 or _LABEL_KEY.fullmatch(value) is None:
        raise ValueError(f"{value[:64]!r} is not a label key (an optional DNS prefix and '/', then a name)")
    return value


# As a key of matchLabels, checked in Python only: a pattern on keys would become patternProperties,
# which a structural schema cannot hold.
MatchLabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, Field(max_length=63, pattern=r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]


# Kubernetes refuses a requirement whose values do not fit its operator (apimachinery's
# LabelSelectorAsSelector, and with it MetalLB and FRR-K8s); `NotIn` with no values would select everything.
_VALUES_FIT_OPERATOR = "values must not be empty for In and NotIn, and must be empty for Exists and DoesNotExist"


class LabelSelectorRequirement(Model):
    """One label selector requirement, as in Kubernetes."""

    model_config = settings(
        cel(
            "(self.operator == 'In' || self.operator == 'NotIn') == (has(self.values) && size(self.values) > 0)",
            _VALUES_FIT_OPERATOR,
        )
    )

    key: LabelKey = Field(description="The label key the requirement applies to.")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"] = Field(
        description="How the key relates to the values: In, NotIn, Exists or DoesNotExist."
    )
    values: list[LabelValue] = Field(
        default_factory=list,
        max_length=64,
        description="Values for In and NotIn (at least one); must be empty for Exists and DoesNotExist.",
    )

    @model_validator(mode="after")
    def _values_fit_operator(self) -> LabelSelectorRequirement:
        if self.operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"values: operator {self.operator} needs at least one value")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"values: operator {self.operator} takes no values")
        return self


class LabelSelector(Model):
    """A Kubernetes label selector; an empty selector selects everything."""

    match_labels: dict[MatchLabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Labels that must all be present with exactly these values.",
        json_schema_extra={"maxProperties": 64},
    )
    match_expressions: list[LabelSelectorRequirement] = Field(
        default_factory=list,
        max_length=32,
        description="Requirements that must all hold.",
    )

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether an object with these labels is selected."""
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for requirement in self.match_expressions:
            present = requirement.key in labels
            if requirement.operator == "Exists" and not present:
                return False
            if requirement.operator == "DoesNotExist" and present:
                return False
            if requirement.operator == "In" and labels.get(requirement.key) not in requirement.values:
                return False
            if requirement.operator == "NotIn" and present and labels[requirement.key] in requirement.values:
                return False
        return True


class Condition(Model):
    """A condition as the Kubernetes API conventions define it."""

    model_config = settings(strict=False)

    type: str = Field(max_length=316, description="Kind of condition, in CamelCase, for example Ready.")
    status: Literal["True", "False", "Unknown"] = Field(description="True, False or Unknown.")
    reason: str = Field(
        max_length=1024,
        pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        description="Machine-readable CamelCase reason for the last transition.",
    )
    message: str = Field(default="", max_length=32768, description="Human-readable details.")
    observed_generation: int | None = Field(
        default=None, ge=0, description="The .metadata.generation the condition was computed from."
    )
    last_transition_time: datetime = Field(description="When the status last changed.")
