"""The read-only HTTP API over real HTTP (uvicorn on 127.0.0.1), answering the same JSON as the command line."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import MODEL_CACHE, REPO

ASSISTANT = str(REPO / ".venv" / "bin" / "assistant")


@pytest.fixture(scope="module")
def api(demo_settings):
    import uvicorn

    from assistant.api import create_app

    settings = demo_settings.model_copy(update={"api_rate_per_minute": 60})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    thread.join(timeout=10)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def cli_json(settings, *args: str) -> dict:
    env = {"PATH": "/usr/bin:/bin", "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_MODEL_CACHE_DIR": str(MODEL_CACHE),
           "HOME": str(settings.data_dir)}
    result = subprocess.run([ASSISTANT, *args, "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_api_answers_what_the_command_line_prints(api):
    url, settings = api
    question = "Hva vedtok kommunestyret om budsjettjusteringer i 2021?"
    status, body = get(f"{url}/ask?q={urllib.parse.quote(question)}")
    assert status == 200 and json.loads(body) == cli_json(settings, "ask", question)
    status, body = get(f"{url}/votes?case={urllib.parse.quote('PS 42/2021')}")
    assert status == 200 and json.loads(body) == cli_json(settings, "votes", "--case", "PS 42/2021")
    status, body = get(f"{url}/cases/{urllib.parse.quote('PS 43/2021')}")
    assert status == 200 and json.loads(body) == cli_json(settings, "case", "PS 43/2021")
    status, body = get(f"{url}/meetings?body=Kommunestyret&date=2021-06-15")
    assert status == 200 and json.loads(body) == cli_json(settings, "meeting", "--body", "Kommunestyret", "--date", "2021-06-15")
    status, body = get(f"{url}/search?q=klimabudsjett&k=3")
    assert status == 200 and json.loads(body) == cli_json(settings, "search", "klimabudsjett", "--k", "3")
    status, body = get(f"{url}/meetings")
    assert status == 200 and [m["date"] for m in json.loads(body)["meetings"]] == ["2021-06-15", "2021-06-01"]


def test_feeds_docs_and_refusals(api):
    import feedparser

    url, _ = api
    status, body = get(f"{url}/feeds/new/Kommunestyret.atom")
    feed = feedparser.parse(body)
    assert status == 200 and not feed.bozo and len(feed.entries) == 8
    assert get(f"{url}/openapi.json")[0] == 200 and get(f"{url}/docs")[0] == 200
    status, body = get(f"{url}/search?q=x&since=15.06.2021")
    assert status == 422 and "since" in body.decode()
    status, body = get(f"{url}/search?q=" + "a" * 1200)
    assert status == 422
    status, body = get(f"{url}/votes?outcome=kanskje")
    assert status == 422
    status, body = get(f"{url}/feeds/finnes-ikke.atom")
    assert status == 422 and "no follow named" in body.decode()
    request = urllib.request.Request(f"{url}/follows", data=b'{"name": "x", "search": "barnehage"}', method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a write must be refused without an API key")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403 and "read-only" in exc.read().decode()


def test_a_client_over_its_rate_is_told_to_wait(api):
    url, settings = api
    codes = [get(f"{url}/meetings")[0] for _ in range(settings.api_rate_per_minute + 5)]
    assert 429 in codes and codes[0] == 200
