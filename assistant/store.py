"""Chroma: embedded (PersistentClient under the data dir) or a `chroma run` server (HttpClient)."""

from __future__ import annotations

import functools
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlparse

from .config import Settings
from .errors import AssistantError, IndexMismatchError

# Bumped when what we store changes shape; an index of another version must be rebuilt.
INDEX_FORMAT = 1
BATCH = 500
_REOPEN = threading.Lock()


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _guarded(method):
    """Chroma failures as the user's error: a server that went away says so and where, instead of a traceback.
    Nothing is cached as broken, so the next call after the server returns simply works."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except AssistantError:
            raise
        except Exception as exc:
            if self.settings.chroma_url:
                raise AssistantError(
                    f"the Chroma server at {self.settings.chroma_url} did not answer ({exc.__class__.__name__}); "
                    "check that `chroma run` is up, then try again"
                ) from exc
            raise AssistantError(f"the Chroma index at {where_of(self.settings)} failed: {exc.__class__.__name__}: {exc}") from exc
    return wrapper


@dataclass
class DocState:
    content_hash: str
    source: str
    chunk_ids: set[str]
    hashes: set[str]
    n_chunks: int

    @property
    def complete(self) -> bool:
        "One version only, and all of its chunks present: a crash mid-write shows up as incomplete."
        return len(self.hashes) == 1 and len(self.chunk_ids) == self.n_chunks


class ChromaStore:
    def __init__(self, settings: Settings, embedder_signature: str | None = None):
        self.settings = settings
        self._refreshed = time.monotonic()
        try:
            self.client = chroma_client(settings)
            self.collection = self.client.get_or_create_collection(
                settings.collection,
                embedding_function=None,  # we always pass our own vectors; Chroma's default embedder downloads
                metadata={"format": INDEX_FORMAT, "generation": "empty"},
                configuration={"hnsw": {"space": "cosine", "ef_construction": 200, "max_neighbors": 32,
                                        "ef_search": settings.hnsw_ef_search}},
            )
            # With Chroma's default ef_search (100) the same query returned different neighbours in different
            # processes and missed ~2% of the exact top 10 on the Lovtidend index; 400 gave stable results.
            current = ((self.collection.configuration or {}).get("hnsw") or {}).get("ef_search")
            if current is not None and current != settings.hnsw_ef_search:
                self.collection.modify(configuration={"hnsw": {"ef_search": settings.hnsw_ef_search}})
        except AssistantError:
            raise
        except Exception as exc:
            where = settings.chroma_url or str(settings.data_dir / "chroma")
            raise AssistantError(f"cannot open the Chroma index at {where}: {exc}") from exc
        meta = self.collection.metadata or {}
        if int(meta.get("format", INDEX_FORMAT)) != INDEX_FORMAT:
            raise IndexMismatchError(
                f"the index at {where_of(settings)} has format {meta.get('format')}, this version reads {INDEX_FORMAT}: "
                "rebuild it with `assistant ingest --reset PATH...`"
            )
        self.embedder_signature = meta.get("embedder")
        if embedder_signature and self.embedder_signature and self.embedder_signature != embedder_signature:
            raise IndexMismatchError(
                f"the index was built with embedder '{self.embedder_signature}' but '{embedder_signature}' is "
                "configured; querying it would compare unrelated vectors. Re-index with "
                "`assistant ingest --reset PATH...` or set ASSISTANT_EMBEDDER back."
            )

    # --- bookkeeping kept in the collection's metadata -------------------------------------------
    @property
    def generation(self) -> str:
        return str((self.collection.metadata or {}).get("generation", "empty"))

    @_guarded
    def refresh(self, every_seconds: float = 1.0) -> None:
        """Notice a write by another process (the CLI ingesting while the UI serves). An embedded Chroma
        client keeps its vector segment cached per process and would not see the new chunks
        (chroma-core/chroma#3792), so a changed generation reopens the client."""
        now = time.monotonic()
        if now - self._refreshed < every_seconds:
            return
        self._refreshed = now
        seen = self.generation
        latest = self.client.get_collection(self.settings.collection, embedding_function=None)
        self.collection = latest
        if self.generation != seen and not self.settings.chroma_url:
            self.reopen()

    def reopen(self) -> None:
        "A fresh embedded client: the cached one's vector segment is what another process has since changed."
        from chromadb.api.client import SharedSystemClient

        with _REOPEN:
            SharedSystemClient.clear_system_cache()
            self.client = chroma_client(self.settings)
            self.collection = self.client.get_collection(self.settings.collection, embedding_function=None)

    @_guarded
    def _set_meta(self, **values: Any) -> None:
        meta = {k: v for k, v in (self.collection.metadata or {}).items() if not k.startswith("hnsw:")}
        meta.update(values)
        self.collection.modify(metadata=meta)
        self.collection = self.client.get_collection(self.settings.collection, embedding_function=None)

    def begin_write(self, embedder_signature: str) -> None:
        "Marks the index as being written, so readers rebuild their keyword view instead of trusting a stale one."
        self._set_meta(generation=f"writing-{uuid.uuid4().hex[:8]}", embedder=embedder_signature, format=INDEX_FORMAT)
        self.embedder_signature = embedder_signature

    def end_write(self, generation: str, **extra: Any) -> None:
        self._set_meta(generation=generation, **extra)

    def info(self) -> dict[str, Any]:
        return dict(self.collection.metadata or {})

    # --- data --------------------------------------------------------------------------------------
    @_guarded
    def count(self) -> int:
        return self.collection.count()

    @_guarded
    def add(self, ids: list[str], embeddings, documents: list[str], metadatas: list[dict]) -> None:
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            self.collection.add(
                ids=ids[start:end], embeddings=embeddings[start:end], documents=documents[start:end],
                metadatas=metadatas[start:end],
            )

    @_guarded
    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), BATCH):
            self.collection.delete(ids=ids[start:start + BATCH])

    @_guarded
    def _page(self, **query):
        return self.collection.get(**query)

    def iter_all(self, include=("documents", "metadatas"), page: int = 2000) -> Iterator[tuple[str, str | None, dict]]:
        offset = 0
        while True:
            batch = self._page(limit=page, offset=offset, include=list(include))
            ids = batch["ids"]
            if not ids:
                return
            documents = batch.get("documents") or [None] * len(ids)
            metadatas = batch.get("metadatas") or [{}] * len(ids)
            yield from zip(ids, documents, metadatas)
            if len(ids) < page:
                return
            offset += page

    def iter_records(self, page: int = 2000) -> Iterator[tuple[str, str, dict, list[float]]]:
        "Every chunk with its vector: (id, text, metadata, embedding)."
        offset = 0
        while True:
            batch = self._page(limit=page, offset=offset, include=["documents", "metadatas", "embeddings"])
            if not batch["ids"]:
                return
            yield from zip(batch["ids"], batch["documents"], batch["metadatas"], list(batch["embeddings"]))
            if len(batch["ids"]) < page:
                return
            offset += page

    def doc_states(self) -> dict[str, DocState]:
        return states_from(self.iter_all(include=("metadatas",)))

    @_guarded
    def query(self, embedding, n: int, where: dict | None = None) -> list[tuple[str, float, str, dict]]:
        # No count() first: Chroma 1.5 answers a query on an empty collection with no ids, and counting cost
        # 7 ms an ask on the Lovtidend index.
        try:
            result = self.collection.query(
                query_embeddings=[embedding], n_results=n, where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        except Exception:
            if self.settings.chroma_url:
                raise
            # While another process writes, this process's cached vector segment can return chunks that
            # were deleted since ("Error finding id"): reopen and ask once more.
            self.reopen()
            result = self.collection.query(
                query_embeddings=[embedding], n_results=n, where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        return [
            (chunk_id, 1.0 - float(distance), document, meta)
            for chunk_id, distance, document, meta in zip(
                result["ids"][0], result["distances"][0], result["documents"][0], result["metadatas"][0]
            )
        ]

    @_guarded
    def get(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        batch = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(batch["ids"], batch["documents"], batch["metadatas"])}

    @_guarded
    def embeddings(self, ids: list[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        batch = self.collection.get(ids=ids, include=["embeddings"])
        return dict(zip(batch["ids"], batch["embeddings"]))

    @_guarded
    def reset(self) -> None:
        self.client.delete_collection(self.settings.collection)


def states_from(records) -> dict[str, DocState]:
    "What is stored of each document, from (chunk id, text, metadata) records."
    states: dict[str, DocState] = {}
    for chunk_id, _, meta in records:
        doc_id = meta["doc_id"]
        state = states.get(doc_id)
        if state is None:
            state = states[doc_id] = DocState(meta["content_hash"], meta.get("source", ""), set(), set(), int(meta["n_chunks"]))
        state.chunk_ids.add(chunk_id)
        state.hashes.add(meta["content_hash"])
    return states


def where_of(settings: Settings) -> str:
    return settings.chroma_url or str(settings.data_dir / "chroma")
