"""What to change in frr-edge's nft table between two rulesets rendered by `render_nft`: set and map elements.

A Service that comes, goes or moves changes elements of the table's sets and maps and nothing else. nft
loads such a change in a few milliseconds, where replacing a table of 100,000 elements takes it about a
second (and checking the new table first, another). When anything else differs (a rule, a set's type, a
rate limit's rate, one more layer of a set), there is no delta: the table is replaced whole.

Pure: two rendered texts in, two nft scripts out (the change, and the change back for a rollback). Each
script is one `nft -f` transaction: it applies whole or not at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from controller.frrcfg.lines import LINE_BREAK, lines
from controller.render.nft import TABLE

# Elements per add/delete command: nft 1.0.6 has crashed on single commands of a few hundred elements
# (`get element`); the whole script is still one transaction.
CHUNK = 500
_DECLARATIONS = ("\tset ", "\tmap ")
_ELEMENTS_OPEN = "\t\telements = {"
_ELEMENTS_CLOSE = "\t\t}"
_DECLARATION_CLOSE = "\t}"


@dataclass(frozen=True, slots=True)
class Layout:
    """A rendered ruleset taken apart: every line but the elements, and the elements of each set and map.

    `elements` keeps each set's elements in the order rendered. The text is `chunks[0]`, the elements block
    of the first set, `chunks[1]`, ... in the order of `names`; `blocks` holds each set's elements block as
    text, so that a ruleset with a few sets changed is put together again without printing the others.
    """

    skeleton: tuple[str, ...]
    elements: dict[str, tuple[str, ...]]
    names: tuple[str, ...]
    chunks: tuple[str, ...]
    blocks: dict[str, str]

    def with_elements(self, changed: Mapping[str, Sequence[str]]) -> Layout:
        """The same ruleset with the elements of some sets replaced."""
        elements = {**self.elements, **{name: tuple(found) for name, found in changed.items()}}
        blocks = {**self.blocks, **{name: _block(found) for name, found in changed.items()}}
        return Layout(self.skeleton, elements, self.names, self.chunks, blocks)

    @property
    def text(self) -> str:
        pieces = [self.chunks[0]]
        for name, chunk in zip(self.names, self.chunks[1:], strict=True):
            pieces += (self.blocks[name], chunk)
        return "".join(pieces)


def _block(elements: Sequence[str]) -> str:
    if not elements:
        return ""
    return f"{_ELEMENTS_OPEN}\n\t\t\t" + ",\n\t\t\t".join(elements) + f",\n{_ELEMENTS_CLOSE}\n"


_LAYOUTS: OrderedDict[str, Layout] = OrderedDict()
_REMEMBERED = 4


def remember(text: str, laid_out: Layout) -> None:
    """Keep `laid_out` as the layout of `text` (the controller builds rulesets from layouts)."""
    _LAYOUTS[text] = laid_out
    _LAYOUTS.move_to_end(text)
    while len(_LAYOUTS) > _REMEMBERED:
        _LAYOUTS.popitem(last=False)


def layout(text: str) -> Layout:
    """A ruleset as `render_nft` writes it, taken apart; a set without elements has an empty entry.

    Remembered for the last texts: each apply compares the ruleset loaded last with the new one.
    """
    known = _LAYOUTS.get(text)
    if known is not None:
        return known
    skeleton: list[str] = []
    elements: dict[str, list[str]] = {}
    names: list[str] = []
    chunks: list[list[str]] = [[]]
    current: str | None = None
    in_elements = False
    for line in lines(text.removesuffix(LINE_BREAK)):
        if in_elements:
            if line == _ELEMENTS_CLOSE:
                in_elements = False
            else:
                elements[current or ""].append(line.strip().removesuffix(","))
            continue
        if line == _ELEMENTS_OPEN and current is not None:
            in_elements = True
            continue
        if line.startswith(_DECLARATIONS):
            current = line.split()[1]
            elements[current] = []
        elif line == _DECLARATION_CLOSE and current is not None:
            names.append(current)
            chunks.append([])
            current = None
        skeleton.append(line)
        chunks[-1].append(line)
    laid_out = Layout(
        tuple(skeleton),
        {name: tuple(found) for name, found in elements.items()},
        tuple(names),
        tuple("".join(f"{line}\n" for line in chunk) for chunk in chunks),
        {name: _block(found) for name, found in elements.items()},
    )
    remember(text, laid_out)
    return laid_out


@dataclass(frozen=True, slots=True)
class ElementDelta:
    """The elements to add and remove, per set or map, as two nft scripts."""

    forward: str  # from the ruleset before to the one after
    back: str  # from the one after to the one before (a rollback)
    added: int
    removed: int


def _script(removed: dict[str, list[str]], added: dict[str, list[str]]) -> str:
    """Removals first: an element replaced by one that overlaps it (ports 80 joined into 80-81) must go first."""
    lines = []
    for verb, changes in (("delete", removed), ("add", added)):
        for name, found in sorted(changes.items()):
            for start in range(0, len(found), CHUNK):
                lines.append(f"{verb} element inet {TABLE} {name} {{ {', '.join(found[start : start + CHUNK])} }}")
    return "\n".join(lines) + "\n"


def element_delta(before: str, after: str) -> ElementDelta | None:
    """The change from `before` to `after` as element additions and removals; None when more than elements
    differ (or nothing does)."""
    old, new = layout(before), layout(after)
    if old.skeleton != new.skeleton or old.elements.keys() != new.elements.keys():
        return None
    changed = [name for name in new.elements if new.elements[name] is not old.elements[name]]
    added = {name: sorted(set(new.elements[name]).difference(old.elements[name])) for name in changed}
    removed = {name: sorted(set(old.elements[name]).difference(new.elements[name])) for name in changed}
    added = {name: found for name, found in added.items() if found}
    removed = {name: found for name, found in removed.items() if found}
    if not added and not removed:
        return None
    return ElementDelta(
        _script(removed, added),
        _script(added, removed),
        sum(map(len, added.values())),
        sum(map(len, removed.values())),
    )
