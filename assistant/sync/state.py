"""What a sync source has fetched before, kept beside the index (DATA_DIR/sync/<source>/state.json): per
meeting its agenda's fingerprint, per treatment its agenda entry's fingerprint and whether all its documents
are in, per document URL the hash of the bytes ingested. Written atomically after each meeting, so a run
killed half-way resumes where the last meeting ended; one run at a time per source (a lock file)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import AssistantError


def fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()[:16]


class SyncState:
    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / "state.json"
        try:
            self.data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        for key in ("meetings", "treatments", "documents"):
            self.data.setdefault(key, {})

    @property
    def meetings(self) -> dict[str, Any]:
        return self.data["meetings"]

    @property
    def treatments(self) -> dict[str, Any]:
        return self.data["treatments"]

    @property
    def documents(self) -> dict[str, Any]:
        return self.data["documents"]

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        staging = self.folder / f".state.{os.getpid()}.tmp"
        staging.write_text(json.dumps(self.data, ensure_ascii=False, indent=0), encoding="utf-8")
        os.replace(staging, self.path)


@contextmanager
def source_lock(folder: Path) -> Iterator[None]:
    "One sync per source at a time; a second is refused at once rather than fetching everything twice."
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AssistantError(f"another sync of this source is running (lock: {folder / '.lock'})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_bytes(content)
    os.replace(staging, path)
