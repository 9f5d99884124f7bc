"""Each CEL rule in crds/ refuses the object that breaks it, with the message a user reads.

tests/cluster/fixtures/cel/ holds, per kind, a valid object and one JSON patch per rule that breaks only
that rule; a rule without such a case, or a case without its rule, fails the coverage test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from controller.api import FRRConfiguration
from controller.lab.kubectl import Kubectl

CASES = sorted((Path(__file__).parent / "fixtures" / "cel").glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe").load(path.read_text())  # type: ignore[no-any-return]


def invalid_cases() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, case) for path in CASES for case in load(path)["invalid"]]


def rules_in(schema: dict[str, Any], path: str = "") -> list[tuple[str, str]]:
    """(field path, message) of every x-kubernetes-validations rule in an OpenAPI schema."""
    found = [
        (".".join(part for part in (path, rule.get("fieldPath", "").lstrip(".")) if part), rule["message"])
        for rule in schema.get("x-kubernetes-validations", [])
    ]
    for name, property_schema in schema.get("properties", {}).items():
        found += rules_in(property_schema, f"{path}.{name}" if path else name)
    if "items" in schema:
        found += rules_in(schema["items"], path)
    return found


def patched(kubectl: Kubectl, valid: dict[str, Any], patch: list[dict[str, Any]]) -> dict[str, Any]:
    """`valid` with a JSON patch applied, by kubectl as a user would."""
    broken: dict[str, Any] = kubectl.json(
        "patch", "--local", "--filename=-", "--type=json", f"--patch={json.dumps(patch)}", input=json.dumps(valid)
    )
    return broken


def create_dry_run(kubectl: Kubectl, resource: dict[str, Any]) -> tuple[int, str]:
    created = kubectl.run("create", "--dry-run=server", "--filename=-", input=json.dumps(resource))
    return created.returncode, created.stderr


@pytest.mark.usefixtures("crds")
@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_valid_object_is_accepted(path: Path, kubectl: Kubectl) -> None:
    assert create_dry_run(kubectl, load(path)["valid"]) == (0, "")


@pytest.mark.usefixtures("crds")
@pytest.mark.parametrize(
    ("path", "case"),
    invalid_cases(),
    ids=[f"{path.stem}:{case['field']}:{case['message'][:30]}" for path, case in invalid_cases()],
)
def test_rule_refuses_the_object_that_breaks_it(path: Path, case: dict[str, Any], kubectl: Kubectl) -> None:
    valid = load(path)["valid"]
    broken = patched(kubectl, valid, case["patch"])

    returncode, error = create_dry_run(kubectl, broken)

    assert returncode == 1
    assert f'{valid["kind"]} "{valid["metadata"]["name"]}" is invalid: ' in error
    # One error only: the case breaks its own rule and nothing else.
    assert re.search(
        rf"is invalid: {re.escape(case['field'])}: Invalid value: (.*: )?{re.escape(case['message'])}$", error.strip()
    ), error


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_every_rule_has_exactly_its_cases(path: Path, crds: list[dict[str, Any]]) -> None:
    kind = load(path)["valid"]["kind"]
    (crd,) = [crd for crd in crds if crd["spec"]["names"]["kind"] == kind]
    (version,) = crd["spec"]["versions"]
    rules = sorted(rules_in(version["schema"]["openAPIV3Schema"]))

    cases = sorted((re.sub(r"\[\d+\]", "", case["field"]), case["message"]) for case in load(path)["invalid"])

    assert cases == rules


def test_every_crd_with_rules_has_cases(crds: list[dict[str, Any]]) -> None:
    kinds_with_rules = {
        crd["spec"]["names"]["kind"]
        for crd in crds
        for version in crd["spec"]["versions"]
        if rules_in(version["schema"]["openAPIV3Schema"])
    }

    assert kinds_with_rules == {load(path)["valid"]["kind"] for path in CASES}


ZONED = [
    ("/spec/bgp/routers/0/neighbors/0/address", "fe80::1%eth0"),
    ("/spec/bgp/routers/0/neighbors/0/address", "::1%x\nneighbor 6.6.6.6 remote-as 666\n!"),
    ("/spec/bgp/routers/0/neighbors/0/address", "::ffff:192.0.2.11"),
    ("/spec/bgp/routers/0/neighbors/0/toReceive/allowed/prefixes/0/prefix", "2001:db8::%eth0/64"),
]


@pytest.mark.usefixtures("crds")
@pytest.mark.parametrize(("path", "value"), ZONED, ids=[value.split("\n")[0] for _, value in ZONED])
def test_the_api_server_refuses_zones_and_mapped_addresses_as_the_models_do(
    path: str, value: str, kubectl: Kubectl
) -> None:
    """Issue 11: Python's ipaddress accepts `::1%<anything>`; the API server and frr-edge's models refuse it."""
    valid = load(Path(__file__).parent / "fixtures" / "cel" / "frrconfiguration.yaml")["valid"]
    broken = patched(kubectl, valid, [{"op": "replace", "path": path, "value": value}])
    returncode, error = create_dry_run(kubectl, broken)
    assert returncode == 1 and "is invalid" in error
    with pytest.raises(ValidationError):
        FRRConfiguration.model_validate(broken)
