"""The shipped abstention model: it loads offline from the package, reproduces the figures recorded in
it from the committed examples, is what the fitting code makes of them, and is used the way it was fitted."""

from __future__ import annotations

import json

import pytest

from assistant.abstention import MODEL_FILE, AbstentionModel, load_model
from assistant.abstention_fit import cross_validate, fit, measure

from .conftest import REPO

EXAMPLES = REPO / "docs" / "abstention-examples.json"


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    return json.loads(EXAMPLES.read_text(encoding="utf-8"))


def test_shipped_model_loads_and_reproduces_its_recorded_figures(examples):
    model = load_model()
    assert model is not None and MODEL_FILE.is_file()
    assert measure(model, examples) == model.info["training"]
    assert model.info["training"]["false_abstain"] <= model.info["target_false_abstain"]


def test_shipped_model_is_what_the_fitting_code_makes_of_the_examples(examples):
    shipped = load_model()
    refitted = fit(examples)
    assert refitted.weights == pytest.approx(shipped.weights, abs=1e-6)
    assert refitted.threshold == pytest.approx(shipped.threshold, abs=1e-6)
    assert refitted.threshold_en == pytest.approx(shipped.threshold_en, abs=1e-6)
    recorded = json.loads((REPO / "docs" / "abstention-cv.json").read_text(encoding="utf-8"))["cross_validation"]
    assert cross_validate(examples) == json.loads(json.dumps(recorded))


def test_model_round_trips_through_json(tmp_path):
    model = AbstentionModel([1.0, -2.0], 0.5, [0.0, 1.0], [1.0, 2.0], 0.4, ("evidence", "dense"), threshold_en=0.2)
    path = tmp_path / "m.json"
    model.save(path)
    again = AbstentionModel.from_json(json.loads(path.read_text()))
    values = {"evidence": 0.9, "dense": 0.8}
    assert again.probability(values) == pytest.approx(model.probability(values))
    assert again.threshold_for({"english": 1.0}) == 0.2 and again.threshold_for({"english": 0.0}) == 0.4
    assert load_model(str(tmp_path / "missing.json")) is None
