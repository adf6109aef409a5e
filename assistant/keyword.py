"""The keyword side of hybrid search: bm25s with the Norwegian Snowball stemmer, over chunks with their
document's context header and over whole documents. Always derived from Chroma, so it can be rebuilt."""

from __future__ import annotations

import json
import re
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import analyze
from .documents import context_header

logging.getLogger("bm25s").setLevel(logging.ERROR)

# Per-document metadata the retriever filters and cites by.
DOC_FIELDS = (
    "title", "body", "municipality", "doc_type", "date", "date_int", "url", "case_number", "regulation_id",
    "applies_to", "adoption_note", "source", "n_chunks", "content_hash",
)


@dataclass
class KeywordIndex:
    generation: str
    chunk_ids: list[str]
    chunk_docs: list[str]
    docs: dict[str, dict[str, Any]]
    doc_ids: list[str]
    df: dict[str, int] = field(default_factory=dict)  # document frequency per analyzed term
    chunk_bm25: Any = None
    doc_bm25: Any = None
    _doc_position: dict[str, int] = field(default_factory=dict)
    _chunk_doc_index: np.ndarray | None = None
    _places: dict[str, set[str]] | None = None
    _scopes: list[tuple[str, str]] | None = None
    _doc_chunks: dict[str, list[str]] = field(default_factory=dict)
    _place_pattern: re.Pattern | None = None
    _naming: dict[str, set[str]] = field(default_factory=dict)
    _municipalities: set[str] | None = None
    _date_span: tuple[str, str] | None = None
    _body_kinds: tuple[set[str], float] | None = None  # assistant.bodies: the kinds of body indexed, and the share of documents that say

    def __post_init__(self) -> None:
        self._doc_position = {doc_id: i for i, doc_id in enumerate(self.doc_ids)}
        self._chunk_doc_index = np.array([self._doc_position[d] for d in self.chunk_docs], dtype=np.int64)
        self._doc_chunks = {}
        for chunk_id, doc_id in zip(self.chunk_ids, self.chunk_docs):
            self._doc_chunks.setdefault(doc_id, []).append(chunk_id)

    def chunks_of(self, doc_id: str) -> list[str]:
        "The document's chunk ids in reading order."
        return self._doc_chunks.get(doc_id, [])

    # ---- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, generation: str, records: list[tuple[str, str, dict]]) -> "KeywordIndex":
        """records: (chunk_id, chunk_text, chunk_metadata) as stored in Chroma."""
        import bm25s

        records = sorted(records, key=lambda r: (r[2]["doc_id"], int(r[2].get("chunk_index", 0))))
        chunk_ids = [r[0] for r in records]
        chunk_docs = [r[2]["doc_id"] for r in records]
        docs: dict[str, dict[str, Any]] = {}
        doc_texts: dict[str, list[str]] = {}
        chunk_tokens = []
        for _, text, meta in records:
            doc_id = meta["doc_id"]
            if doc_id not in docs:
                docs[doc_id] = {k: meta[k] for k in DOC_FIELDS if k in meta}
                doc_texts[doc_id] = [context_header(meta), str(meta.get("adoption_note", ""))]
            doc_texts[doc_id].append(text or "")
            chunk_tokens.append(analyze(context_header(meta) + (text or "")) or ["_empty_"])
        doc_ids = list(docs)
        doc_tokens = [analyze("\n".join(doc_texts[d])) or ["_empty_"] for d in doc_ids]
        index = cls(generation, chunk_ids, chunk_docs, docs, doc_ids)
        for tokens in doc_tokens:
            for term in set(tokens):
                index.df[term] = index.df.get(term, 0) + 1
        if chunk_ids:
            index.chunk_bm25 = bm25s.BM25()
            index.chunk_bm25.index(chunk_tokens, show_progress=False)
            index.doc_bm25 = bm25s.BM25()
            index.doc_bm25.index(doc_tokens, show_progress=False)
        return index

    # ---- persistence: a folder per generation, and an atomically replaced CURRENT pointer ----------
    def save(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        target = root / f"gen-{self.generation}"
        staging = root / f".staging-{self.generation}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        meta = {"generation": self.generation, "chunk_ids": self.chunk_ids, "chunk_docs": self.chunk_docs,
                "doc_ids": self.doc_ids, "docs": self.docs, "df": self.df}
        (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if self.chunk_bm25 is not None:
            self.chunk_bm25.save(str(staging / "chunks"), show_progress=False)
            self.doc_bm25.save(str(staging / "docs"), show_progress=False)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        pointer = root / ".CURRENT.tmp"
        pointer.write_text(target.name, encoding="utf-8")
        os.replace(pointer, root / "CURRENT")
        for old in root.glob("gen-*"):
            if old.name != target.name:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, root: Path) -> "KeywordIndex | None":
        import bm25s

        try:
            folder = root / (root / "CURRENT").read_text(encoding="utf-8").strip()
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        index = cls(meta["generation"], meta["chunk_ids"], meta["chunk_docs"], meta["docs"], meta["doc_ids"], meta.get("df", {}))
        if index.chunk_ids:
            try:
                index.chunk_bm25 = bm25s.BM25.load(str(folder / "chunks"), show_progress=False)
                index.doc_bm25 = bm25s.BM25.load(str(folder / "docs"), show_progress=False)
            except Exception:
                return None
        return index

    # ---- querying -------------------------------------------------------------------------------
    def _scores(self, model, terms: list[str]) -> np.ndarray | None:
        if model is None:
            return None
        vocab = model.vocab_dict
        known = [t for t in terms if t in vocab]
        if not known:
            return None
        return model.get_scores(known)

    def search_chunks(self, terms: list[str], n: int, doc_mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores = self._scores(self.chunk_bm25, terms)
        if scores is None:
            return []
        if doc_mask is not None:
            scores = np.where(doc_mask[self._chunk_doc_index], scores, 0.0)
        return _top(scores, n)

    def search_docs(self, terms: list[str], n: int, doc_mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores = self._scores(self.doc_bm25, terms)
        if scores is None:
            return []
        if doc_mask is not None:
            scores = np.where(doc_mask, scores, 0.0)
        return _top(scores, n)

    def idf(self, term: str) -> float:
        n = max(len(self.doc_ids), 1)
        return float(np.log(1 + (n - self.df.get(term, 0) + 0.5) / (self.df.get(term, 0) + 0.5)))

    def docs_naming(self, place: str) -> set[str]:
        """Documents whose title, body or scope names the place (as a whole word)."""
        if place not in self._naming:
            pattern = re.compile(rf"(?<![\wæøåÆØÅ]){re.escape(place)}(?![\wæøåÆØÅ])")
            # The substring test first: the whole-word pattern over every document cost 17 ms a new place
            # on Lovtidend's 1,892 documents, most of an ask's time outside the embedding and Chroma.
            self._naming[place] = {doc_id for doc_id, scope in self._scope_texts() if place in scope and pattern.search(scope)}
        return self._naming[place]

    def _scope_texts(self) -> list[tuple[str, str]]:
        "Each document's title, body, municipality and scope as one text: where places are named."
        if self._scopes is None:
            self._scopes = [(doc_id, " ".join(str(meta.get(k, "")) for k in ("title", "body", "municipality", "applies_to")))
                            for doc_id, meta in self.docs.items()]
        return self._scopes

    def places(self) -> dict[str, set[str]]:
        """Place names the corpus knows (municipalities, counties), each with the documents that name them
        in their title, body or scope: lets a question "i Asker" be checked against what was found."""
        if self._places is None:
            found: dict[str, set[str]] = {}
            for doc_id, scope in self._scope_texts():
                for name in _place_names(scope):
                    found.setdefault(name, set()).add(doc_id)
            self._places = found
        return self._places

    def municipalities(self) -> set[str]:
        "The municipalities the documents belong to (their metadata), case-folded; computed once per index."
        if self._municipalities is None:
            self._municipalities = {str(m["municipality"]).casefold() for m in self.docs.values() if m.get("municipality")}
        return self._municipalities

    def date_span(self) -> tuple[str, str] | None:
        "The first and last date (YYYY-MM-DD) of the dated documents; None when none is dated."
        if self._date_span is None:
            dates = sorted(str(m["date"])[:10] for m in self.docs.values() if re.fullmatch(r"\d{4}-\d\d-\d\d.*", str(m.get("date", ""))))
            self._date_span = (dates[0], dates[-1]) if dates else ("", "")
        return self._date_span if self._date_span[0] else None

    def place_pattern(self) -> re.Pattern:
        if self._place_pattern is None:
            names = sorted(self.places(), key=len, reverse=True)
            alternation = "|".join(re.escape(n) for n in names) or "(?!)"
            # Longest names first, so "Nore og Uvdal" wins over a shorter name inside it.
            self._place_pattern = re.compile(rf"(?<![\wæøåÆØÅ])({alternation})(?![\wæøåÆØÅ])")
        return self._place_pattern

    def doc_mask(self, predicate) -> np.ndarray:
        return np.array([predicate(self.docs[d]) for d in self.doc_ids], dtype=bool)


def _place_names(scope: str) -> set[str]:
    from .metadata import MUNICIPALITY, NAMED_BODY, clean_place

    names = {m.group(1) for m in MUNICIPALITY.finditer(scope)} | {m.group(1) for m in NAMED_BODY.finditer(scope)}
    # "…, Asker kommune, Akershus." — the county after the municipality is a place too.
    names |= {m.group(1) for m in re.finditer(r"(?:kommune|herad|fylkeskommune),\s+([A-ZÆØÅ][\wæøå\-]+(?:\s(?:og)\s[A-ZÆØÅ][\wæøå\-]+)?)", scope)}
    return {place for place in map(clean_place, names) if place}


def _top(scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    n = min(n, len(scores))
    if n <= 0:
        return []
    candidates = np.argpartition(-scores, n - 1)[:n]
    ordered = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [(int(i), float(scores[i])) for i in ordered if scores[i] > 0]


_lock = threading.Lock()
_cached: dict[str, KeywordIndex] = {}


def keyword_index_for(store, data_dir: Path, persist: bool = False) -> KeywordIndex:
    """The keyword index matching Chroma's current generation: cached per process, loaded from disk, or
    rebuilt from Chroma when the saved one is stale (a crash, a write in progress, a server-side change)."""
    generation = store.generation
    key = f"{data_dir}:{store.settings.collection}"
    writing = generation.startswith("writing-")
    with _lock:
        cached = _cached.get(key)
        # While another process writes, keep answering from the last complete index rather than rebuilding
        # BM25 from a half-written Chroma on every question (that made p95 ~50 s during a Lovtidend ingest).
        if cached is not None and (cached.generation == generation or writing):
            return cached
        root = data_dir / "keyword" / store.settings.collection
        index = KeywordIndex.load(root)
        if index is None or (index.generation != generation and not writing):
            records = [(cid, doc or "", meta) for cid, doc, meta in store.iter_all()]
            index = KeywordIndex.build(generation, records)
            if persist:
                index.save(root)
        _cached[key] = index
        return index


def forget_cached() -> None:
    with _lock:
        _cached.clear()
