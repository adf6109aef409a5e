"""HTML, and Lovdata's XHTML "XML" exports, whose header carries the regulation's metadata."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ..documents import Document
from ..errors import LoadError
from .encoding import decode_bytes

BLOCK_TAGS = {
    "p", "div", "article", "section", "li", "tr", "table", "ul", "ol", "br", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "dd", "dt", "header", "footer", "main", "aside", "nav", "td", "th",
}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
DROP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
MAX_HTML_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 400

# Lovdata header fields (dd class) → our metadata keys.
LOVDATA_FIELDS = {
    "legacyID": "regulation_id",
    "dokid": "lovdata_doc_id",
    "title": "title",
    "dateInForce": "in_force",
    "appliesTo": "applies_to",
    "dateOfPublication": "announced",
    "publishedIn": "published_in",
}


def load_html(file: Path, doc_id: str) -> list[Document]:
    if file.stat().st_size > MAX_HTML_BYTES:
        raise LoadError(f"file larger than {MAX_HTML_BYTES // (1024 * 1024)} MB")
    markup = decode_bytes(file.read_bytes())
    try:
        soup = BeautifulSoup(markup, "lxml")
    except Exception as exc:  # lxml raises a zoo of parser errors on hostile input
        raise LoadError(f"unparseable HTML: {exc}") from exc

    metadata = _lovdata_header(soup)
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    header = soup.find("header", class_="documentHeader")
    if header is not None:
        header.decompose()

    title = metadata.pop("title", "") or page_title
    body = soup.body or soup
    text = html_to_text(body)
    if not text.strip():
        raise LoadError("no text in HTML")
    regulation_id = metadata.get("regulation_id")
    if regulation_id:
        doc_id = regulation_id
        metadata["url"] = f"https://lovdata.no/dokument/{metadata.get('lovdata_doc_id', '')}".rstrip("/")
        metadata.setdefault("doc_type", "forskrift")
    if not title:
        title = text.strip().splitlines()[0][:200]
    return [Document(id=doc_id, text=text, source=str(file.resolve()), title=title, metadata=metadata)]


def _lovdata_header(soup: BeautifulSoup) -> dict[str, str]:
    info = soup.find("dl", class_="data-document-key-info")
    if info is None:
        return {}
    found: dict[str, str] = {}
    for dd in info.find_all("dd"):
        for cls in dd.get("class") or []:
            if cls in LOVDATA_FIELDS:
                found[LOVDATA_FIELDS[cls]] = dd.get_text(" ", strip=True)
    return found


def html_to_text(root: Tag) -> str:
    """Text with paragraph breaks at block elements and Markdown-style headings, so the chunker sees structure."""
    parts: list[str] = []
    stack: list[tuple[object, int]] = [(root, 0)]
    # Iterative walk: deeply nested hostile HTML must not blow the recursion limit.
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str) and node.startswith("\x00END"):
            parts.append("" if node == "\x00END_LI" else "\n\n")
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:
                parts.append(str(node))
            continue
        if not isinstance(node, Tag) or depth > MAX_DEPTH:
            continue
        name = node.name
        if name in HEADING_TAGS:
            parts.append("\n\n" + "#" * int(name[1]) + " " + node.get_text(" ", strip=True) + "\n\n")
            continue
        if name == "br":
            parts.append("\n")
            continue
        if name == "li":
            parts.append("\n- ")
            stack.append(("\x00END_LI", depth))
        elif name in BLOCK_TAGS:
            parts.append("\n\n")
            stack.append(("\x00END_BLOCK", depth))
        for child in reversed(list(node.children)):
            stack.append((child, depth + 1))
    return normalize_whitespace("".join(parts))


def normalize_whitespace(text: str) -> str:
    text = text.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
