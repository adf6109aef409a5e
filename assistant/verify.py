"""`assistant verify`: do Chroma, the keyword index and the document manifest agree? And `--repair`: make them
agree again from Chroma, which holds the vectors and is the one thing that cannot be rebuilt without re-embedding."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import Settings
from .keyword import KeywordIndex, forget_cached
from .store import INDEX_FORMAT, ChromaStore, DocState, states_from


def manifest_path(settings: Settings) -> Path:
    return settings.data_dir / "manifest" / f"{settings.collection}.json"


def manifest_from(states: dict[str, DocState], generation: str) -> dict[str, Any]:
    return {
        "format": INDEX_FORMAT, "generation": generation,
        "documents": {doc_id: {"content_hash": s.content_hash, "source": s.source, "n_chunks": s.n_chunks}
                      for doc_id, s in sorted(states.items()) if s.complete},
    }


def write_manifest(settings: Settings, manifest: dict[str, Any]) -> None:
    "Replaced atomically: a reader or a crash sees the old manifest or the new one, never half of one."
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    os.replace(staging, path)


def read_manifest(settings: Settings) -> dict[str, Any] | None:
    try:
        return json.loads(manifest_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class VerifyReport:
    documents: int = 0
    chunks: int = 0
    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    reingest: list[str] = field(default_factory=list)  # sources whose only copy was incomplete and was removed

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "documents": self.documents, "chunks": self.chunks, "problems": self.problems,
                "repaired": self.repaired, "reingest": self.reingest}


def _check(store: ChromaStore, settings: Settings, report: VerifyReport) -> dict[str, DocState]:
    states = store.doc_states()
    chunk_ids = {cid for s in states.values() for cid in s.chunk_ids}
    report.documents = sum(1 for s in states.values() if s.complete)
    report.chunks = len(chunk_ids)
    generation = store.generation
    if generation.startswith("writing-"):
        report.problems.append("an ingest was interrupted before it finished (Chroma is marked as being written)")
    for doc_id, state in sorted(states.items()):
        if len(state.hashes) > 1:
            report.problems.append(f"{doc_id}: {len(state.hashes)} versions stored (orphan chunks of an old version)")
        elif len(state.chunk_ids) != state.n_chunks:
            report.problems.append(f"{doc_id}: {len(state.chunk_ids)} of {state.n_chunks} chunks stored")
    keyword = KeywordIndex.load(settings.data_dir / "keyword" / settings.collection)
    if keyword is None:
        report.problems.append("the keyword index is missing or unreadable")
    else:
        if keyword.generation != generation:
            report.problems.append(f"the keyword index is of generation {keyword.generation}, Chroma of {generation}")
        missing, extra = chunk_ids - set(keyword.chunk_ids), set(keyword.chunk_ids) - chunk_ids
        if missing or extra:
            report.problems.append(f"the keyword index lacks {len(missing)} and has {len(extra)} chunks Chroma does not")
        if len(keyword.chunk_ids) != len(set(keyword.chunk_ids)):
            report.problems.append("the keyword index lists a chunk twice")
    manifest = read_manifest(settings)
    if manifest is None:
        report.problems.append("the document manifest is missing or unreadable")
    else:
        expected = manifest_from(states, generation)["documents"]
        listed = manifest.get("documents", {})
        disagree = sorted(set(expected) ^ set(listed)) + sorted(d for d in set(expected) & set(listed) if expected[d] != listed[d])
        if disagree:
            report.problems.append(f"the manifest disagrees with Chroma on {len(disagree)} documents (e.g. {disagree[0]})")
    return states


def _records(store: ChromaStore, ids: list[str]):
    return [(cid, text, meta) for cid, (text, meta) in store.get(ids).items()]


def verify(settings: Settings, repair: bool = False) -> VerifyReport:
    from .ingest import writer_lock

    report = VerifyReport()
    if not repair:
        _check(ChromaStore(settings), settings, report)
        return report
    with writer_lock(settings.data_dir):
        store = ChromaStore(settings)
        states = _check(store, settings, report)
        if report.ok:
            return report
        delete: list[str] = []
        for doc_id, state in states.items():
            if state.complete:
                continue
            # Two complete versions: a run was stopped after writing the new one, before deleting the old.
            # The newest written is what that run meant to leave.
            versions: dict[str, list[str]] = {}
            for chunk_id in state.chunk_ids:
                versions.setdefault(chunk_id.split("#")[-2], []).append(chunk_id)
            written = {cid: int(meta.get("written", 0)) for cid, _, meta in _records(store, sorted(state.chunk_ids))}
            whole = sorted((max(written.get(c, 0) for c in ids), prefix) for prefix, ids in versions.items() if len(ids) == state.n_chunks)
            keep = whole[-1][1] if whole and (len(whole) == 1 or whole[-1][0] > whole[-2][0]) else None
            for prefix, ids in versions.items():
                if prefix != keep:
                    delete.extend(ids)
            if keep:
                report.repaired.append(f"{doc_id}: kept the newest complete version, removed {len(state.chunk_ids) - state.n_chunks} orphan chunks")
            else:
                report.repaired.append(f"{doc_id}: no complete version; removed its {len(state.chunk_ids)} chunks")
                report.reingest.append(state.source)
        if delete:
            store.begin_write(store.embedder_signature or "")
            store.delete(sorted(delete))
        generation = uuid.uuid4().hex[:12]
        records = [(cid, doc or "", meta) for cid, doc, meta in store.iter_all()]
        KeywordIndex.build(generation, records).save(settings.data_dir / "keyword" / settings.collection)
        write_manifest(settings, manifest_from(states_from(records), generation))
        store.end_write(generation, repaired=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        forget_cached()
        report.repaired.append("rebuilt the keyword index and the manifest from Chroma")
    after = VerifyReport()
    _check(ChromaStore(settings), settings, after)
    report.documents, report.chunks = after.documents, after.chunks
    report.problems = [f"(fixed) {p}" for p in report.problems] + after.problems
    if after.ok:
        report.problems = []
    return report
