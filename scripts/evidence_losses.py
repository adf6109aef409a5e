"""Where the answer step loses gold evidence (docs/evaluation.md, issue 14), and evidence recall by what the
question asks for.

    ASSISTANT_DATA_DIR=IDX python scripts/evidence_losses.py QA.jsonl            # losses, asks the index
    python scripts/evidence_losses.py QA.jsonl --by-type RESULTS.json              # by answer type, from `assistant eval --out`

Each gold evidence string is counted once: found in the quotes; else the answer abstained, cited no gold
document, or the string is in a passage of the cited gold document (not quoted) or not in its passages."""

from __future__ import annotations

import collections
import json
import sys


def losses(qa_path: str) -> None:
    from assistant.config import get_settings
    from assistant.evaluation import _norm
    from assistant.service import Assistant

    assistant = Assistant(get_settings())
    counts: collections.Counter = collections.Counter()
    for line in open(qa_path, encoding="utf-8"):
        q = json.loads(line)
        if not q.get("gold_doc_ids"):
            continue
        hits = assistant.retriever.search(q["question"], k=5, passages_per_doc=6)  # as `ask` searches
        answer = assistant.answerer.answer(q["question"], hits, assistant.retriever.index)
        quotes = _norm(" ".join(c.quote for c in answer.citations))
        for evidence in q.get("evidence") or []:
            wanted = _norm(evidence)
            if wanted in quotes:
                counts["found"] += 1
            elif answer.abstained:
                counts["refused"] += 1
            elif not {c.doc_id for c in answer.citations} & set(q["gold_doc_ids"]):
                counts["another document cited"] += 1
            else:
                hit = next(h for h in hits if h.doc_id in q["gold_doc_ids"])
                inside = any(wanted in _norm(p.full_text) for p in hit.passages)
                counts["in a passage, not quoted" if inside else "not in the passages read"] += 1
    print(json.dumps(dict(counts), ensure_ascii=False, indent=1))


def by_type(qa_path: str, results_path: str) -> None:
    from assistant.answer_types import expected_types

    questions = {q["id"]: q for q in map(json.loads, open(qa_path, encoding="utf-8"))}
    found: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for row in json.load(open(results_path, encoding="utf-8"))["answers_by_question"]:
        evidence = questions[row["id"]].get("evidence") or []
        kinds = expected_types(questions[row["id"]]["question"])
        kind = kinds[0] if kinds else "none"
        found[kind][0] += len(evidence) - len(row["evidence_missing"])
        found[kind][1] += len(evidence)
    for kind, (hit, total) in sorted(found.items(), key=lambda item: -item[1][1]):
        if total:
            print(f"{kind}: {hit}/{total} = {hit / total:.3f}")


if __name__ == "__main__":
    if "--by-type" in sys.argv:
        by_type(sys.argv[1], sys.argv[sys.argv.index("--by-type") + 1])
    else:
        losses(sys.argv[1])
