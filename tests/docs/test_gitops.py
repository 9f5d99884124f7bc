"""docs/gitops.md shows what frr-edge does: its refusal is the webhook's for its objects, its failure policy is
deploy's."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

from controller.admission import review
from controller.inputs import load_paths
from controller.offline import dump_yaml
from tests.docs.markdown import code_blocks

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "gitops.md"
KUBECTL = (
    'Error from server (Forbidden): error when creating "team-b.yaml": '
    'admission webhook "validate.frr-edge.dev" denied the request: '
)


def test_the_refusal_shown_is_the_webhooks_for_the_objects_shown(tmp_path: Path) -> None:
    blocks = code_blocks(PAGE)
    existing, candidate = (YAML(typ="safe").load(text) for info, text in blocks if info == "yaml")
    (shown,) = [text for info, text in blocks if info == "text"]
    # The Router the example names: samples/metallb's edge-dc1 (site dc1), with nothing else of that sample.
    (tmp_path / "router.yaml").write_text((REPO / "samples" / "metallb" / "router.yaml").read_text())
    (tmp_path / "team-a.yaml").write_text(dump_yaml([existing]))

    verdict = review(load_paths([tmp_path]), candidate, None)

    assert not verdict.allowed
    assert shown.strip() == KUBECTL + verdict.message


def test_the_failure_policy_and_timeout_named_are_deploys() -> None:
    documents = YAML(typ="safe").load_all(REPO / "deploy" / "webhook.yaml")
    (configuration,) = [d for d in documents if d["kind"] == "ValidatingWebhookConfiguration"]
    (webhook,) = configuration["webhooks"]
    text = PAGE.read_text()
    stated = re.search(r"`failurePolicy: (\w+)`, `timeoutSeconds: (\d+)`", text)
    assert stated is not None
    assert (stated[1], int(stated[2])) == (webhook["failurePolicy"], webhook["timeoutSeconds"])
    assert f"after at most {webhook['timeoutSeconds']} seconds" in text
