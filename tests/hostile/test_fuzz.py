"""The fuzz tier: generated and mutated inputs through validate, render, convert and parse; never a traceback.

Every sample document (for `convert`, every FRR-K8s FRRConfiguration of tests/fixtures/frrk8s) is mutated
at a random place (a value replaced by a hostile one of any type, a key removed or misspelled, a list item
doubled), the YAML text itself is damaged, and FRR text is generated and mutated for `parse`.
Each run must end with exit 0, 2 or 3 and no exception; what a successful render prints must be one
command per line of printable characters.

CI runs FRR_EDGE_FUZZ_EXAMPLES examples per test (default 300, about 20 s each); run many more on demand:
`FRR_EDGE_FUZZ_EXAMPLES=20000 python3 -m pytest tests/hostile/test_fuzz.py`.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.manifests import read_documents
from tests.hostile.cli import EXIT_CODES, REPO, run, write

EXAMPLES = int(os.environ.get("FRR_EDGE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

SAMPLE_FILES = sorted((REPO / "samples").rglob("*.yaml"))
FRRK8S_FILES = sorted((REPO / "tests" / "fixtures" / "frrk8s").rglob("*.yaml"))


def documents_of(files: list[Path]) -> list[dict[str, Any]]:
    """The objects of these YAML files."""
    return [
        document.value
        for path in files
        for document in read_documents(path.read_text(), str(path))
        if isinstance(document.value, dict)
    ]


DOCUMENTS = documents_of(SAMPLE_FILES)
FRRK8S_DOCUMENTS = documents_of(FRRK8S_FILES)
FRR_TEXTS = [path.read_text() for path in sorted((REPO / "tests" / "golden").rglob("*.frr"))]

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "fe80::1%eth0",
        "::1%x\nneighbor 6.6.6.6 remote-as 666\n!",
        "10.0.0.0/8\n",
        "\u0666\u0665\u0660\u0660\u0660:\u0661\u0660\u0660",
        "65000:100\n",
        "a\rb",
        "a\u2028b",
        "a\x00b",
        "../../etc/shadow",
        "/etc/shadow",
        "$(reboot)",
        "9" * 5000,
        "x" * 70000,
        "4294967295 kbytes/second",
        "2001:db8::1",
        "::ffff:192.0.2.1",
        "0.0.0.0",
        "255.255.255.255",
        "1s",
        "-1s",
        "1.5s",
        "99999999999h",
        "true",
        "ssh-ed25519 AAAA\n",
    ]
)
HOSTILE_SCALAR = st.one_of(
    HOSTILE_TEXT,
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 65535, 65536, 4294967295, 4294967296, 2**63]),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8),
)
HOSTILE_VALUE = st.recursive(
    HOSTILE_SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a document."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += places(value, (*path, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn, pool: list[dict[str, Any]]) -> list[Any]:
    """The documents of `pool` with one to three of them changed at a random place."""
    documents: list[Any] = copy.deepcopy(pool)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(documents) - 1))
        path = draw(st.sampled_from(places(documents[index])))
        if not path:
            documents[index] = draw(HOSTILE_VALUE)
            continue
        parent = documents[index]
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "rename", "double"]))
        if action == "replace":
            parent[last] = draw(HOSTILE_VALUE)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[f"{last}x" if isinstance(last, str) else last] = parent.pop(last)
        elif action == "double" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
    return documents


def check(result_code: int, stdout: str, command: str) -> None:
    assert result_code in EXIT_CODES
    if command == "render" and result_code == 0:
        for line in stdout.split("\n"):
            assert all(char == "\t" or char.isprintable() for char in line), repr(line)


COMMANDS = {
    "validate": ["validate"],
    "render-all": ["render"],
    "render-json": ["render", "--output", "json"],
    "convert": ["convert", "--router-selector", "site=lab"],
}


@FUZZ
@given(data=st.data(), command=st.sampled_from(sorted(COMMANDS)))
def test_mutated_samples_never_crash(tmp_path_factory: Any, data: st.DataObject, command: str) -> None:
    documents = data.draw(mutated_documents(FRRK8S_DOCUMENTS if command == "convert" else DOCUMENTS))
    directory = tmp_path_factory.mktemp("fuzz")
    path = write(directory, yaml.safe_dump_all(documents, allow_unicode=True))
    result = run(*COMMANDS[command], "-f", str(path))
    check(result.code, result.stdout, COMMANDS[command][0])


SHALLOW_PLACES = sorted(
    {(index, *path) for index, document in enumerate(FRRK8S_DOCUMENTS) for path in places(document) if len(path) <= 2},
    key=str,
)


@FUZZ
@given(place=st.sampled_from(SHALLOW_PLACES), value=HOSTILE_VALUE)
def test_convert_takes_any_value_where_it_expects_a_mapping(
    tmp_path_factory: Any, place: tuple[Any, ...], value: Any
) -> None:
    """metadata, its labels and annotations, spec and its nodeSelector: YAML gives null, a scalar or a list
    there as easily as a mapping (an `annotations:` left empty is null)."""
    documents = copy.deepcopy(FRRK8S_DOCUMENTS)
    parent: Any = documents
    for step in place[:-1]:
        parent = parent[step]
    parent[place[-1]] = value
    path = write(tmp_path_factory.mktemp("fuzz"), yaml.safe_dump_all(documents, allow_unicode=True))
    result = run(*COMMANDS["convert"], "-f", str(path))
    assert result.code in (0, 2), result.stderr


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    """A sample file's text cut, spliced or sprinkled with characters."""
    text = draw(st.sampled_from([path.read_text() for path in SAMPLE_FILES]))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "cut", "repeat"]))
        if action == "insert":
            text = (
                text[:at]
                + draw(
                    st.sampled_from(["&a ", "*a", "<<: *a\n", "[", "{", ":", "- ", "\t", "\n  ", "!!binary "])
                    | st.text(max_size=5)
                )
                + text[at:]
            )
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "cut":
            text = text[:at]
        else:
            text = text[:at] + text[at : at + 40] * draw(st.integers(2, 5)) + text[at:]
    return text


