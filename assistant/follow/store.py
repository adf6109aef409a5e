"""The saved follows, one JSON file beside the index, read and written under an exclusive lock so that two
`follow run` (a cron job and a person) never interleave, and replaced atomically so that a crash leaves the
old file or the new one."""

from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..errors import AssistantError

NAME = re.compile(r"^[\w\-æøåÆØÅ]{1,60}$")
MAX_ITEMS = 200  # the history a feed shows


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FollowStore:
    def __init__(self, data_dir: Path):
        self.folder = data_dir / "follows"
        self.path = self.folder / "follows.json"

    @contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """The follows for reading and changing; written back when the block ends without an error."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # a second run waits for the first, then sees what it wrote
            try:
                data = self.read()
                yield data
                staging = self.folder / f".follows.{os.getpid()}.tmp"
                staging.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
                os.replace(staging, self.path)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"follows": {}}
        except ValueError as exc:
            raise AssistantError(f"{self.path} is not readable JSON: {exc}") from exc
        data.setdefault("follows", {})
        return data

    def get(self, name: str) -> dict[str, Any]:
        follow = self.read()["follows"].get(name)
        if follow is None:
            raise AssistantError(f"no follow named '{name}' (see `assistant follow list`)")
        return follow


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise AssistantError(f"a follow's name is 1-60 letters, digits, '-' or '_' (it names its feed), got {name!r}")
    return name
