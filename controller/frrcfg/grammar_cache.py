"""The grammar's compiled LALR tables, kept between runs: compiling frr.lark costs every `frr-edge parse`
about 0.1 s of CPU, loading the tables a fifth of that.

The tables live in this user's cache directory ($XDG_CACHE_HOME/frr-edge, else ~/.cache/frr-edge), never
beside the package, which may be read-only. The file is a pickle, and loading a pickle runs what it says, so
the directory must belong to this user and be writable by no one else. A file is named after the SHA-256 of
the grammar text, the options, lark's version and Python's: a changed grammar or another lark never finds
an old file. It is written to a temporary file and renamed, so a concurrent run reads it whole or not at
all, and it carries the digest of its contents, checked before loading. Whatever goes wrong (no home, a
read-only file system, a directory others may write, a damaged file) the grammar is compiled as if there
were no cache: the same parser, only slower.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Transformer

_PREFIX = "frr-lark-"
_SUFFIX = ".pickle"
_MAGIC = b"frr-edge compiled grammar\n"
# Tables kept in the directory, the newest first; one per grammar text.
KEPT = 4


def cache_directory(environment: Mapping[str, str]) -> Path | None:
    """frr-edge's directory in this user's cache ($XDG_CACHE_HOME, else ~/.cache), or None without a home."""
    base = environment.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no password entry
            return None
    return Path(base) / "frr-edge"


def key(grammar: str, options: Mapping[str, Any]) -> str:
    """What a compiled parser depends on, hashed: frr.lark imports no other grammar file, so its text is all."""
    identity = repr((grammar, sorted(options.items()), lark.__version__, sys.version_info[:2]))
    return hashlib.sha256(identity.encode()).hexdigest()


def compiled(grammar: str, options: Mapping[str, Any], transformer: Transformer[Any, Any], cache: Path | None) -> Lark:
    """`Lark(grammar, transformer=transformer, **options)`, its tables from `cache` when that holds them.

    A compiled parser is stored in `cache` for the next run when the directory can be used.
    """
    loaded = load(grammar, options, transformer, cache)
    if loaded is not None:
        return loaded
    parser = Lark(grammar, transformer=transformer, **options)
    store(parser, grammar, options, cache)
    return parser


def load(
    grammar: str, options: Mapping[str, Any], transformer: Transformer[Any, Any], cache: Path | None
) -> Lark | None:
    """The parser stored in `cache` for this grammar and these options, or None when there is none to trust."""
    if cache is None or not _private(cache, create=False):
        return None
    name = key(grammar, options)
    try:
        content = (cache / f"{_PREFIX}{name}{_SUFFIX}").read_bytes()
    except OSError:
        return None
    header = _MAGIC + name.encode() + b"\n"
    digest_end = len(header) + 65
    payload = content[digest_end:]
    if not content.startswith(header) or content[len(header) : digest_end] != _digest(payload) + b"\n":
        return None
    # Lark.load takes no options; the transformer is not part of the tables and is given back here as
    # lark's own cache gives it back (Lark.__init__, cache=...). lark's version is part of the key.
    try:
        return Lark.__new__(Lark)._load(pickle.loads(payload), transformer=transformer)
    except Exception:  # tables lark cannot read are no tables: compile instead
        return None


def store(parser: Lark, grammar: str, options: Mapping[str, Any], cache: Path | None) -> None:
    """Keep the parser's tables in `cache` for the next run; quietly not when the directory cannot be used."""
    if cache is None or not _private(cache, create=True):
        return
    tables = io.BytesIO()
    parser.save(tables, exclude_options=("transformer",))
    payload = tables.getvalue()
    name = key(grammar, options)
    final = cache / f"{_PREFIX}{name}{_SUFFIX}"
    try:
        descriptor, temporary = tempfile.mkstemp(dir=cache, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(_MAGIC + name.encode() + b"\n" + _digest(payload) + b"\n" + payload)
        os.replace(temporary, final)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return
    # Other grammars' tables: the newest few stay, for the other frr-edge versions or work trees of this user.
    others = sorted((path for path in cache.glob(f"{_PREFIX}*{_SUFFIX}") if path != final), key=_newest_first)
    for other in others[KEPT - 1 :]:
        other.unlink(missing_ok=True)


def _newest_first(path: Path) -> float:
    """Sort key: the file written last first; one gone meanwhile (another run removed it) last."""
    try:
        return -path.stat().st_mtime
    except OSError:
        return float("inf")


def _digest(payload: bytes) -> bytes:
    return hashlib.sha256(payload).hexdigest().encode()


def _private(directory: Path, create: bool) -> bool:
    """Whether `directory` is a directory of this user's that no one else can write (made so if `create`)."""
    try:
        if create:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = directory.stat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.geteuid()
        and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )
