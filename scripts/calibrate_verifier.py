"""Choose the citation verifier's thresholds on a QA set (docs/evaluation.md).

Supported pairs: each gold evidence string against the chunk of its gold document that contains it.
Unsupported pairs: the same string against the best chunk of the highest-ranked non-gold document, which is
what a wrong citation looks like. Prints accuracy for a grid of (min_overlap, min_similarity).

    ASSISTANT_DATA_DIR=... .venv/bin/python scripts/calibrate_verifier.py ../shared/eval/council_dev.jsonl
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from assistant.config import get_settings
from assistant.evaluation import load_qa
from assistant.generation import Verifier
from assistant.service import Assistant


def main() -> None:
    assistant = Assistant(get_settings())
    retriever, index = assistant.retriever, assistant.retriever.index
    verifier = Verifier(retriever.embedder)
    pairs: list[tuple[bool, tuple[bool, float, float]]] = []
    for item in load_qa(Path(sys.argv[1])):
        if not item.gold:
            continue
        hits = retriever.search(item.question, k=10, passages_per_doc=50)
        for evidence in item.evidence:
            gold = [p.text for h in hits if h.doc_id in item.gold for p in h.passages if " ".join(evidence.split()) in " ".join(p.text.split())]
            other = next((h for h in hits if h.doc_id not in item.gold and h.passages), None)
            if gold:
                pairs.append((True, (*verifier.lexical(evidence, gold[:1], index), verifier.similarity(evidence, gold[:1]))))
            if other:
                pairs.append((False, (*verifier.lexical(evidence, [other.passages[0].text], index), verifier.similarity(evidence, [other.passages[0].text]))))
    print(f"{sum(p for p, _ in pairs)} supported, {sum(not p for p, _ in pairs)} unsupported pairs")
    print("| min overlap | min similarity | accuracy | supported kept | unsupported flagged |\n|---|---|---|---|---|")
    rows = []
    for overlap, similarity in itertools.product([0.3, 0.4, 0.5, 0.6, 0.7], [0.80, 0.85, 0.88, 0.90, 0.92, 1.01]):
        kept = flagged = 0
        for positive, (numbers_ok, o, s) in pairs:
            supported = numbers_ok and (o >= overlap or s >= similarity)
            kept += positive and supported
            flagged += (not positive) and not supported
        n_pos = sum(p for p, _ in pairs)
        n_neg = len(pairs) - n_pos
        rows.append(((kept + flagged) / len(pairs), overlap, similarity, kept / n_pos, flagged / n_neg))
    for accuracy, overlap, similarity, kept, flagged in sorted(rows, reverse=True)[:10]:
        print(f"| {overlap} | {similarity if similarity <= 1 else 'off'} | {accuracy:.3f} | {kept:.3f} | {flagged:.3f} |")


if __name__ == "__main__":
    main()
