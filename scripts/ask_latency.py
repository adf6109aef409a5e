"""Ask latency over the questions of a QA file, against the index in ASSISTANT_DATA_DIR.

    ASSISTANT_DATA_DIR=... .venv/bin/python scripts/ask_latency.py QA.jsonl [--repeat 3]

Prints cold start (model + index load, first answer) and p50/p95/p99 of warm `ask` calls, as Markdown."""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from assistant.config import get_settings
from assistant.evaluation import percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("qa", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.qa.read_text(encoding="utf-8").splitlines() if line.strip()]

    started = time.perf_counter()
    from assistant.service import Assistant

    assistant = Assistant(get_settings())
    assistant.ask(questions[0])
    cold = time.perf_counter() - started

    timings = []
    for _ in range(args.repeat):
        for question in questions:
            t0 = time.perf_counter()
            assistant.ask(question)
            timings.append((time.perf_counter() - t0) * 1000)
    stats = assistant.stats()
    print(f"index: {stats['documents']} documents, {stats['chunks']} chunks; machine: {platform.processor() or platform.machine()}")
    print("| asks | cold start to first answer | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    print(f"| {len(timings)} | {cold:.1f} s | {percentile(timings, 0.5):.0f} | {percentile(timings, 0.95):.0f} | {percentile(timings, 0.99):.0f} |")


if __name__ == "__main__":
    main()
