"""Trial of the first signal issue 14 names: e5 similarity of question and sentence in sentence choice.

    python scripts/sentence_similarity_trial.py IDX QA.jsonl WEIGHT [add|z]

Every candidate sentence is embedded with the index's model; `add` adds WEIGHT x (its cosine to the question
minus the best candidate's), `z` adds WEIGHT x its cosine's z-score among the candidates. Prints the answer
figures `assistant eval` reports (WEIGHT 0 is the shipped answerer). Results: docs/evaluation.md (not shipped).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np


def main(index_dir: str, qa_path: str, weight: float, mode: str = "add") -> str:
    os.environ["ASSISTANT_DATA_DIR"] = index_dir
    from assistant import answering
    from assistant.config import Settings
    from assistant.evaluation import answer_metrics, load_qa
    from assistant.service import Assistant

    assistant = Assistant(Settings())
    embedder = assistant.retriever.embedder
    vectors: dict[str, np.ndarray] = {}
    question: dict[str, np.ndarray] = {}
    answer, choose = answering.ExtractiveAnswerer.answer, answering.ExtractiveAnswerer._score_sentences

    def remembering(self, text, hits, index, filters=None):
        vector = embedder.embed_query(text)
        question["vector"] = vector / np.linalg.norm(vector)
        return answer(self, text, hits, index, filters)

    def with_similarity(self, hit, weights, kinds, wants_until=False):
        scored = choose(self, hit, weights, kinds, wants_until)
        if not weight or not scored:
            return scored
        texts = [" ".join(hit.passages[s.passage_index].full_text[s.start:s.end].split()) for s in scored]
        new = [t for t in dict.fromkeys(texts) if t not in vectors]
        for text, vector in zip(new, embedder.embed_passages(new) if new else []):
            vectors[text] = vector / np.linalg.norm(vector)
        cosines = np.array([float(vectors[t] @ question["vector"]) for t in texts])
        for item, cosine in zip(scored, cosines):
            item.score += weight * ((cosine - cosines.max()) if mode == "add" else (cosine - cosines.mean()) / (cosines.std() + 1e-6))
        return sorted(scored, key=lambda s: -s.score)

    answering.ExtractiveAnswerer.answer, answering.ExtractiveAnswerer._score_sentences = remembering, with_similarity
    results = []
    for item in load_qa(Path(qa_path)):
        started = time.perf_counter()
        results.append((item, assistant.ask(item.question), time.perf_counter() - started))
    m = answer_metrics(results)
    return (f"{Path(qa_path).stem} weight={weight} {mode}: citation precision {m['citation_precision']:.3f}, evidence "
            f"recall {m['evidence_recall']:.3f}, abstain unanswerable {m['abstain_unanswerable']:.3f}, "
            f"false abstain {m['false_abstain']:.3f}")


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), *sys.argv[4:5]))
