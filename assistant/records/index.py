"""The meeting records in the index, parsed: parts with roles, votes, case paths. Derived from Chroma like
the keyword index (never written by ingest, so it cannot drift): each record's text is put back together
from its chunks' offsets, parsed, saved per generation and cached per process."""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .structure import Record, is_record, parse_record
from .votes import Member, fold, resolve_names, voters

def _parser_version() -> str:
    "The saved parse is only valid for the parser that made it: a changed parser re-parses on next use."
    import hashlib

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("votes.py", "structure.py", "index.py", "parties.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


FORMAT = _parser_version()
# Chunk metadata a record keeps beside its parse (the portal's case fields included).
RECORD_FIELDS = ("title", "body", "municipality", "doc_type", "date", "date_int", "url", "case_number", "case_id",
                 "case_path", "case_status", "case_type", "meeting_id", "source", "meeting_place", "meeting_doc",
                 "attendance", "absent", "saksliste")


@dataclass
class RecordIndex:
    generation: str
    records: dict[str, Record]
    meta: dict[str, dict[str, Any]]
    texts: dict[str, str] = field(default_factory=dict)
    chunks: dict[str, list[list]] = field(default_factory=dict)  # doc id → [chunk id, start, end, page] in reading order
    _by_case: dict[str, list[str]] | None = None

    # ---- building ---------------------------------------------------------------------------------
    @classmethod
    def build(cls, generation: str, chunks: Iterable[tuple[str, str, dict]]) -> "RecordIndex":
        pieces: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        spans: dict[str, list[list]] = defaultdict(list)
        metas: dict[str, dict[str, Any]] = {}
        for chunk_id, text, meta in chunks:
            doc_id = meta.get("doc_id")
            if not doc_id:
                continue
            pieces[doc_id].append((int(meta.get("start", 0)), int(meta.get("end", 0)), text or ""))
            spans[doc_id].append([chunk_id, int(meta.get("start", 0)), int(meta.get("end", 0)), meta.get("page")])
            if doc_id not in metas or int(meta.get("chunk_index", 0)) == 0:
                metas[doc_id] = {k: meta[k] for k in RECORD_FIELDS if k in meta}
        records: dict[str, Record] = {}
        texts: dict[str, str] = {}
        kept_meta: dict[str, dict[str, Any]] = {}
        for doc_id, parts in pieces.items():
            text = reassemble(parts)
            if not is_record(text, metas[doc_id]):
                continue
            records[doc_id] = parse_record(text)
            texts[doc_id] = text
            kept_meta[doc_id] = metas[doc_id]
        index = cls(generation, records, kept_meta, texts, {d: sorted(spans[d], key=lambda c: c[1]) for d in records})
        index.resolve_names()
        return index

    def resolve_names(self) -> None:
        """Abbreviated names in vote lists ("Line M Nordkvelle") take the fullest spelling the same
        municipality's records give for the same party: attendance lists first, then vote lists."""
        rosters: dict[str, list[Member]] = defaultdict(list)
        for doc_id, record in self.records.items():
            municipality = str(self.meta[doc_id].get("municipality", ""))
            attendance = self.meta[doc_id].get("attendance")
            if attendance:
                rosters[municipality].extend(Member(m["name"], m.get("party")) for m in json.loads(attendance))
            for vote in record.votes:
                rosters[municipality].extend(voters(vote))
        for municipality, roster in rosters.items():
            unique: dict[str, Member] = {}
            for member in roster:
                unique.setdefault(fold(member.name) + "|" + str(member.party), member)
            # The longest spellings first: a full name wins over its abbreviation.
            rosters[municipality] = sorted(unique.values(), key=lambda m: -len(m.name))
        for doc_id, record in self.records.items():
            # The meeting's own attendance list first (a case split from whole minutes), then the municipality's.
            meeting = self.meta.get(str(self.meta[doc_id].get("meeting_doc", "")), {})
            if meeting.get("attendance"):
                resolve_names(record.votes, [Member(m["name"], m.get("party")) for m in json.loads(meeting["attendance"])])
            roster = rosters.get(str(self.meta[doc_id].get("municipality", "")), [])
            full = [m for m in roster if "." not in m.name and not any(len(p) == 1 for p in m.name.split()[1:-1])]
            resolve_names(record.votes, full)

    # ---- persistence ------------------------------------------------------------------------------
    def save(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "generation": self.generation, "meta": self.meta, "texts": self.texts, "chunks": self.chunks,
                   "records": {d: r.as_json() for d, r in self.records.items()}}
        staging = root / f".gen-{self.generation}.{os.getpid()}.tmp"
        staging.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.replace(staging, root / f"gen-{self.generation}.json")
        for old in root.glob("gen-*.json"):
            if old.name != f"gen-{self.generation}.json":
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, root: Path, generation: str) -> "RecordIndex | None":
        try:
            payload = json.loads((root / f"gen-{generation}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if payload.get("format") != FORMAT:
            return None
        return cls(payload["generation"], {d: Record.from_json(r) for d, r in payload["records"].items()},
                   payload["meta"], payload.get("texts", {}), payload.get("chunks", {}))

    # ---- lookups ----------------------------------------------------------------------------------
    def chunk_at(self, doc_id: str, offset: int) -> str:
        "The stored chunk that holds a character of the record (the last one starting before it)."
        found = ""
        for chunk_id, start, *_ in self.chunks.get(doc_id, []):
            if start <= offset or not found:
                found = chunk_id
        return found

    def page_at(self, doc_id: str, offset: int) -> int | None:
        "The page (of a PDF) the character is on, as its chunk records it; None where the source has no pages."
        page = None
        for span in self.chunks.get(doc_id, []):
            if span[1] <= offset or page is None:
                page = span[3] if len(span) > 3 else None
        # Chunks of sources without pages carry -1.
        return int(page) if page not in (None, "") and int(page) > 0 else None

    def case_key(self, doc_id: str) -> str:
        "Treatments of one case share the portal's case id; else the municipality and title."
        meta = self.meta.get(doc_id, {})
        if meta.get("case_id") not in (None, ""):
            return f"id:{meta['case_id']}"
        return f"title:{str(meta.get('municipality', '')).casefold()}|{' '.join(str(meta.get('title', '')).casefold().split())}"

    def treatments(self, doc_id: str) -> list[str]:
        "Every indexed treatment of the same case, oldest first."
        if self._by_case is None:
            grouped: dict[str, list[str]] = defaultdict(list)
            for other in self.meta:
                grouped[self.case_key(other)].append(other)
            self._by_case = {k: sorted(v, key=lambda d: (str(self.meta[d].get("date", "")), d)) for k, v in grouped.items()}
        return self._by_case.get(self.case_key(doc_id), [doc_id])


_lock = threading.Lock()
_cached: dict[str, RecordIndex] = {}


def record_index_for(store, data_dir: Path, persist: bool = True) -> RecordIndex:
    """The record index of Chroma's current generation: cached, loaded, or parsed anew from the stored chunks
    (while another process writes, the last complete one keeps answering)."""
    generation = store.generation
    key = f"{data_dir}:{store.settings.collection}"
    with _lock:
        cached = _cached.get(key)
        if cached is not None and (cached.generation == generation or generation.startswith("writing-")):
            return cached
        root = data_dir / "records" / store.settings.collection
        index = RecordIndex.load(root, generation)
        if index is None:
            index = RecordIndex.build(generation, store.iter_all())
            if persist and not generation.startswith("writing-"):
                index.save(root)
        _cached[key] = index
        return index


def reassemble(pieces: list[tuple[int, int, str]]) -> str:
    """A document's text from its chunks: chunks are exact substrings at their offsets, and what lies
    between two chunks is whitespace (the chunker trims it), written back as line breaks."""
    pieces = sorted(pieces)
    out: list[str] = []
    cursor = 0
    for start, end, text in pieces:
        if start > cursor:
            out.append("\n" * (start - cursor))
        elif start < cursor:
            text = text[cursor - start:]
            start = cursor
        out.append(text)
        cursor = start + len(text)
    return "".join(out)
