"""Parsing in a child process, so one hostile file cannot hang a run, exhaust memory or crash it: a parse
that runs past the time limit or the memory limit is killed and reported, and the next file gets a fresh
parser. A spawned child (not forked): the parent holds PyTorch and Chroma threads that fork would copy."""

from __future__ import annotations

import multiprocessing
import resource
from pathlib import Path

from ..documents import Document
from ..errors import LoadError


def _serve(connection, memory_mb: int) -> None:
    from . import load_file

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request is None:
            return
        file, root, field_map = request
        try:
            connection.send(("ok", load_file(Path(file), Path(root), field_map)))
        except LoadError as exc:
            connection.send(("error", str(exc)))
        except MemoryError:
            connection.send(("error", f"needs more than {memory_mb} MB to parse"))
        except RecursionError:
            connection.send(("error", "nested too deeply to parse"))
        except Exception as exc:  # a parser bug on one hostile file is that file's problem only
            connection.send(("error", f"{exc.__class__.__name__}: {exc}"))


class IsolatedLoader:
    def __init__(self, timeout_s: float, memory_mb: int):
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._context = multiprocessing.get_context("spawn")
        self._process = None
        self._connection = None

    def __enter__(self) -> "IsolatedLoader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(target=_serve, args=(child, self.memory_mb), daemon=True)
        self._process.start()
        child.close()
        self._connection = parent

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            try:
                self._connection.send(None)
                self._process.join(2)
            except (BrokenPipeError, OSError):
                pass
        self._kill()

    def load(self, file: Path, root: Path, field_map: dict[str, str] | None = None) -> tuple[list[Document], list[str]]:
        if self._process is None or not self._process.is_alive():
            self._start()
        try:
            self._connection.send((str(file), str(root), field_map or {}))
            ready = self._connection.poll(self.timeout_s)
            if not ready:
                self._kill()
                raise LoadError(f"parsing took longer than {self.timeout_s:g} s (ASSISTANT_PARSE_TIMEOUT_S); skipped")
            status, payload = self._connection.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError) as exc:
            self._kill()
            raise LoadError(f"the parser died on this file (over {self.memory_mb} MB of memory?): {exc.__class__.__name__}") from exc
        if status == "error":
            raise LoadError(payload)
        return payload
