"""One loader per format. Each turns a file into Documents or raises LoadError with a reason."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

from ..documents import Document
from ..errors import LoadError
from .docx import load_docx
from .html import load_html
from .jsonl import load_jsonl
from .pdf import load_pdf
from .text import load_text

Loader = Callable[..., list[Document]]

LOADERS: dict[str, Loader] = {
    ".txt": load_text,
    ".md": load_text,
    ".markdown": load_text,
    ".html": load_html,
    ".htm": load_html,
    # Lovdata's "XML" exports are XHTML documents.
    ".xml": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".jsonl": load_jsonl,
}

# Files that are part of a corpus folder but are not documents.
IGNORED_NAMES = {"manifest.json", "manifest.jsonl", ".gitkeep", ".DS_Store"}
# "vedtak.pdf.meta.json" beside "vedtak.pdf": what an archive export (or `assistant sync`) knows about the
# file: {"id": …, "title": …, "metadata": {"body": …, "date": …, "case_number": …, …}}.
SIDECAR = ".meta.json"
IGNORED_SUFFIXES = {".py", ".pyc"}


def discover(paths: list[Path], exclude: tuple[Path, ...] = ()) -> Iterator[tuple[Path, Path]]:
    """Yield (file, root) for every file under the given paths, recursively, in a stable order, skipping
    the excluded folders (the index's own data dir when it lies inside a folder being ingested)."""
    excluded = tuple(Path(os.path.realpath(p)) for p in exclude)
    for root in paths:
        if not root.exists():
            raise LoadError(f"{root}: no such file or directory")
        if root.is_file():
            yield root, root.parent
            continue
        # A broken or looping symlink is not a file, but it is an input someone meant: reported, not skipped.
        for file in sorted(p for p in root.rglob("*") if p.is_file() or (p.is_symlink() and not p.exists())):
            # realpath, not resolve(): resolve raises on a symlink loop.
            if any(Path(os.path.realpath(file)).is_relative_to(folder) for folder in excluded):
                continue
            if file.name in IGNORED_NAMES or file.name.endswith(SIDECAR) or file.suffix in IGNORED_SUFFIXES or any(part.startswith(".") for part in file.relative_to(root).parts):
                continue
            yield file, root.parent


def default_doc_id(file: Path, root: Path) -> str:
    # The path as given, not resolved: a symlinked file keeps the name it has in the folder.
    return Path(os.path.abspath(file)).relative_to(os.path.abspath(root)).as_posix()


def load_file(file: Path, root: Path, field_map: dict[str, str] | None = None) -> tuple[list[Document], list[str]]:
    """Load one file. Returns the documents and per-record problems (JSONL lines that were skipped)."""
    if file.is_symlink() and not file.exists():
        raise LoadError("broken or looping symbolic link")
    loader = LOADERS.get(file.suffix.lower())
    if loader is None:
        raise LoadError(f"unknown format '{file.suffix or file.name}' (supported: {', '.join(sorted(LOADERS))})")
    if file.stat().st_size == 0:
        raise LoadError("empty file")
    if loader is load_jsonl:
        return load_jsonl(file, field_map or {})
    return apply_sidecar(file, loader(file, default_doc_id(file, root))), []


def apply_sidecar(file: Path, documents: list[Document]) -> list[Document]:
    """The file's sidecar metadata, where it has one: its id, title and fields win over what the text says."""
    sidecar = file.with_name(file.name + SIDECAR)
    if not sidecar.exists() or len(documents) != 1:
        return documents
    import json

    try:
        given = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(given, dict) or not isinstance(given.get("metadata", {}), dict):
            raise ValueError("not an object with an object 'metadata'")
    except (OSError, ValueError) as exc:
        raise LoadError(f"unreadable metadata file {sidecar.name}: {exc}") from exc
    document = documents[0]
    if given.get("id"):
        document.id = str(given["id"])
    if given.get("title"):
        document.title = str(given["title"])
    document.metadata = {**document.metadata, **{k: v for k, v in given.get("metadata", {}).items() if v is not None}}
    return [document]
