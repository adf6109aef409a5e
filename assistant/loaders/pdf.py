"""PDF with page numbers kept, so a citation can name the page."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ..documents import Document
from ..errors import LoadError
from .html import normalize_whitespace

MAX_PDF_PAGES = 2000
logging.getLogger("pypdf").setLevel(logging.ERROR)


def load_pdf(file: Path, doc_id: str) -> list[Document]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(file), strict=False)
        if reader.is_encrypted:
            # Many "protected" archive PDFs only carry an owner password; an empty user password opens them.
            try:
                if not reader.decrypt(""):
                    raise LoadError("encrypted PDF (password required)")
            except LoadError:
                raise
            except Exception as exc:
                raise LoadError(f"encrypted PDF that cannot be opened: {exc}") from exc
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise LoadError(f"more than {MAX_PDF_PAGES} pages")
        page_texts = [_page_text(page) for page in pages]
        info_title = ""
        try:
            info_title = ((reader.metadata or {}).get("/Title") or "").strip()
        except Exception:
            pass
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise LoadError(f"corrupt PDF: {exc.__class__.__name__}: {exc}") from exc
    except Exception as exc:  # pypdf raises many types on hostile files; none may stop the run
        raise LoadError(f"unreadable PDF: {exc.__class__.__name__}: {exc}") from exc

    text_parts: list[str] = []
    page_starts: list[tuple[int, int]] = []
    offset = 0
    for number, page_text in enumerate(page_texts, start=1):
        if not page_text:
            continue
        if text_parts:
            text_parts.append("\n\n")
            offset += 2
        page_starts.append((number, offset))
        text_parts.append(page_text)
        offset += len(page_text)
    text = "".join(text_parts)
    if not text.strip():
        raise LoadError("PDF has no extractable text (scanned image? OCR it first)")
    title = info_title or next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
    return [Document(id=doc_id, text=text, source=str(file.resolve()), title=title, page_starts=page_starts)]


def _page_text(page) -> str:
    raw = page.extract_text() or ""
    return normalize_whitespace(repair_word_per_line(raw))


def repair_word_per_line(text: str) -> str:
    """Some PDF generators emit one word per line ("GYLDENLØVES\\n \\nGATE"); join them back into prose.

    Paragraph breaks survive where the gap between words is wider (two or more blank lines)."""
    lines = text.split("\n")
    words = [line for line in lines if line.strip()]
    if len(words) < 20:
        return text
    single = sum(1 for line in words if len(line.split()) == 1)
    if single / len(words) < 0.7:
        return text
    # In these files words are separated by "\n \n"; longer runs of blank lines mark paragraphs.
    joined = re.sub(r"\n(?:[ \t]*\n){3,}", "\x00", text)
    joined = re.sub(r"\s*\n\s*", " ", joined)
    return joined.replace("\x00", "\n\n")
