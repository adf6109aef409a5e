"""The command line, stopped at a named point of an ingest: `python -m tests.interrupt kill POINT ARGS…` dies by
SIGKILL there; `python -m tests.interrupt pause:FOLDER POINT ARGS…` writes FOLDER/paused there and waits for
FOLDER/resume.

The kill tests used to send SIGKILL after a random delay and then had to check that it landed while the run was
still working, which depends on the machine's speed. Here the process stops itself when it reaches the point, so
every kill lands where it is meant to, on any machine. The points are the steps of a write: between them the
index is in each of the states a crash can leave it in.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

from assistant import ingest
from assistant.cli import main
from assistant.keyword import KeywordIndex
from assistant.store import ChromaStore

# point: (owner, attribute, when). "during" (kill only) sends the signal from another thread a moment after the call starts,
# so it lands inside Chroma's own write (or, if that write is quicker, somewhere after it).
POINTS = {
    "after-begin-write": (ChromaStore, "begin_write", "after"),
    "during-add": (ChromaStore, "add", "during"),
    "after-add": (ChromaStore, "add", "after"),
    "after-delete": (ChromaStore, "delete", "after"),
    "after-keyword-save": (KeywordIndex, "save", "after"),
    "after-manifest": (ingest, "write_manifest", "after"),
    "before-end-write": (ChromaStore, "end_write", "before"),
}


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _pause(folder: Path) -> None:
    (folder / "paused").touch()
    while not (folder / "resume").exists():
        time.sleep(0.05)


def _arm(action: str, point: str) -> None:
    owner, attribute, when = POINTS[point]
    stop = _die if action == "kill" else lambda: _pause(Path(action.split(":", 1)[1]))
    real = getattr(owner, attribute)
    fired = []

    def wrapped(*args, **kwargs):
        # add and delete are also called with nothing to do; only the first call that writes stops the run.
        ids = args[1] if owner is ChromaStore and attribute in ("add", "delete") else None
        if fired or (ids is not None and not ids):
            return real(*args, **kwargs)
        fired.append(True)
        if when == "before":
            stop()
        if when == "during":
            # Not a daemon: should the write finish first, the process still dies before it can exit.
            threading.Thread(target=lambda: (time.sleep(random.uniform(0.0, 0.05)), _die())).start()
        result = real(*args, **kwargs)
        if when == "after":
            stop()
        return result

    setattr(owner, attribute, wrapped)


if __name__ == "__main__":
    _arm(sys.argv.pop(1), sys.argv.pop(1))
    main()
