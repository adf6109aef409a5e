"""Would a sentence ranker fitted on data beat the answerer's hand-set weights? (issue 14; docs/evaluation.md)

    python scripts/sentence_ranker_cv.py council=IDX:QA norquad=IDX:QA

For each answerable question, every candidate sentence of each document the answerer chose is described by the
signals sentence choice uses (weighted word coverage, expected answer type, "until" wording, proposal, passage
position, words inherited by a pronoun-initial sentence, length) and labelled by whether it holds a gold
evidence string. A logistic model is fitted on one set and scored on the other (and 5-fold within each), and
compared with the hand weights by how often the top sentence holds the evidence (top 1) or one of the top 3.
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np

def candidates(index_dir: str, qa_path: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(question id, signals, labels) per chosen gold document whose sentences hold an evidence string: the
    signals are the answerer's own (`_Scored.signals`), plus the sentence's log length."""
    os.environ["ASSISTANT_DATA_DIR"] = index_dir
    from assistant import answering
    from assistant.config import Settings
    from assistant.evaluation import _norm
    from assistant.service import Assistant

    assistant = Assistant(Settings())
    found: list[tuple[str, np.ndarray, np.ndarray]] = []
    current: dict = {}
    choose = answering.ExtractiveAnswerer._score_sentences

    def observe(self, hit, weights, kinds, wants_until=False):
        scored = choose(self, hit, weights, kinds, wants_until)
        rows, labels = [], []
        for item in scored:
            sentence = hit.passages[item.passage_index].full_text[item.start:item.end]
            rows.append([item.signals[name] for name in answering.SENTENCE_WEIGHTS] + [math.log(len(sentence))])
            wanted = _norm(sentence)
            labels.append(any(_norm(e) in wanted or (len(wanted) > 25 and wanted in _norm(e)) for e in current["evidence"]))
        if hit.doc_id in current["gold"] and any(labels):
            found.append((current["id"], np.array(rows), np.array(labels, dtype=int)))
        return scored

    answering.ExtractiveAnswerer._score_sentences = observe
    try:
        for line in open(qa_path, encoding="utf-8"):
            question = json.loads(line)
            if question.get("gold_doc_ids") and question.get("evidence"):
                current.update(id=question["id"], evidence=question["evidence"], gold=set(question["gold_doc_ids"]))
                assistant.ask(question["question"])
    finally:
        answering.ExtractiveAnswerer._score_sentences = choose
    return found


def top_k(groups, weights: np.ndarray, k: int) -> float:
    return sum(bool(y[np.argsort(-(x @ weights), kind="stable")[:k]].any()) for _, x, y in groups) / len(groups)


def fit(groups, c: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([g[1] for g in groups])
    y = np.concatenate([g[2] for g in groups])
    return LogisticRegression(C=c, max_iter=2000).fit(x, y).coef_[0]


def main(arguments: list[str]) -> dict:
    sets = {}
    for argument in arguments:
        name, spec = argument.split("=", 1)
        index_dir, qa_path = spec.split(":", 1)
        sets[name] = candidates(index_dir, qa_path)
    from assistant.answering import SENTENCE_WEIGHTS

    hand_weights = {**SENTENCE_WEIGHTS, "log_length": 0.0}
    hand = np.array(list(hand_weights.values()))
    report: dict = {"signals": list(hand_weights), "hand_weights": hand_weights, "questions": {n: len(g) for n, g in sets.items()},
                    "held_out": [], "within": {}}
    for test_name, test in sets.items():
        train = [g for name, groups in sets.items() if name != test_name for g in groups]
        for c in (0.1, 1.0, 10.0):
            w = fit(train, c)
            report["held_out"].append({"test": test_name, "C": c, "fitted_weights": [round(float(v), 3) for v in w],
                                       "fitted_top1": round(top_k(test, w, 1), 3), "fitted_top3": round(top_k(test, w, 3), 3),
                                       "hand_top1": round(top_k(test, hand, 1), 3), "hand_top3": round(top_k(test, hand, 3), 3)})
        order = np.random.default_rng(0).permutation(len(test))
        fitted, by_hand = [], []
        for fold in np.array_split(order, 5):
            held = set(fold.tolist())
            w = fit([test[i] for i in order if i not in held], 1.0)
            fitted.append(top_k([test[i] for i in fold], w, 1))
            by_hand.append(top_k([test[i] for i in fold], hand, 1))
        report["within"][test_name] = {"fitted_top1_folds": [round(v, 3) for v in fitted],
                                       "hand_top1_folds": [round(v, 3) for v in by_hand]}
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=1))
