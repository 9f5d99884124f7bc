"""Every repository path the install, operations and GitOps pages name exists, so none points at a moved file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The pages of issue 8; docs/cluster.md, frrcfg.md, router.md and controller.md belong to their tiers.
PAGES = [
    REPO / "docs" / name
    for name in (
        "README.md",
        "install.md",
        "metallb.md",
        "layering.md",
        "troubleshooting.md",
        "argocd/README.md",
        "gitops.md",
    )
]
# A path of this repository: one of its top-level folders, not inside a longer path or a URL.
PATH = re.compile(r"(?<![\w/.:-])((?:bench|controller|crds|deploy|docs|grammar|samples|scripts|tests)/[\w./-]*[\w/])")


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(REPO)) for page in PAGES])
def test_named_paths_exist(page: Path) -> None:
    named = set(PATH.findall(page.read_text()))
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert not missing, f"{page.relative_to(REPO)} names missing paths: {missing}"
