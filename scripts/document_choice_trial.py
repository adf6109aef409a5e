"""Which retrieved document an answer should quote (docs/evaluation.md, "The answer step, fourth stop").

    ASSISTANT_DATA_DIR=IDX python scripts/document_choice_trial.py QA.jsonl

For each question, the documents the answerer chooses among (those naming the place, for each place the
question names; else all five retrieved), and how often the chosen one is a gold document when choosing by:
the ranking's first, the evidence score (passage cosine + 0.1 x word share: what the answerer uses), the
cosine alone, and the evidence score plus the best sentence's score x 0.05 / 0.1."""

from __future__ import annotations

import json
import sys


def candidate_lists(qa_path: str) -> list[tuple[list[dict], set[str]]]:
    from assistant.analysis import analyze, content_terms
    from assistant.answer_types import expected_types
    from assistant.answering import TITLE_TERM_WEIGHT, UNTIL_QUESTION
    from assistant.config import get_settings
    from assistant.retrieval import mentioned_places
    from assistant.service import Assistant

    assistant = Assistant(get_settings())
    answerer, index = assistant.extractive, assistant.retriever.index
    lists = []
    with open(qa_path, encoding="utf-8") as lines:
        questions = [json.loads(line) for line in lines]
    for q in questions:
        if not q.get("gold_doc_ids"):
            continue
        question = q["question"]
        hits = assistant.retriever.search(question, k=5, passages_per_doc=6)  # as `ask` searches
        places = mentioned_places(question, index)
        place_terms = set(analyze(" ".join(places)))
        weights = {t: index.idf(t) for t in content_terms(question) if t not in place_terms}
        groups = [[h for h in hits if h.doc_id in index.docs_naming(p)] for p in places] if places else [hits]
        for candidates in groups:
            if len(candidates) < 2:
                continue
            rows = []
            for hit in candidates:
                title_terms = set(analyze(str(hit.meta.get("title", ""))))
                scored = answerer._score_sentences(
                    hit, {t: w * (TITLE_TERM_WEIGHT if t in title_terms else 1.0) for t, w in weights.items()},
                    expected_types(question), bool(UNTIL_QUESTION.search(question)))
                rows.append({"doc_id": hit.doc_id, "dense": hit.dense,
                             "evidence": answerer.evidence(question, hit, index, places),
                             "best_sentence": scored[0].score if scored else 0.0})
            lists.append((rows, set(q["gold_doc_ids"])))
    return lists


def main() -> None:
    lists = candidate_lists(sys.argv[1])
    rules = {
        "ranking's first": lambda r: 0.0,
        "evidence (shipped)": lambda r: r["evidence"],
        "cosine alone": lambda r: r["dense"] if r["evidence"] > 0 else -1.0,
        "evidence + 0.05 x best sentence": lambda r: r["evidence"] + 0.05 * r["best_sentence"] if r["evidence"] > 0 else -1.0,
        "evidence + 0.1 x best sentence": lambda r: r["evidence"] + 0.1 * r["best_sentence"] if r["evidence"] > 0 else -1.0,
    }
    report = {"choices": len(lists)}
    for name, value in rules.items():
        # The ranking's first on a tie, as the answerer does.
        chosen = [max(rows, key=lambda r: (value(r), -rows.index(r))) for rows, _ in lists]
        report[name] = sum(c["doc_id"] in gold for c, (_, gold) in zip(chosen, lists))
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
