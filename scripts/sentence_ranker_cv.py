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

HAND = {"coverage": 1.0, "answer_type": 0.3, "until": 0.2, "proposal": -0.3, "passage": -0.02, "inherited": 0.5,
        "log_length": 0.0}


def candidates(index_dir: str, qa_path: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(question id, features, labels) per chosen gold document whose sentences hold an evidence string."""
    os.environ["ASSISTANT_DATA_DIR"] = index_dir
    from assistant import answering
    from assistant.analysis import split_sentences
    from assistant.answer_types import holds_answer
    from assistant.config import Settings
    from assistant.evaluation import _norm
    from assistant.service import Assistant

    assistant = Assistant(Settings())
    found: list[tuple[str, np.ndarray, np.ndarray]] = []
    current: dict = {}
    choose = answering.ExtractiveAnswerer._score_sentences

    def observe(self, hit, weights, kinds, wants_until=False):
        total = sum(weights.values()) or 1.0
        rows, labels = [], []
        for p_index, passage in enumerate(hit.passages):
            text, previous = passage.full_text, {}
            for start, end in split_sentences(text):
                sentence = text[start:end]
                if len(sentence.strip()) < 12 or sentence.lstrip().startswith("#"):
                    continue
                matched = answering.term_matches(sentence, weights)
                inherited = (sum(w * max(0.0, previous.get(t, 0.0) - matched[t]) for t, w in weights.items()) / total
                             if answering.ANAPHOR.match(sentence) else 0.0)
                previous = matched
                rows.append([sum(w * matched[t] for t, w in weights.items()) / total,
                             float(bool(kinds) and holds_answer(sentence, kinds)),
                             float(wants_until and bool(answering.UNTIL_ANSWER.search(sentence))),
                             float(answering._is_proposal(sentence, passage)), p_index, inherited, math.log(len(sentence))])
                wanted = _norm(sentence)
                labels.append(any(_norm(e) in wanted or (len(wanted) > 25 and wanted in _norm(e)) for e in current["evidence"]))
        if hit.doc_id in current["gold"] and any(labels):
            found.append((current["id"], np.array(rows), np.array(labels, dtype=int)))
        return choose(self, hit, weights, kinds, wants_until)

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
    hand = np.array(list(HAND.values()))
    report: dict = {"signals": list(HAND), "hand_weights": HAND, "questions": {n: len(g) for n, g in sets.items()},
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
