"""The shapes that flow through the pipeline: a loaded document and its chunks."""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Canonical metadata fields every document may carry; anything else is kept as extra metadata.
CANONICAL_FIELDS = ("title", "date", "body", "municipality", "doc_type", "case_number", "url")


@dataclass
class Document:
    id: str
    text: str
    source: str
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    # (page number, char offset where that page starts); empty for formats without pages.
    page_starts: list[tuple[int, int]] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        starts = [start for _, start in self.page_starts]
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        return self.page_starts[index][0]

    def content_hash(self) -> str:
        payload = json.dumps(
            {"text": self.text, "title": self.title, "metadata": self.metadata, "pages": self.page_starts},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass
class Chunk:
    doc_id: str
    index: int
    text: str  # exact substring document.text[start:end]
    start: int
    end: int
    section: str = ""
    page: int | None = None
    version: str = ""  # the document's content hash

    @property
    def id(self) -> str:
        # A new version of a document gets new chunk ids: it is added beside the old one, which is then
        # deleted. Upserting existing ids in place leaves Chroma 1.5's HNSW graph returning different,
        # incomplete neighbours in each process that opens it (chroma-core/chroma#7758).
        return f"{self.doc_id}#{self.version[:8]}#{self.index}"


def context_header(metadata: dict[str, Any]) -> str:
    """The document context every chunk carries into both indexes: most chunks of a regulation never
    name the municipality or the rule, yet residents ask "i Asker"."""
    parts = [str(metadata.get("title") or "").strip()]
    where = " · ".join(
        str(metadata[key]).strip()
        for key in ("body", "municipality", "applies_to")
        if metadata.get(key) and str(metadata[key]).strip() not in parts[0]
    )
    if where:
        parts.append(where)
    if metadata.get("date"):
        parts.append(str(metadata["date"])[:10])
    return " | ".join(p for p in parts if p) + "\n"
