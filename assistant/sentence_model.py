"""Which sentences answer: a small logistic model over signals of each candidate sentence, fitted on
sentences known to hold the answer (NorQuAD answer spans, the council set's evidence strings) and shipped
as JSON beside the abstention model (`python -m assistant.sentence_model fit …`).

Signals: the question's rarity-weighted words in the sentence; whether the sentence holds what the
question asks for (a date for "når", an amount or count for "hvor mye/mange", a person, body or party for
"hvem", a duration for "hvor lenge", a permission or prohibition for "kan jeg / er det lov", an end date
for "til når"); the passage's rank; the sentence's place in its passage; whether it follows a heading or
introduces a list; its length; whether it reports a proposal rather than a decision."""

from __future__ import annotations

import json
import math
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from .analysis import analyze

MODEL_FILE = Path(__file__).with_name("models") / "sentences.json"
FEATURES = ("terms", "terms_sq", "wants_match", "asks_quantity", "asks_who", "asks_when", "asks_duration",
            "asks_permission", "has_quantity", "has_modal", "passage_rank", "first_in_passage", "after_heading",
            "list_intro", "log_length", "proposal")

WHEN = re.compile(r"\b(når|kva tid|when|fra hvilken dato|frå kva dato|hvilken dato|hvilket år)\b", re.IGNORECASE)
WHO = re.compile(r"\b(hvem|kven|who|hvilke(?:t|n)? (?:organ|utvalg|parti)|kva for (?:eit|ein) (?:organ|utval))\b", re.IGNORECASE)
DURATION = re.compile(r"\b(hvor lenge|kor lenge|how long|til når|til kva tid|until)\b", re.IGNORECASE)
PERMISSION = re.compile(r"\b(kan jeg|kan eg|er det lov|er det tillatt|har jeg lov|må jeg|må eg|skal jeg|can i|may i|is it allowed|do i have to)\b", re.IGNORECASE)
DATE = re.compile(r"\b\d{1,2}\.\s*(?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember)|"
                  r"\b\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})\b|\b(?:19|20)\d\d\b|\bkl\.?\s*\d", re.IGNORECASE)
PERSON_OR_BODY = re.compile(r"\b[A-ZÆØÅ][a-zæøå]+ [A-ZÆØÅ][a-zæøå]+\b|\b(kommunestyre\w*|formannskap\w*|utvalg\w*|rådmann\w*|"
                            r"kommunedirektør\w*|politi\w*|styre\w*|\(AP\)|\(H\)|\(SP\)|\(FRP\)|\(SV\)|\(V\)|\(R\))", re.IGNORECASE)
DURATION_ANSWER = re.compile(r"\b\d+\s*(?:timer|døgn|dager|dagar|uker|veker|måneder|månader|år)\b|\bt\.o\.m\.|\btil og med\b|\binntil\b|"
                             r"\bkl\.?\s*\d|\b\d{1,2}[.:]\d{2}\b", re.IGNORECASE)
MODAL = re.compile(r"\b(kan|skal|må|ikke|ikkje|forbudt|forbode|tillatt|tillate|lov|plikt\w*|krav)\b", re.IGNORECASE)


def question_profile(question: str) -> dict[str, float]:
    from .answering import QUANTITY_QUESTION

    return {"asks_quantity": float(bool(QUANTITY_QUESTION.search(question))), "asks_who": float(bool(WHO.search(question))),
            "asks_when": float(bool(WHEN.search(question))), "asks_duration": float(bool(DURATION.search(question))),
            "asks_permission": float(bool(PERMISSION.search(question)))}


def sentence_features(profile: dict[str, float], sentence: str, passage_text: str, start: int, passage_rank: int,
                      term_score: float, proposal: bool) -> dict[str, float]:
    from .answering import QUANTITY

    has_quantity = bool(QUANTITY.search(sentence))
    wants = 0.0
    if profile["asks_when"] and DATE.search(sentence):
        wants = 1.0
    if profile["asks_quantity"] and has_quantity:
        wants = 1.0
    if profile["asks_duration"] and DURATION_ANSWER.search(sentence):
        wants = 1.0
    if profile["asks_who"] and PERSON_OR_BODY.search(sentence):
        wants = 1.0
    if profile["asks_permission"] and MODAL.search(sentence):
        wants = 1.0
    before = passage_text[:start].rstrip()
    previous_line = before.rsplit("\n", 1)[-1].strip() if before else ""
    return {
        "terms": term_score, "terms_sq": term_score * term_score, "wants_match": wants, **profile,
        "has_quantity": float(has_quantity), "has_modal": float(bool(MODAL.search(sentence))),
        "passage_rank": float(passage_rank), "first_in_passage": float(not before),
        "after_heading": float(bool(previous_line) and len(previous_line) < 80 and not previous_line.endswith((".", ",", ";"))),
        "list_intro": float(sentence.rstrip().endswith(":")), "log_length": math.log(1 + len(sentence)),
        "proposal": float(proposal),
    }


