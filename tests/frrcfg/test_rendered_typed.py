"""Every line frr-edge renders is a typed form of the model, reads back as itself, and has a no-form FRR takes.

Issue 13: FRR syntax used to be written three times (render's f-strings, the model's printing, the grammar),
and a line added to render alone became a generic command in the delta, removed by a guess. The renderer
now builds model objects; these properties hold for the goldens' inputs and for inputs drawn from the whole
range the API allows (the strategy of tests/hostile/test_router_accepts.py):

- no rendered item is a generic Command or Context;
- the printed text parses back to the very same objects (the grammar reads what the model prints);
- the no-form of every rendered line is accepted by FRR 8.4's command table in that line's context, so a
  removal the delta sends is one FRR takes (the differential test then proves the effect on real FRR).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from controller.frrcfg import parse
from controller.frrcfg.check import check
from controller.frrcfg.model import Command, Config, Context, Statement
from controller.inputs import Inputs, load_paths
from controller.pipeline import render_all
from controller.render.frr import rendered_model
from tests.hostile.test_router_accepts import inputs

REPO = Path(__file__).resolve().parents[2]
SAMPLES = [
    *(REPO / "samples" / name for name in ("core", "metallb", "metallb-legacy")),
    *sorted((REPO / "tests" / "fixtures" / "render").glob("*.yaml")),
]
EXAMPLES = int(os.environ.get("FRR_EDGE_ROUTER_EXAMPLES", "60"))


def models(drawn: Inputs) -> list[Config]:
    return [rendered_model(result.desired.frr) for result in render_all(drawn) if result.desired is not None]


def assert_typed_and_round_trips(config: Config) -> None:
    generic = [
        item.text() if isinstance(item, Statement) else item.header()
        for _, item in config.walk()
        if isinstance(item, Command | Context)
    ]
    assert generic == [], f"rendered lines without a typed form: {generic}"
    assert parse(config.to_text()) == config


def assert_no_forms_accepted(config: Config) -> None:
    removals: list[str] = []
    for path, item in config.walk():
        if not isinstance(item, Statement):
            continue
        no_form = item.no_form()
        assert no_form is not None, f"{item.text()}: no known no-form"
        if not no_form:
            continue
        removal = [" " * depth + block.header() for depth, block in enumerate(path)]
        removal.append(" " * len(path) + no_form)
        removal += [" " * depth + block.closer for depth, block in reversed(list(enumerate(path)))]
        removals.append("\n".join(removal))
    text = "\n".join(removals) + "\n"
    verdict = check(text)
    assert verdict.refusals == (), [refusal.line for refusal in verdict.refusals]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.name)
def test_rendered_samples_are_typed_read_back_and_removable(sample: Path) -> None:
    configs = models(load_paths([sample]))
    assert configs
    for config in configs:
        assert_typed_and_round_trips(config)
        assert_no_forms_accepted(config)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(drawn=inputs())
def test_rendered_inputs_are_typed_read_back_and_removable(drawn: Inputs) -> None:
    assume(not drawn.invalid)
    for config in models(drawn):
        assert_typed_and_round_trips(config)
        assert_no_forms_accepted(config)


def test_a_generic_line_is_caught() -> None:
    """The property can fail: a Command among rendered items is reported."""
    config = Config((Command("neighbor 192.0.2.1 solo"),))
    with pytest.raises(AssertionError, match="without a typed form"):
        assert_typed_and_round_trips(config)

