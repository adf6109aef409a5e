"""Seconds from pressing Enter in the page's chat box to the finished answer, in a real browser.

    ASSISTANT_DATA_DIR=/path/to/lovtidend-index .venv/bin/python scripts/ui_latency.py ../shared/eval/council_dev.jsonl --n 12

Starts `streamlit run ui/app.py` on a free port, waits for the page (model and index load once per
server: that is reported apart, as the server's cold start), then asks the questions one by one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from assistant.cli import page_command


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("qa", type=Path)
    parser.add_argument("--n", type=int, default=12)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.qa.read_text(encoding="utf-8").splitlines() if line.strip()][: args.n]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(page_command("127.0.0.1", port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            started = time.perf_counter()
            page.goto(url)
            box = page.get_by_placeholder("Spør om et vedtak")
            box.wait_for(timeout=180_000)
            load = time.perf_counter() - started
            times = []
            for number, question in enumerate(questions, start=1):
                box.fill(question)
                started = time.perf_counter()
                box.press("Enter")
                # Done when this turn is on the page and its status says what was searched.
                page.wait_for_function(
                    """n => document.querySelectorAll('[data-testid="stChatMessage"]').length >= 2 * n
                         && [...document.querySelectorAll('summary')].some(s => s.innerText.includes('Søkte i'))
                         && !document.body.innerText.includes('Søker i kildene')""",
                    arg=number, timeout=60_000, polling=20,
                )
                times.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.terminate()
    ordered = sorted(times)
    report = {
        "questions": len(times), "page_and_model_load_s": round(load, 2), "first_answer_s": round(times[0], 2),
        "p50_s": round(ordered[len(ordered) // 2], 2), "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max_s": round(ordered[-1], 2), "all_s": [round(t, 2) for t in times],
    }  # fmt: skip
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
