"""Answer or abstain, from several signals of the retrieval, by a small logistic model fitted on pooled
question sets (assistant/abstention_fit.py) and shipped as a JSON file: weights, feature scaling and the
thresholds (Norwegian, English), with the figures they were chosen by. Loaded offline; no threshold is tuned by hand."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .analysis import analyze, question_language, question_terms

MODEL_FILE = Path(__file__).with_name("models") / "abstention.json"
FEATURES = ("evidence", "dense", "coverage", "rare_term", "fused", "agreement", "score_margin", "dense_margin", "english")


def _match(term: str, present: set[str]) -> float:
    from .answering import _match as match

    return match(term, present)


def features(question: str, hits: list, index, evidence: float = 0.0) -> dict[str, float]:
    """What the retrieval says about the best document: how close it is in meaning (dense), how much of the
    question's weighted words and its rarest word it holds, how high and how unanimously the three ranked
    lists put it, and how far it stands above the next one."""
    if not hits:
        return dict.fromkeys(FEATURES, 0.0) | {"english": float(question_language(question) == "en")}
    from .answering import _haystack

    top = hits[0]
    present = set(analyze(_haystack(top)))  # what the answerer's evidence score reads, too
    terms = [t for t in question_terms(question) if not t.isdigit()]
    weights = {t: index.idf(t) for t in terms}
    total = sum(weights.values())
    coverage = sum(w * _match(t, present) for t, w in weights.items()) / total if total else 0.0
    rarest = max(weights, key=weights.get) if weights else None
    lists = 3
    fused = min(1.0, top.score * 60 / lists) if not top.exact else 1.0
    agreement = sum(1 for rank in top.ranks.values() if rank < 3) / lists if top.ranks else (1.0 if top.exact else 0.0)
    second = hits[1] if len(hits) > 1 else None
    score_margin = (top.score - second.score) / top.score if second and top.score > 0 else 1.0
    dense_margin = top.dense - max((h.dense for h in hits[1:5]), default=0.0)
    return {
        "evidence": float(evidence),
        "dense": float(top.dense) if not top.exact else 1.0,
        "coverage": float(coverage),
        "rare_term": float(_match(rarest, present)) if rarest else 0.0,
        "fused": float(fused),
        "agreement": float(agreement),
        "score_margin": float(max(-1.0, min(1.0, score_margin))),
        "dense_margin": float(dense_margin),
        "english": float(question_language(question) == "en"),
    }


@dataclass
class AbstentionModel:
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    threshold: float
    features: tuple[str, ...] = FEATURES
    info: dict[str, Any] = field(default_factory=dict)
    # English questions over Norwegian text score lower on every word and meaning signal; their threshold is
    # chosen on English questions, for the same target (None: the one threshold).
    threshold_en: float | None = None

    def probability(self, values: dict[str, float]) -> float:
        "Probability that the best document answers the question."
        z = self.bias + sum(w * (values[name] - m) / s for w, name, m, s in zip(self.weights, self.features, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def threshold_for(self, values: dict[str, float]) -> float:
        return self.threshold_en if values.get("english") and self.threshold_en is not None else self.threshold

    def answers(self, values: dict[str, float]) -> tuple[bool, float]:
        p = self.probability(values)
        return p >= self.threshold_for(values), p

    def as_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "weights": self.weights, "bias": self.bias, "mean": self.mean,
                "scale": self.scale, "threshold": self.threshold, "threshold_en": self.threshold_en, "info": self.info}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AbstentionModel":
        return cls(list(data["weights"]), float(data["bias"]), list(data["mean"]), list(data["scale"]),
                   float(data["threshold"]), tuple(data["features"]), data.get("info", {}),
                   None if data.get("threshold_en") is None else float(data["threshold_en"]))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> AbstentionModel | None:
    "The shipped model, or None when there is none (the answerer then uses its evidence threshold)."
    file = Path(path) if path else MODEL_FILE
    try:
        return AbstentionModel.from_json(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None
