"""Hybrid retrieval: dense (Chroma) and BM25 (chunks with context, and whole documents), fused by
reciprocal rank and ranked as documents, each with its best passages. Also a LangChain BaseRetriever."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import numpy as np

from .analysis import analyze, ends_mid_sentence, matched_text, split_sentences
from .config import Settings
from .embedding import Embedder, get_query_embedder
from .errors import AssistantError
from .keyword import KeywordIndex, keyword_index_for
from .metadata import CASE_NUMBER, REGULATION_ID, date_to_int
from .store import ChromaStore


@dataclass(frozen=True)
class Filters:
    body: str | None = None
    municipality: str | None = None
    doc_type: str | None = None
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return not any((self.body, self.municipality, self.doc_type, self.since, self.until))

    def describe(self) -> str:
        parts = [f"{name}={value}" for name, value in (
            ("body", self.body), ("municipality", self.municipality), ("doc_type", self.doc_type),
            ("since", self.since), ("until", self.until)) if value]
        return ", ".join(parts) if parts else "none"

    def matches(self, meta: dict[str, Any]) -> bool:
        for key in ("body", "municipality", "doc_type"):
            wanted = getattr(self, key)
            if wanted and str(meta.get(key, "")).casefold() != wanted.casefold():
                return False
        day = meta.get("date_int")
        if self.since and (not day or day < date_to_int(self.since)):
            return False
        if self.until and (not day or day > date_to_int(self.until)):
            return False
        return True

    def chroma_where(self, index: KeywordIndex) -> dict | None:
        clauses: list[dict] = []
        for key in ("body", "municipality", "doc_type"):
            wanted = getattr(self, key)
            if wanted:
                # Chroma compares strings exactly; offer every stored spelling that matches case-insensitively.
                spellings = sorted({str(m.get(key)) for m in index.docs.values() if str(m.get(key, "")).casefold() == wanted.casefold()})
                clauses.append({key: {"$in": spellings or [wanted]}})
        if self.since:
            clauses.append({"date_int": {"$gte": date_to_int(self.since)}})
        if self.until:
            clauses.append({"date_int": {"$lte": date_to_int(self.until)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class Passage:
    chunk_id: str
    doc_id: str
    text: str
    score: float
    meta: dict[str, Any]
    # Where the chunk ends mid-sentence ("… forlenges f.o.m. 1. juli 1989 t.o.m."), the rest of that
    # sentence from the document's next chunk, so a quote is never cut where the chunker cut.
    continuation: str = ""

    @property
    def full_text(self) -> str:
        "The chunk's text with the rest of its last sentence where the chunker cut inside it."
        return f"{self.text.rstrip()} {self.continuation}" if self.continuation else self.text


@dataclass
class DocumentHit:
    doc_id: str
    score: float
    meta: dict[str, Any]
    passages: list[Passage] = field(default_factory=list)
    dense: float = 0.0  # best cosine of any of its chunks to the query
    exact: bool = False  # named by id or case number in the query
    ranks: dict[str, int] = field(default_factory=dict)  # its rank (0 = first) in each list that found it


MODES = {"hybrid": ("dense", "bm25_chunks", "bm25_docs"), "bm25": ("bm25_chunks", "bm25_docs")}


class HybridRetriever:
    # Weights of the three ranked lists in the fusion, chosen on the dev sets (docs/evaluation.md).
    weights = {"dense": 1.0, "bm25_chunks": 1.0, "bm25_docs": 1.0}

    def __init__(self, settings: Settings, store: ChromaStore | None = None, embedder: Embedder | None = None):
        self.settings = settings
        # A domain may reorder the fused ranking (meeting records: treatments of one case together, the
        # deciding treatment first): (query, ranked doc ids, fused scores) -> ranked doc ids.
        self.reorder: Callable[[str, list[str], dict[str, float]], list[str]] | None = None
        self.embedder = embedder or get_query_embedder(settings)
        self.store = store or ChromaStore(settings, self.embedder.signature)

    @property
    def index(self) -> KeywordIndex:
        return keyword_index_for(self.store, self.settings.data_dir)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid", passages_per_doc: int = 3) -> list[DocumentHit]:
        """mode: "hybrid" (all lists), or lists joined by "+": dense, bm25_chunks, bm25_docs ("bm25" = both BM25)."""
        lists = set(MODES.get(mode, mode.split("+")))
        unknown = lists - set(self.weights)
        if unknown:
            raise ValueError(f"unknown retrieval list(s) {sorted(unknown)}; choose from {sorted(self.weights)}")
        k = k or self.settings.top_k
        filters = filters or Filters()
        self.store.refresh()
        index = self.index
        if not index.doc_ids:
            return []
        mask = None if filters.is_empty() else index.doc_mask(filters.matches)
        n = self.settings.candidates
        terms = analyze(matched_text(query))

        rankings: dict[str, list[str]] = {}
        vector = None
        chunk_rrf: dict[str, float] = {}
        chunk_doc: dict[str, str] = {}
        chunk_cache: dict[str, tuple[str, dict]] = {}
        dense_best: dict[str, float] = {}

        if "dense" in lists:
            vector = self.embedder.embed_query(query)
            try:
                hits = self.store.query(vector.tolist(), n, filters.chroma_where(index))
            except AssistantError:
                # Mid-write, an embedded reader may still fail after reopening: answer from the keywords.
                if not self.store.generation.startswith("writing-"):
                    raise
                hits = []
            order: list[str] = []
            for rank, (chunk_id, similarity, text, meta) in enumerate(hits):
                doc_id = meta["doc_id"]
                chunk_doc[chunk_id] = doc_id
                chunk_cache[chunk_id] = (text, meta)
                chunk_rrf[chunk_id] = chunk_rrf.get(chunk_id, 0.0) + 1.0 / (self.settings.rrf_k + rank)
                if doc_id not in dense_best:
                    dense_best[doc_id] = similarity
                    order.append(doc_id)
            rankings["dense"] = order

        if "bm25_chunks" in lists:
            chunk_hits = index.search_chunks(terms, n, mask)
            order = []
            for rank, (position, _) in enumerate(chunk_hits):
                chunk_id = index.chunk_ids[position]
                chunk_rrf[chunk_id] = chunk_rrf.get(chunk_id, 0.0) + 1.0 / (self.settings.rrf_k + rank)
                doc_id = chunk_doc[chunk_id] = index.chunk_docs[position]
                if doc_id not in order:
                    order.append(doc_id)
            rankings["bm25_chunks"] = order
        if "bm25_docs" in lists:
            rankings["bm25_docs"] = [index.doc_ids[p] for p, _ in index.search_docs(terms, n, mask)]

        positions = {name: {doc_id: rank for rank, doc_id in enumerate(order)} for name, order in rankings.items()}
        fused: dict[str, float] = {}
        for name, order in rankings.items():
            weight = self.weights.get(name, 1.0)
            for rank, doc_id in enumerate(order):
                fused[doc_id] = fused.get(doc_id, 0.0) + weight / (self.settings.rrf_k + rank)

        exact = [d for d in self._exact_matches(query, index) if mask is None or mask[index._doc_position[d]]]
        top = max(fused.values(), default=0.0)
        for doc_id in exact:
            fused[doc_id] = top + 1.0

        ranked = _cover_places(sorted(fused, key=lambda d: -fused[d]), mentioned_places(query, index), index)
        if self.reorder is not None:
            ranked = self.reorder(query, ranked, fused)
        ranked = ranked[:k]
        results = []
        for doc_id in ranked:
            # A document added by a write still in progress is known to Chroma before the keyword index.
            meta = index.docs.get(doc_id) or next((m for c, (_, m) in chunk_cache.items() if chunk_doc.get(c) == doc_id), {})
            hit = DocumentHit(doc_id, fused[doc_id], meta, dense=dense_best.get(doc_id, 0.0), exact=doc_id in exact,
                              ranks={name: positions[name][doc_id] for name in positions if doc_id in positions[name]})
            hit.passages = self._best_passages(doc_id, index, chunk_rrf, chunk_doc, chunk_cache, passages_per_doc)
            results.append(hit)
        self._attach_continuations(results, index, chunk_cache)
        if vector is not None:
            self._fill_dense(results, vector, dense_best)
        return results

    def _fill_dense(self, results: list[DocumentHit], vector: np.ndarray, dense_best: dict[str, float]) -> None:
        """A document found by keywords alone still gets its semantic similarity, which the answerer weighs."""
        missing = [p.chunk_id for hit in results if hit.doc_id not in dense_best for p in hit.passages]
        if not missing:
            return
        stored = self.store.embeddings(missing)
        for hit in results:
            if hit.doc_id in dense_best:
                continue
            sims = [float(np.dot(vector, np.asarray(stored[p.chunk_id]))) for p in hit.passages if p.chunk_id in stored]
            hit.dense = max(sims, default=0.0)

    def _attach_continuations(self, results: list[DocumentHit], index: KeywordIndex,
                              chunk_cache: dict[str, tuple[str, dict]]) -> None:
        "Each passage that ends inside a sentence gets that sentence's rest from the next chunk (one fetch for all)."
        following: dict[str, list[Passage]] = {}
        for hit in results:
            order = index.chunks_of(hit.doc_id)
            for passage in hit.passages:
                if ends_mid_sentence(passage.text) and passage.chunk_id in order:
                    position = order.index(passage.chunk_id)
                    if position + 1 < len(order):
                        following.setdefault(order[position + 1], []).append(passage)
        chunk_cache.update(self.store.get([c for c in following if c not in chunk_cache]))
        for chunk_id, passages in following.items():
            text = (chunk_cache.get(chunk_id) or ("", {}))[0] or ""
            spans = split_sentences(text)
            if spans:
                for passage in passages:
                    passage.continuation = text[:spans[0][1]]

    def _exact_matches(self, query: str, index: KeywordIndex) -> list[str]:
        wanted: set[str] = {m.group(0).upper() for m in REGULATION_ID.finditer(query)}
        for match in CASE_NUMBER.finditer(query):
            wanted.add((match.group(1) or match.group(2)).strip())
        if not wanted:
            return []
        found = []
        for doc_id, meta in index.docs.items():
            keys = {doc_id.upper(), str(meta.get("regulation_id", "")).upper()}
            case = str(meta.get("case_number", ""))
            keys.add(case.split()[-1] if case else "")
            if keys & wanted:
                found.append(doc_id)
        return found

    def _best_passages(self, doc_id: str, index: KeywordIndex, chunk_rrf: dict[str, float], chunk_doc: dict[str, str],
                       chunk_cache: dict[str, tuple[str, dict]], limit: int) -> list[Passage]:
        candidates = [c for c in chunk_rrf if chunk_doc.get(c) == doc_id]
        candidates.sort(key=lambda c: -chunk_rrf[c])
        # Then the document's other chunks in reading order (all of them when it was found only as a whole).
        candidates += [c for c in index.chunks_of(doc_id) if c not in candidates]
        chosen = candidates[:limit]
        missing = [c for c in chosen if c not in chunk_cache]
        chunk_cache.update(self.store.get(missing))
        return [
            Passage(c, doc_id, chunk_cache[c][0] or "", chunk_rrf.get(c, 0.0), chunk_cache[c][1])
            for c in chosen if c in chunk_cache
        ]


def mentioned_places(question: str, index: KeywordIndex) -> list[str]:
    """Known place names in the question, in order, without a name that is part of a longer one found."""
    found: list[str] = []
    for match in index.place_pattern().finditer(question):
        name = match.group(1)
        if name not in found and not any(name in longer for longer in found):
            found.append(name)
    return found


def _cover_places(ranked: list[str], places: list[str], index: KeywordIndex) -> list[str]:
    """A question about several places ("i Hol og i Nore og Uvdal") needs each place's best document near the
    top, not the second-best document of the first place."""
    if len(places) < 2:
        return ranked
    leaders: list[str] = []
    for place in places:
        docs_here = index.docs_naming(place)
        best = next((d for d in ranked if d in docs_here), None)
        if best is not None and best not in leaders:
            leaders.append(best)
    leaders.sort(key=ranked.index)
    return leaders + [d for d in ranked if d not in leaders]


def as_langchain_retriever(retriever: HybridRetriever, k: int = 5, filters: Filters | None = None):
    """The same search as a LangChain BaseRetriever, one Document per ranked document (its best passage)."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document as LCDocument
    from langchain_core.retrievers import BaseRetriever

    class CouncilRetriever(BaseRetriever):
        hybrid: Any
        k: int = 5
        filters: Any = None

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
            documents = []
            for rank, hit in enumerate(self.hybrid.search(query, k=self.k, filters=self.filters), start=1):
                passage = hit.passages[0] if hit.passages else None
                metadata = {key: value for key, value in hit.meta.items() if value not in (None, "")}
                metadata.update(doc_id=hit.doc_id, rank=rank, score=hit.score)
                if passage:
                    metadata.update(chunk_id=passage.chunk_id, page=passage.meta.get("page"))
                documents.append(LCDocument(page_content=passage.text if passage else "", metadata=metadata, id=hit.doc_id))
            return documents

    return CouncilRetriever(hybrid=retriever, k=k, filters=filters)
