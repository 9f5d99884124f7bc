"""The compiled grammar kept between runs: never another grammar's tables, the same parser with or without it,
and no cache at all where the directory cannot be used (grammar_cache.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lark import Transformer
from lark.exceptions import UnexpectedInput

from controller.frrcfg.grammar_cache import KEPT, cache_directory, compiled, key, load
from controller.frrcfg.parser import GRAMMAR, make_lark

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "frr"
OPTIONS = {"parser": "lalr", "lexer": "contextual"}


class Words(Transformer[Any, str]):
    """Turns a toy grammar's `start` into the words it read, inside the parser as frr-edge's builder does."""

    def start(self, children: list[Any]) -> str:
        return " ".join(children)


def tables(cache: Path) -> list[Path]:
    return sorted(cache.glob("frr-lark-*.pickle"))


def test_a_changed_grammar_never_uses_the_tables_of_the_old_one(tmp_path: Path) -> None:
    old = 'start: GREETING\nGREETING: "hello"\n'
    new = 'start: GREETING\nGREETING: "goodbye"\n'
    assert compiled(old, OPTIONS, Words(), tmp_path).parse("hello") == "hello"
    (stored,) = tables(tmp_path)

    assert load(new, OPTIONS, Words(), tmp_path) is None
    parser = compiled(new, OPTIONS, Words(), tmp_path)

    assert parser.parse("goodbye") == "goodbye"
    with pytest.raises(UnexpectedInput):
        parser.parse("hello")
    assert stored in tables(tmp_path) and len(tables(tmp_path)) == 2


def test_tables_under_another_grammars_name_are_not_loaded(tmp_path: Path) -> None:
    old = 'start: GREETING\nGREETING: "hello"\n'
    new = 'start: GREETING\nGREETING: "goodbye"\n'
    compiled(old, OPTIONS, Words(), tmp_path)
    (stored,) = tables(tmp_path)
    stored.rename(tmp_path / f"frr-lark-{key(new, OPTIONS)}.pickle")

    assert load(new, OPTIONS, Words(), tmp_path) is None
    assert compiled(new, OPTIONS, Words(), tmp_path).parse("goodbye") == "goodbye"


def test_any_change_to_frr_lark_is_a_new_key_even_a_comment() -> None:
    text = GRAMMAR.read_text()

    assert key(text + "\n// a comment\n", OPTIONS) != key(text, OPTIONS)
    assert key(text, {**OPTIONS, "maybe_placeholders": True}) != key(text, OPTIONS)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda content: content[:-100], id="cut short"),
        # Still a pickle lark can load, of a parser that reads "jello": only the digest tells.
        pytest.param(lambda content: content.replace(b"hello", b"jello"), id="changed"),
    ],
)
def test_damaged_tables_are_compiled_again_and_replaced(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    grammar = 'start: GREETING\nGREETING: "hello"\n'
    compiled(grammar, OPTIONS, Words(), tmp_path)
    (stored,) = tables(tmp_path)
    stored.write_bytes(damage(stored.read_bytes()))

    assert load(grammar, OPTIONS, Words(), tmp_path) is None
    assert compiled(grammar, OPTIONS, Words(), tmp_path).parse("hello") == "hello"
    assert load(grammar, OPTIONS, Words(), tmp_path) is not None


def test_a_cache_directory_that_cannot_be_made_gives_the_same_parser_and_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = blocker / "frr-edge"  # under a file: mkdir fails, for root too
    rendered = (REPO / "tests" / "frrcfg" / "fixtures" / "rendered.conf").read_text()
    body = "\n" + rendered

    assert make_lark(GRAMMAR.read_text(), cache).parse(body) == make_lark(GRAMMAR.read_text()).parse(body)
    assert not cache.exists()


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o703], ids=["everyone", "group", "others"])
def test_a_directory_others_may_write_is_not_used(tmp_path: Path, mode: int) -> None:
    grammar = 'start: GREETING\nGREETING: "hello"\n'
    cache = tmp_path / "frr-edge"
    compiled(grammar, OPTIONS, Words(), cache)
    (stored,) = tables(cache)
    written = stored.stat()
    cache.chmod(mode)  # another user could have put any pickle there

    assert load(grammar, OPTIONS, Words(), cache) is None
    assert compiled(grammar, OPTIONS, Words(), cache).parse("hello") == "hello"
    assert tables(cache) == [stored] and stored.stat().st_mtime_ns == written.st_mtime_ns  # nor written


def test_a_directory_of_another_user_is_not_used(tmp_path: Path) -> None:
    grammar = 'start: GREETING\nGREETING: "hello"\n'
    cache = tmp_path / "frr-edge"
    compiled(grammar, OPTIONS, Words(), cache)
    if os.geteuid() == 0:
        os.chown(cache, 65534, 65534)  # nobody's, mode 0700 still: readable to root, but not root's own
    else:
        cache = Path("/")  # root's, as every directory a user did not make

    assert load(grammar, OPTIONS, Words(), cache) is None
    assert compiled(grammar, OPTIONS, Words(), cache).parse("hello") == "hello"


def test_only_the_newest_tables_are_kept(tmp_path: Path) -> None:
    for number in range(KEPT + 2):
        compiled(f'start: "word{number}"\n', OPTIONS, Words(), tmp_path)

    assert len(tables(tmp_path)) == KEPT
    assert load(f'start: "word{KEPT + 1}"\n', OPTIONS, Words(), tmp_path) is not None


def test_the_cache_is_this_users_xdg_cache_or_under_home() -> None:
    assert cache_directory({"XDG_CACHE_HOME": "/var/cache/me"}) == Path("/var/cache/me/frr-edge")
    assert cache_directory({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "frr-edge"
    assert cache_directory({}) == Path.home() / ".cache" / "frr-edge"


# Parses every corpus file with frr-edge's parse() and prints, per file, the configuration or the error.
PARSE_ALL = """
import json, sys
from pathlib import Path
from controller.frrcfg import FrrSyntaxError, parse
results = {}
for path in sorted(Path(sys.argv[1]).glob("*.conf")):
    try:
        results[path.name] = parse(path.read_text(), path.name).to_text()
    except FrrSyntaxError as error:
        results[path.name] = f"error: {error} expected {error.expected}"
print(json.dumps(results))
"""


def parse_corpus(cache_home: Path) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PARSE_ALL, str(CORPUS)],
        env={**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache_home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, str] = json.loads(result.stdout)
    return parsed


def test_the_corpus_parses_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    warm = tmp_path / "cache"

    without = parse_corpus(blocker)  # no cache can be made under a file
    compiling = parse_corpus(warm)  # compiles and stores
    (stored,) = (warm / "frr-edge").glob("frr-lark-*.pickle")
    written = stored.stat()
    loading = parse_corpus(warm)  # loads what the run before stored

    assert stored.stat().st_ino == written.st_ino and stored.stat().st_mtime_ns == written.st_mtime_ns
    assert len(without) > 900
    assert sum(result.startswith("error: ") for result in without.values()) > 40
    assert loading == compiling == without
