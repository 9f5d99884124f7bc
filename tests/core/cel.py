"""Evaluate the CRDs' x-kubernetes-validations rules in Python, with cel-python.

cel-python implements standard CEL; the Kubernetes library functions the rules use (isIP, isCIDR, cidr, ip,
prefixLength, family) are provided here from Python's ipaddress. The real API server evaluates the same
rules in the cluster test tier.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import celpy
from celpy import celtypes


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """As Kubernetes' parseIPAddr (k8s.io/apiserver pkg/cel/library/ip.go): no zone, no IPv4-mapped IPv6."""
    if "%" in text:
        raise ValueError(f"IP address {text!r} with zone value is not allowed")
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise ValueError(f"IPv4-mapped IPv6 address {text!r} is not allowed")
    return address


def _is_ip(value: Any) -> celtypes.BoolType:
    try:
        _parse_ip(str(value))
    except ValueError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def _cidr(value: Any) -> celtypes.StringType:
    text = str(value)
    if "%" in text:
        raise ValueError(f"CIDR {text!r} with zone value is not allowed")
    return celtypes.StringType(str(ipaddress.ip_network(text, strict=False)))


def _is_cidr(value: Any) -> celtypes.BoolType:
    try:
        _cidr(value)
    except ValueError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def _prefix_length(value: Any) -> celtypes.IntType:
    return celtypes.IntType(ipaddress.ip_network(str(value), strict=False).prefixlen)


def _ip(value: Any) -> celtypes.StringType:
    text = str(value)
    if "/" in text:
        return celtypes.StringType(str(ipaddress.ip_network(text, strict=False).network_address))
    return celtypes.StringType(str(_parse_ip(text)))


def _family(value: Any) -> celtypes.IntType:
    return celtypes.IntType(_parse_ip(str(value)).version)


FUNCTIONS = {
    "isIP": _is_ip,
    "isCIDR": _is_cidr,
    "cidr": _cidr,
    "prefixLength": _prefix_length,
    "ip": _ip,
    "family": _family,
}
_ENVIRONMENT = celpy.Environment()
_PROGRAMS: dict[str, Any] = {}


def _program(rule: str) -> Any:
    if rule not in _PROGRAMS:
        _PROGRAMS[rule] = _ENVIRONMENT.program(_ENVIRONMENT.compile(rule), functions=FUNCTIONS)
    return _PROGRAMS[rule]


def violations(schema: dict[str, Any], value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, message) for every rule the value breaks, walking the schema like the API server does."""
    found: list[tuple[str, str]] = []
    for validation in schema.get("x-kubernetes-validations", []):
        result = _program(validation["rule"]).evaluate({"self": celpy.json_to_cel(value)})
        if isinstance(result, Exception) or not bool(result):
            found.append((path, validation["message"]))
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                found += violations(sub, value[name], f"{path}.{name}" if path else name)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += violations(schema["items"], item, f"{path}[{index}]")
    return found
