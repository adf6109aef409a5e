"""One document a line. `field_map` renames source fields onto the canonical ones (date=adoption_date)."""

from __future__ import annotations

import json
from pathlib import Path

from ..documents import CANONICAL_FIELDS, Document
from ..errors import LoadError
from .encoding import decode_bytes


def load_jsonl(file: Path, field_map: dict[str, str]) -> tuple[list[Document], list[str]]:
    documents: list[Document] = []
    problems: list[str] = []
    seen: set[str] = set()
    text = decode_bytes(file.read_bytes())
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file.name}:{line_no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        try:
            document = record_to_document(record, field_map, source=str(file.resolve()))
        except LoadError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if document.id in seen:
            problems.append(f"{where}: duplicate id '{document.id}' (first occurrence kept)")
            continue
        seen.add(document.id)
        documents.append(document)
    if not documents and not problems:
        raise LoadError("no records in JSONL file")
    return documents, problems


def record_to_document(record: dict, field_map: dict[str, str], source: str) -> Document:
    def field(name: str):
        return record.get(field_map.get(name, name))

    doc_id = field("id")
    text = field("text")
    if doc_id is None or str(doc_id).strip() == "":
        raise LoadError("missing required field 'id'")
    if not isinstance(text, str) or not text.strip():
        raise LoadError("missing or empty required field 'text'")
    metadata: dict = {}
    for name in CANONICAL_FIELDS:
        value = field(name)
        if value not in (None, ""):
            metadata[name] = value if isinstance(value, (int, float, bool)) else str(value)
    consumed = {field_map.get(name, name) for name in (*CANONICAL_FIELDS, "id", "text")}
    for key, value in record.items():
        if key in consumed or key in metadata:
            continue
        if isinstance(value, (str, int, float, bool)) and value != "":
            metadata[key] = value
    title = str(metadata.pop("title", "") or "")
    return Document(id=str(doc_id).strip(), text=text, source=source, title=title, metadata=metadata)