class SentenceModel:
    def __init__(self, weights: list[float], bias: float, mean: list[float], scale: list[float], info: dict | None = None):
        self.weights, self.bias, self.mean, self.scale, self.info = weights, bias, mean, scale, info or {}

    def score(self, values: dict[str, float]) -> float:
        z = self.bias + sum(w * (values[f] - m) / s for w, f, m, s in zip(self.weights, FEATURES, self.mean, self.scale))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))

    def as_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": self.weights, "bias": self.bias, "mean": self.mean,
                "scale": self.scale, "info": self.info}


@lru_cache(maxsize=2)
def load_sentence_model(path: str | None = None) -> SentenceModel | None:
    try:
        data = json.loads((Path(path) if path else MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if tuple(data.get("features", ())) != FEATURES:
        return None
    return SentenceModel(data["weights"], data["bias"], data["mean"], data["scale"], data.get("info"))


# ---- fitting ------------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def holds_evidence(sentence: str, evidence: list[str]) -> bool:
    "The sentence holds an evidence string, or most of one (evidence strings may cross sentence ends)."
    s = _norm(sentence)
    for item in evidence:
        e = _norm(item)
        if not e:
            continue
        if e in s or (len(s) > 20 and s in e):
            return True
        tokens = set(analyze(e))
        if tokens and len(tokens & set(analyze(s))) / len(tokens) >= 0.8:
            return True
    return False


def candidates_for(name: str, data_dir: Path, qa_path: Path) -> list[dict[str, Any]]:
    """Every candidate sentence the general answerer considers for each answerable question, with its
    signals and whether it holds gold evidence."""
    from .config import get_settings
    from .evaluation import load_qa
    from .service import Assistant

    assistant = Assistant(get_settings(data_dir=data_dir))
    index = assistant.retriever.index
    answerer = assistant.extractive
    rows = []
    for item in load_qa(qa_path):
        if not item.gold or not item.evidence:
            continue
        question = assistant.clean_question(item.question)
        hits = assistant.retriever.search(question, k=5, passages_per_doc=6)
        chosen, _ = answerer.select_documents(question, hits, index)
        for hit in chosen:
            for candidate in answerer.candidates(question, hit, index):
                rows.append({"set": name, "id": item.id, "doc": hit.doc_id, "gold_doc": hit.doc_id in item.gold,
                             "label": int(hit.doc_id in item.gold and holds_evidence(candidate["sentence"], item.evidence)),
                             "features": candidate["features"], "old": candidate["old"]})
    return rows


def fit(rows: list[dict[str, Any]], l2: float = 1.0) -> SentenceModel:
    import numpy as np

    x = np.array([[r["features"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["label"] for r in rows], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ beta, -50, 50)))
        step = np.linalg.solve((z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9), z.T @ (p - y) + penalty * beta)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return SentenceModel(beta[:-1].tolist(), float(beta[-1]), mean.tolist(), scale.tolist())


def top_hit_rate(rows: list[dict[str, Any]], score, n: int = 4) -> float:
    "Share of questions whose n best-scored sentences include one with gold evidence (the question's recall proxy)."
    by_question: dict[str, list] = {}
    for row in rows:
        by_question.setdefault(row["id"], []).append(row)
    found = [any(r["label"] for r in sorted(group, key=lambda r: -score(r))[:n]) for group in by_question.values()
             if any(r["label"] for r in group)]
    return sum(found) / len(found) if found else 0.0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    rows_path = Path(args.pop(args.index("--rows") + 1)) if "--rows" in args else None
    if "--rows" in args:
        args.remove("--rows")
    rows: list[dict[str, Any]] = []
    for spec in args:
        name, _, rest = spec.partition("=")
        data_dir, _, qa = rest.partition(":")
        rows += candidates_for(name, Path(data_dir), Path(qa))
    if rows_path and rows:
        rows_path.write_text(json.dumps(rows), encoding="utf-8")
    elif rows_path:
        rows = json.loads(rows_path.read_text(encoding="utf-8"))
    report: dict[str, Any] = {"folds": {}}
    for held in sorted({r["set"] for r in rows}):
        model = fit([r for r in rows if r["set"] != held])
        test = [r for r in rows if r["set"] == held]
        report["folds"][held] = {"model": round(top_hit_rate(test, lambda r: model.score(r["features"])), 3),
                                 "hand_rules": round(top_hit_rate(test, lambda r: r["old"]), 3),
                                 "questions": len({r["id"] for r in test})}
    model = fit(rows)
    model.info = {"sets": sorted({r["set"] for r in rows}), "sentences": len(rows),
                  "positives": sum(r["label"] for r in rows), "cross_validation": report["folds"]}
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    MODEL_FILE.write_text(json.dumps(model.as_json(), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
