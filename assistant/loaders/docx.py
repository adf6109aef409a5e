"""Word documents: headings become Markdown-style headings so the chunker keeps sections together."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..documents import Document
from ..errors import LoadError

# A zip bomb inflates a small .docx into gigabytes; refuse before parsing.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024


def load_docx(file: Path, doc_id: str) -> list[Document]:
    if not zipfile.is_zipfile(file):
        raise LoadError("not a valid .docx (not a zip archive)")
    try:
        with zipfile.ZipFile(file) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_UNCOMPRESSED_BYTES:
                raise LoadError(f"unpacks to {total // (1024 * 1024)} MB (zip bomb?)")
            if "word/document.xml" not in archive.namelist():
                raise LoadError("not a .docx (no word/document.xml)")
        import docx

        document = docx.Document(str(file))
    except LoadError:
        raise
    except Exception as exc:
        raise LoadError(f"corrupt .docx: {exc.__class__.__name__}: {exc}") from exc

    blocks: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "overskrift", "title", "tittel")):
            level = "".join(ch for ch in style if ch.isdigit()) or "1"
            blocks.append("#" * min(int(level), 6) + " " + text)
        else:
            blocks.append(text)
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                blocks.append(" | ".join(dict.fromkeys(cells)))
    text = "\n\n".join(blocks)
    if not text.strip():
        raise LoadError("no text in .docx")
    title = (document.core_properties.title or "").strip() or blocks[0].lstrip("#").strip()[:200]
    return [Document(id=doc_id, text=text, source=str(file.resolve()), title=title)]