@FUZZ
@given(text=damaged_text())
def test_damaged_yaml_never_crashes(tmp_path_factory: Any, text: str) -> None:
    path = write(tmp_path_factory.mktemp("fuzz"), text)
    result = run("validate", "-f", str(path))
    assert result.code in EXIT_CODES


FRR_WORDS = st.sampled_from(
    [
        "router",
        "bgp",
        "neighbor",
        "nei",
        "192.0.2.1",
        "remote-as",
        "password",
        "passw",
        "64512",
        "exit",
        "!",
        "address-family",
        "ipv4",
        "unicast",
        "route-map",
        "permit",
        "10",
        "match",
        "ip",
        "address",
        "prefix-list",
        "seq",
        "5",
        "10.0.0.0/8",
        "le",
        "ge",
        "32",
        "interface",
        "eth0",
        "key",
        "chain",
        "key-string",
        "bfd",
        "profile",
        "vrf",
        "red",
        "timers",
        "connect",
        "99999999999",
        "\t",
        "#",
        "end",
        "exit-address-family",
    ]
)


@st.composite
def frr_text(draw: st.DrawFn) -> str:
    """FRR configuration: a golden file mutated, or lines of FRR words."""
    if draw(st.booleans()):
        lines = draw(st.sampled_from(FRR_TEXTS)).split("\n")
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(lines)))
            line = " ".join(draw(st.lists(FRR_WORDS, min_size=1, max_size=6)))
            lines.insert(at, draw(st.sampled_from(["", " ", "  "])) + line)
        return "\n".join(lines)
    rows = draw(st.lists(st.lists(FRR_WORDS | st.text(max_size=6), min_size=1, max_size=7), max_size=12))
    return "\n".join(" ".join(row) for row in rows)


@FUZZ
@given(text=frr_text(), as_json=st.booleans())
def test_parse_never_crashes(tmp_path_factory: Any, text: str, as_json: bool) -> None:
    path: Path = write(tmp_path_factory.mktemp("fuzz"), text, "frr.conf")
    result = run("parse", str(path), *(["--json"] if as_json else []))
    assert result.code in (0, 2)
