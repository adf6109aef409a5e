"""Ingestion: files in, chunks embedded into Chroma, the keyword index rebuilt to match. Idempotent and
crash-safe by convergence: a document is rewritten until exactly one complete version of it is stored."""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from .chunking import Chunker
from .config import Settings
from .documents import Chunk, Document, context_header
from .embedding import Embedder, get_embedder
from .errors import LoadError, LockedError
from .keyword import KeywordIndex, forget_cached
from .loaders import default_doc_id, discover, load_file
from .loaders.isolated import IsolatedLoader
from .metadata import CASE_NUMBER, enrich
from .records.minutes import split_minutes
from .store import ChromaStore, states_from
from .verify import manifest_from, read_manifest, write_manifest

ProgressCallback = Callable[[int, int, str], None]
EMBED_BATCH_CHUNKS = 64
PHASES = ("parse", "chunk", "embed", "write", "keyword")


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0
    seconds: float = 0.0
    slowest_file: tuple[str, float] = ("", 0.0)  # the file that took longest to parse
    # Where the time went: parse (read + metadata), chunk, embed, write (Chroma), keyword (BM25 rebuild).
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] += time.perf_counter() - started

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        return {
            "added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged),
            "removed": len(self.removed), "failed": [{"input": n, "reason": r} for n, r in self.failed],
            "chunks_written": self.chunks_written, "seconds": round(self.seconds, 2),
            "slowest_file": {"input": self.slowest_file[0], "seconds": round(self.slowest_file[1], 2)},
            "timings": {phase: round(value, 2) for phase, value in self.timings.items()},
        }


