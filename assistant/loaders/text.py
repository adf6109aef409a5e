from __future__ import annotations

from pathlib import Path

from ..documents import Document
from ..errors import LoadError
from .encoding import decode_bytes

MAX_TEXT_BYTES = 60 * 1024 * 1024


def load_text(file: Path, doc_id: str) -> list[Document]:
    if file.stat().st_size > MAX_TEXT_BYTES:
        raise LoadError(f"file larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB")
    text = decode_bytes(file.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError("no text (empty or whitespace only)")
    title = _first_heading(text)
    return [Document(id=doc_id, text=text, source=str(file.resolve()), title=title)]


def _first_heading(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped.lstrip("#").strip()[:200]
    return ""
