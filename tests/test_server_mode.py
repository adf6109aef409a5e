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

from .conftest import REPO, make_settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("chroma run did not start")
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_ingest_and_ask_against_a_chroma_server(chroma_server, tmp_path):
    settings = make_settings(tmp_path / "local", chroma_url=chroma_server)
    report = Ingestor(settings).run([REPO / "corpus"])
    assert len(report.added) == 3 and report.ok
    assert not (tmp_path / "local" / "chroma").exists(), "server mode must not write an embedded Chroma"
    # A second client elsewhere (another machine's data dir) sees the same index through the server.
    reader = Assistant(make_settings(tmp_path / "elsewhere", chroma_url=chroma_server))
    answer = reader.ask("Hvor mye ble Asker kompensert for koronautgiftene?")
    assert not answer.abstained and "79 millioner" in answer.citations[0].quote
    assert reader.stats()["documents"] == 3
    again = Ingestor(settings).run([REPO / "corpus"])
    assert len(again.unchanged) == 3
