"""Each place of a multi-place question searched by its own clause (docs/evaluation.md, "The answer step, sixth stop").

    ASSISTANT_DATA_DIR=IDX python scripts/place_clause_trial.py QA.jsonl [QA.jsonl ...]

For each answerable question that names two or more places, and each place: the document the answer uses now
(the fused ranking's first document naming the place) against the first of a keyword search (chunks and whole
documents, fused) restricted to the documents naming the place, with the question's clause that names the
place and the clauses that name none as the query (the place names left out, since every candidate names
them). Prints one line per place and the count of gold documents each way."""

from __future__ import annotations

import json
import re
import sys

import numpy as np

# Where a question's parts meet: after a sentence or a colon, or at ", og / , and / , men" before another part.
PART = re.compile(r"(?<=[?.!;:])\s+|,\s+(?=(?:og|and|men|but|eller|or)\b)")


def place_queries(question: str, places: list[str]) -> dict[str, str]:
    parts = [p for p in PART.split(question) if p.strip()]
    named = [[place for place in places if place in part] for part in parts]
    context = [part for part, names in zip(parts, named) if not names]
    return {place: " ".join(context + [part for part, names in zip(parts, named) if place in names]) for place in places}


def restricted_first(index, query: str, place: str) -> str | None:
    from assistant.analysis import analyze, matched_text
    from assistant.retrieval import mentioned_places

    naming = index.docs_naming(place)
    mask = np.array([doc_id in naming for doc_id in index.doc_ids], dtype=bool)
    place_terms = set(analyze(" ".join(mentioned_places(query, index))))
    terms = [t for t in analyze(matched_text(query)) if t not in place_terms]
    fused: dict[str, float] = {}
    for rank, (position, _) in enumerate(index.search_docs(terms, 20, mask)):
        fused[index.doc_ids[position]] = fused.get(index.doc_ids[position], 0.0) + 1 / (60 + rank)
    order: list[str] = []
    for position, _ in index.search_chunks(terms, 60, mask):
        if index.chunk_docs[position] not in order:
            order.append(index.chunk_docs[position])
    for rank, doc_id in enumerate(order):
        fused[doc_id] = fused.get(doc_id, 0.0) + 1 / (60 + rank)
    return max(fused, key=fused.get, default=None)


def main() -> None:
    from assistant.config import get_settings
    from assistant.retrieval import mentioned_places
    from assistant.service import Assistant

    assistant = Assistant(get_settings())
    index = assistant.retriever.index
    now_right = clause_right = total = 0
    for path in sys.argv[1:]:
        for line in open(path, encoding="utf-8"):
            item = json.loads(line)
            places = mentioned_places(item["question"], index)
            if len(places) < 2 or not item.get("gold_doc_ids"):
                continue
            ranked = [hit.doc_id for hit in assistant.retriever.search(item["question"], k=5, passages_per_doc=1)]
            queries = place_queries(item["question"], places)
            for place in places:
                naming = index.docs_naming(place)
                gold = set(item["gold_doc_ids"]) & naming
                now = next((doc_id for doc_id in ranked if doc_id in naming), None)
                clause = restricted_first(index, queries[place], place)
                total += 1
                now_right += now in gold
                clause_right += clause in gold
                print(f"{item['id']}\t{place}\tnow {'ok' if now in gold else 'wrong'}\tclause {'ok' if clause in gold else 'wrong'}")
    print(f"gold document for the place: now {now_right}/{total}, by its clause {clause_right}/{total}")


if __name__ == "__main__":
    main()
