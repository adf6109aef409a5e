"""Parsing in a child process, so one hostile file cannot hang a run, exhaust memory or crash it: a parse
that runs past the time limit or the memory limit is killed and reported, and the next file gets a fresh
parser. The child is a plain `python -m assistant.loaders.isolated` (not multiprocessing's fork, which would
copy the parent's PyTorch and Chroma threads, nor its spawn, which re-imports the parent's __main__)."""

from __future__ import annotations

import os
import pickle
import resource
import select
import struct
import subprocess
import sys
from pathlib import Path

from ..documents import Document
from ..errors import LoadError

STARTUP_TIMEOUT_S = 120.0


def _send(stream, payload) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _read_exactly(stream, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("the parser closed its pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(stream):
    (size,) = struct.unpack(">Q", _read_exactly(stream, 8))
    return pickle.loads(_read_exactly(stream, size))


def _serve(memory_mb: int) -> None:
    from . import load_file
    from . import docx, html, pdf  # noqa: F401  imported before the clock starts on the first file
    import bs4, docx as _docx, pypdf  # noqa: F401, E401

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    inbox, outbox = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a chatty parser library must not write into the reply pipe
    _send(outbox, ("ready", None))
    while True:
        try:
            request = _receive(inbox)
        except EOFError:
            return
        if request is None:
            return
        file, root, field_map = request
        try:
            reply = ("ok", load_file(Path(file), Path(root), field_map))
        except LoadError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            reply = ("error", f"needs more than {memory_mb} MB to parse")
        except RecursionError:
            reply = ("error", "nested too deeply to parse")
        except Exception as exc:  # a parser bug on one hostile file is that file's problem only
            reply = ("error", f"{exc.__class__.__name__}: {exc}")
        try:
            _send(outbox, reply)
        except MemoryError:
            _send(outbox, ("error", f"its text needs more than {memory_mb} MB"))


class IsolatedLoader:
    def __init__(self, timeout_s: float, memory_mb: int):
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "IsolatedLoader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait(self, seconds: float) -> bool:
        ready, _, _ = select.select([self._process.stdout], [], [], seconds)
        return bool(ready)

    def _start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "assistant.loaders.isolated", str(self.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=str(Path(__file__).resolve().parents[2]), env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        # Starting (imports) does not count against the first file's time limit.
        if not self._wait(STARTUP_TIMEOUT_S) or _receive(self._process.stdout)[0] != "ready":
            self._kill()
            raise LoadError("the parser process did not start")

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(5)
            for stream in (self._process.stdin, self._process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        self._process = None

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                _send(self._process.stdin, None)
                self._process.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()

    def load(self, file: Path, root: Path, field_map: dict[str, str] | None = None) -> tuple[list[Document], list[str]]:
        if self._process is None or self._process.poll() is not None:
            self._kill()
            self._start()
        try:
            # Absolute paths: the child runs in the package's folder, where a relative path would name another
            # file (or, worse, a file of the same name there).
            _send(self._process.stdin, (os.path.abspath(file), os.path.abspath(root), field_map or {}))
            if not self._wait(self.timeout_s):
                self._kill()
                raise LoadError(f"parsing took longer than {self.timeout_s:g} s (ASSISTANT_PARSE_TIMEOUT_S); skipped")
            status, payload = _receive(self._process.stdout)
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError, pickle.UnpicklingError, struct.error) as exc:
            self._kill()
            raise LoadError(f"the parser died on this file (over {self.memory_mb} MB of memory?): {exc.__class__.__name__}") from exc
        if status == "error":
            raise LoadError(payload)
        return payload


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