@contextmanager
def writer_lock(data_dir: Path) -> Iterator[None]:
    """One writer per data dir: a second ingest fails at once with a clear message instead of hanging on SQLite."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / ".writer.lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LockedError(
                f"another process is ingesting into {data_dir}; wait for it to finish "
                "(for several writers, run a Chroma server and set ASSISTANT_CHROMA_URL)"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def chunk_metadata(document: Document, chunk: Chunk, n_chunks: int, content_hash: str) -> dict:
    meta = {k: v for k, v in document.metadata.items() if isinstance(v, (str, int, float, bool))}
    meta.update(
        doc_id=document.id, title=document.title, source=document.source, content_hash=content_hash,
        chunk_index=chunk.index, n_chunks=n_chunks, start=chunk.start, end=chunk.end,
        section=chunk.section, page=chunk.page if chunk.page is not None else -1,
        # When it was written: `verify --repair` keeps the newest of two complete versions left by a crash.
        written=time.time_ns() // 1000,
    )
    # Minutes hold many agenda items: the chunk's own "PS 45/21" heading is its case number.
    section_case = CASE_NUMBER.match(chunk.section) if chunk.section else None
    # A case protocol (one case, possibly split from a whole meeting) keeps its own full case number.
    if section_case and document.metadata.get("doc_type") != "saksprotokoll":
        meta["case_number"] = section_case.group(0).strip()
    return meta


def passages(document: Document, chunker: Chunker) -> list[tuple[Chunk, str]]:
    "The document's chunks, each with the text embedded for it: its document's context header, then the chunk."
    header = context_header({**document.metadata, "title": document.title})
    return [(chunk, header + chunk.text) for chunk in chunker.split(document, header)]


def readable_documents(paths: list[Path], field_map: dict[str, str] | None = None) -> Iterator[Document]:
    """Documents as ingest sees them (metadata extracted), for measuring; unreadable files are skipped here,
    where ingest reports them."""
    for file, root in discover(paths):
        try:
            documents, _ = load_file(file, root, field_map)
        except LoadError:
            continue
        for document in (part for loaded in documents for part in split_minutes(loaded)):
            document.metadata = enrich(document.metadata, document.text, document.title, document.id)
            yield document


class Ingestor:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        self.chunker = Chunker(settings.chunk_tokens, self.embedder.max_tokens, self.embedder.count_tokens)

    def run(
        self,
        paths: list[Path],
        field_map: dict[str, str] | None = None,
        prune: bool = False,
        reset: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        with writer_lock(self.settings.data_dir), IsolatedLoader(self.settings.parse_timeout_s, self.settings.parse_memory_mb) as loader:
            if reset:
                ChromaStore(self.settings).reset()
            store = ChromaStore(self.settings, self.embedder.signature)
            states = store.doc_states()
            files = self._discover(paths, report)
            seen: dict[str, str] = {}
            loaded_sources: set[str] = set()
            pending: list[tuple[Document, list[Chunk], str]] = []
            began = False

            def flush() -> None:
                nonlocal began
                if not pending:
                    return
                if not began:
                    store.begin_write(self.embedder.signature)
                    began = True
                self._write(store, pending, states, report)
                pending.clear()

            # A file keeps the id it was first given, however it is named on a later run (the folder or the file).
            ids_by_source: dict[str, list[str]] = {}
            for doc_id, state in states.items():
                ids_by_source.setdefault(state.source, []).append(doc_id)
            to_write: list[tuple[Document, list[Chunk], str]] = []
            limit = self.settings.max_file_mb * 1024 * 1024
            for file, root in files:
                parse_started = time.perf_counter()
                try:
                    if file.is_symlink() and not file.exists():
                        raise LoadError("broken or looping symbolic link")
                    size = file.stat().st_size
                    if size > limit and file.suffix.lower() != ".jsonl":
                        raise LoadError(f"larger than {self.settings.max_file_mb} MB ({size / 2**20:.0f} MB; ASSISTANT_MAX_FILE_MB)")
                    with report.timed("parse"):
                        documents, problems = loader.load(file, root, field_map)
                        # A whole meeting's minutes become one document per case, plus the meeting itself.
                        documents = [part for document in documents for part in split_minutes(document)]
                except LoadError as exc:
                    report.failed.append((str(file), str(exc)))
                    continue
                except OSError as exc:
                    report.failed.append((str(file), f"cannot read: {exc.strerror or exc}"))
                    continue
                finally:
                    took = time.perf_counter() - parse_started
                    if took > report.slowest_file[1]:
                        report.slowest_file = (str(file), took)
                loaded_sources.add(str(file.resolve()))
                report.failed.extend((str(file), problem) for problem in problems)
                for document in documents:
                    known = ids_by_source.get(document.source, [])
                    if len(documents) == 1 and len(known) == 1 and document.id == default_doc_id(file, root):
                        document.id = known[0]
                    if len(document.text) > self.settings.max_document_chars:
                        report.failed.append((str(file), f"document '{document.id}' has {len(document.text):,} characters, more than "
                                              f"{self.settings.max_document_chars:,} (ASSISTANT_MAX_DOCUMENT_CHARS)"))
                        continue
                    if document.id in seen:
                        report.failed.append((str(file), f"duplicate document id '{document.id}' (already from {seen[document.id]})"))
                        continue
                    seen[document.id] = str(file)
                    with report.timed("parse"):
                        document.metadata = enrich(document.metadata, document.text, document.title, document.id)
                    content_hash = document.content_hash()
                    state = states.get(document.id)
                    if state is not None and state.complete and state.content_hash == content_hash:
                        report.unchanged.append(document.id)
                        continue
                    to_write.append((document, [], content_hash))

            # Embedding is where the time goes: progress is counted in documents written.
            for done, (document, _, content_hash) in enumerate(to_write, start=1):
                with report.timed("chunk"):
                    pairs = passages(document, self.chunker)
                if not pairs:
                    report.failed.append((document.source, f"document '{document.id}' produced no text to index"))
                else:
                    pending.append((document, pairs, content_hash))
                if sum(len(c) for _, c, _ in pending) >= EMBED_BATCH_CHUNKS or done == len(to_write):
                    flush()
                    if progress:
                        progress(done, len(to_write), document.id)

            if prune:
                stale = [
                    doc_id for doc_id, state in states.items()
                    if doc_id not in seen and (not Path(state.source).exists() or state.source in loaded_sources)
                ]
                if stale:
                    if not began:
                        store.begin_write(self.embedder.signature)
                        began = True
                    store.delete(sorted(cid for d in stale for cid in states[d].chunk_ids))
                    report.removed.extend(sorted(stale))

            keyword_root = self.settings.data_dir / "keyword" / self.settings.collection
            saved = None if began else KeywordIndex.load(keyword_root)
            manifest = read_manifest(self.settings)
            if saved is None or saved.generation != store.generation or manifest is None \
                    or manifest.get("generation") != store.generation:
                # Keyword index, then manifest, then the generation that vouches for both: a crash between
                # them leaves a generation mismatch that the next run (or `verify --repair`) rebuilds.
                generation = uuid.uuid4().hex[:12]
                with report.timed("keyword"):
                    records = [(cid, doc or "", meta) for cid, doc, meta in store.iter_all()]
                    KeywordIndex.build(generation, records).save(keyword_root)
                    write_manifest(self.settings, manifest_from(states_from(records), generation))
                store.end_write(
                    generation,
                    embedder=self.embedder.signature,
                    last_ingest=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                )
                forget_cached()
        report.seconds = time.perf_counter() - started
        return report

    def _discover(self, paths: list[Path], report: IngestReport) -> list[tuple[Path, Path]]:
        files: list[tuple[Path, Path]] = []
        for path in paths:
            try:
                # The data dir is skipped inside a folder being ingested, but a folder inside it (where `sync`
                # keeps what it downloaded) is ingested when named.
                inside = Path(os.path.realpath(path)).is_relative_to(os.path.realpath(self.settings.data_dir))
                files.extend(discover([path], exclude=() if inside else (self.settings.data_dir,)))
            except LoadError as exc:
                report.failed.append((str(path), str(exc)))
            except OSError as exc:
                report.failed.append((str(path), f"cannot read: {exc.strerror or exc}"))
        return files

    def _write(self, store: ChromaStore, pending, states, report: IngestReport) -> None:
        texts = [text for _, pairs, _ in pending for _, text in pairs]
        with report.timed("embed"):
            vectors = self.embedder.embed_passages(texts)
        ids, documents, metadatas = [], [], []
        for document, pairs, content_hash in pending:
            for chunk, _ in pairs:
                chunk.version = content_hash
                ids.append(chunk.id)
                documents.append(chunk.text)
                metadatas.append(chunk_metadata(document, chunk, len(pairs), content_hash))
        written = set(ids)
        previous = {cid for document, _, _ in pending if document.id in states for cid in states[document.id].chunk_ids}
        # Only after a crash can this version's ids already exist; clear them so ids are only ever added.
        with report.timed("write"):
            store.delete(sorted(previous & written))
            store.add(ids, vectors, documents, metadatas)
        report.chunks_written += len(ids)
        for document, _, _ in pending:
            (report.updated if document.id in states else report.added).append(document.id)
        with report.timed("write"):
            store.delete(sorted(previous - written))


def ingest(paths: list[Path], settings: Settings, **options) -> IngestReport:
    return Ingestor(settings).run(paths, **options)
