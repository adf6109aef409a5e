"""Fit the abstention model on pooled question sets and cross-validate it across them.

    python -m assistant.abstention_fit council=DATA_DIR:QA.jsonl minutes=DATA_DIR:QA.jsonl norquad=DATA_DIR:QA.jsonl \
        [--out assistant/models/abstention.json] [--report docs/abstention-cv.json]

Examples: each answerable question as it is (answer), each unanswerable one (abstain), and each answerable
question once more with its gold documents (and, for meeting records, every treatment of the same case)
taken out of the ranking: the index then does not hold the answer, which is what an unanswerable question
looks like from inside (abstain). Each set is held out in turn: the model is fitted on the others, its
thresholds chosen there, one per language (false abstention at most TARGET_FALSE_ABSTAIN on that language's
questions), and measured on the held-out set, per language too. Give a set's English wording
(scripts/english_questions.py) under the same name as the set, so that a question and its translation are
held out together."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .abstention import FEATURES, MODEL_FILE, AbstentionModel, features

TARGET_FALSE_ABSTAIN = 0.03
MIN_ENGLISH = 30  # answerable English questions needed to choose a threshold of their own on
WEIGHTS = {"answerable": 1.0, "unanswerable": 4.0, "removed": 0.5}  # real unanswerable questions are few: weighed up
L2 = 1.0


def examples_for(name: str, data_dir: Path, qa_path: Path) -> list[dict[str, Any]]:
    from .config import get_settings
    from .evaluation import load_qa
    from .service import Assistant

    assistant = Assistant(get_settings(data_dir=data_dir))
    index = assistant.retriever.index
    records = assistant.records()
    rows = []
    for item in load_qa(qa_path):
        question = assistant.clean_question(item.question)
        hits = assistant.retriever.search(question, k=5, passages_per_doc=6)
        kind = "answerable" if item.gold else "unanswerable"
        rows.append({"set": name, "id": item.id, "kind": kind, "label": int(bool(item.gold)),
                     "features": features(question, hits, index, evidence_of(assistant, question, hits, index)),
                     "ruled": ruled_out(assistant, question, hits, index)})
        if item.gold:
            cases = {records.case_key(g) for g in item.gold if g in records.records}
            held = [h for h in assistant.retriever.search(question, k=5 + 3 * len(item.gold) + 6, passages_per_doc=6)
                    if h.doc_id not in item.gold and not (h.doc_id in records.records and records.case_key(h.doc_id) in cases)]
            rows.append({"set": name, "id": item.id + "#removed", "kind": "removed", "label": 0,
                         "features": features(question, held[:5], index, evidence_of(assistant, question, held[:5], index)),
                         "ruled": ruled_out(assistant, question, held[:5], index)})
    return rows


def evidence_of(assistant, question: str, hits: list, index) -> float:
    "The evidence score the answerer computes for the documents it would answer from."
    if not hits:
        return 0.0
    if hits[0].doc_id in assistant.records().records:
        return assistant.extractive.evidence(question, hits[0], index, [])  # as RecordAnswerer does
    return assistant.extractive.select_documents(question, hits, index).evidence


def ruled_out(assistant, question: str, hits: list, index) -> bool:
    """Decided before the model is asked: no document for a place the question names, or a year it names
    that the best document never mentions."""
    if not hits:
        return True
    if hits[0].exact:
        return False
    selection = assistant.extractive.select_documents(question, hits, index)
    return not selection.documents or selection.evidence <= 0.0


def _matrix(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([[r["features"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["label"] for r in rows], dtype=float)
    w = np.array([WEIGHTS[r["kind"]] for r in rows], dtype=float)
    return x, y, w


def fit(rows: list[dict[str, Any]]) -> AbstentionModel:
    """Weighted logistic regression (Newton's method, L2 on the weights), then the thresholds for the target.
    Questions the rules already decide (an unknown place or year) never reach the model and are left out."""
    everything = rows
    rows = [r for r in rows if not r.get("ruled")]
    x, y, w = _matrix(rows)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ beta, -50, 50)))
        gradient = z.T @ (w * (p - y)) + penalty * beta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    model = AbstentionModel(beta[:-1].tolist(), float(beta[-1]), mean.tolist(), scale.tolist(), 0.5, tuple(FEATURES))
    # One threshold per language, each for the target on its own questions: English ones over Norwegian text
    # score lower, and one threshold for both would refuse English questions or let Norwegian ones through.
    by_language = _by_language(everything)
    model.threshold = choose_threshold(model, by_language.get("no", []))
    english = by_language.get("en", [])
    if sum(r["kind"] == "answerable" for r in english) >= MIN_ENGLISH:
        model.threshold_en = choose_threshold(model, english)
    return model


def choose_threshold(model: AbstentionModel, rows: list[dict[str, Any]]) -> float:
    """The highest threshold that keeps false abstention on the answerable training questions within the
    target, placed halfway into the gap below the next answerable question so that it does not sit on one."""
    answerable = [r for r in rows if r["kind"] == "answerable"]
    scores = sorted(model.probability(r["features"]) for r in answerable if not abstains(model, r, rule_only=True))
    # Answerable questions the rules refuse count against the target too.
    allowed = max(0, int(np.floor(TARGET_FALSE_ABSTAIN * len(answerable)))
                  - sum(1 for r in answerable if abstains(model, r, rule_only=True)))
    # Abstaining below scores[allowed] refuses exactly `allowed` answerable questions.
    upper = scores[allowed]
    lower = scores[allowed - 1] if allowed > 0 else 0.0
    return float((upper + lower) / 2)


def abstains(model: AbstentionModel, row: dict[str, Any], rule_only: bool = False) -> bool:
    """What the answerer does with the example: the rules first (unknown place or year), then the model with
    the threshold of the question's language."""
    if row.get("ruled"):
        return True
    return False if rule_only else model.probability(row["features"]) < model.threshold_for(row["features"])


def measure(model: AbstentionModel, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def share(kind: str, abstain: bool) -> float | None:
        chosen = [r for r in rows if r["kind"] == kind]
        if not chosen:
            return None
        return sum(abstains(model, r) == abstain for r in chosen) / len(chosen)

    return {"false_abstain": share("answerable", True), "abstain_unanswerable": share("unanswerable", True),
            "abstain_removed": share("removed", True),
            "n": {k: sum(r["kind"] == k for r in rows) for k in WEIGHTS}}


def _by_language(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    parts = {"no": [r for r in rows if not r["features"]["english"]], "en": [r for r in rows if r["features"]["english"]]}
    return {language: part for language, part in parts.items() if part}


def cross_validate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    folds = {}
    for held in sorted({r["set"] for r in rows}):
        model = fit([r for r in rows if r["set"] != held])
        held_rows = [r for r in rows if r["set"] == held]
        folds[held] = {"threshold": round(model.threshold, 4),
                       "threshold_en": None if model.threshold_en is None else round(model.threshold_en, 4),
                       **measure(model, held_rows),
                       "by_language": {language: measure(model, part) for language, part in _by_language(held_rows).items()}}
    pooled_unanswerable = [r for r in rows if r["kind"] == "unanswerable"]
    return {"leave_one_set_out": folds, "unanswerable_total": len(pooled_unanswerable)}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out, report_path, rows_path = MODEL_FILE, None, None
    sets = []
    while args:
        arg = args.pop(0)
        if arg == "--out":
            out = Path(args.pop(0))
        elif arg == "--report":
            report_path = Path(args.pop(0))
        elif arg == "--rows":
            rows_path = Path(args.pop(0))
        else:
            name, _, rest = arg.partition("=")
            data_dir, _, qa = rest.partition(":")
            sets.append((name, Path(data_dir), Path(qa)))
    rows = []
    if rows_path and rows_path.exists() and not sets:
        rows = json.loads(rows_path.read_text(encoding="utf-8"))
    for name, data_dir, qa in sets:
        rows += examples_for(name, data_dir, qa)
    if rows_path and sets:
        rows_path.write_text(json.dumps(rows), encoding="utf-8")
    cv = cross_validate(rows)
    model = fit(rows)
    model.info = {"target_false_abstain": TARGET_FALSE_ABSTAIN, "sets": sorted({r["set"] for r in rows}),
                  "examples": {k: sum(r["kind"] == k for r in rows) for k in WEIGHTS}, "example_weights": WEIGHTS,
                  "training": measure(model, rows), "cross_validation": cv}
    model.save(out)
    report = {"model": model.as_json(), "cross_validation": cv}
    if report_path:
        report_path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"training": model.info["training"], "threshold": model.threshold, "threshold_en": model.threshold_en,
                      **cv}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
