"""Readers under a writer: rounds of 20 concurrent `ask` calls (threads of one process, as Streamlit serves
them) against an index, first alone, then while `assistant ingest` writes the whole Lovtidend set into the
same data dir from another process (a round every few seconds: a busy page, not a benchmark that starves
the writer). Reports p50/p95/max and failures for both: docs/reliability-load.json.

    python scripts/load_during_ingest.py [--rounds-before 5] [--out docs/reliability-load.json]"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import shared_dir  # noqa: E402

QUESTIONS = [
    "Hvor mye ble Asker kompensert for koronautgiftene?",
    "Hva vedtok kommunestyret om handlingsprogrammet?",
    "When did the council meet in June 2021?",
    "Kan butikkene i Hurum ha åpent på søndager før jul?",
    "Hva koster det å feste ei grav i Førde?",
]


def one_round(assistant, n: int = 20) -> list[tuple[float, str | None]]:
    results: list[tuple[float, str | None]] = []
    lock = threading.Lock()

    def ask(i: int) -> None:
        started = time.perf_counter()
        error = None
        try:
            assistant.ask(QUESTIONS[i % len(QUESTIONS)])
        except Exception as exc:  # counted as a failure in the report
            error = f"{exc.__class__.__name__}: {exc}"
        with lock:
            results.append((time.perf_counter() - started, error))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def summary(results: list[tuple[float, str | None]], rounds: int) -> dict:
    times = sorted(t for t, _ in results)
    failures = [e for _, e in results if e]
    return {
        "rounds": rounds, "asks": len(results), "failures": len(failures), "failure_examples": failures[:3],
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(times[int(0.95 * (len(times) - 1))], 3) if times else None,
        "max_s": round(times[-1], 3) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds-before", type=int, default=5)
    parser.add_argument("--pause", type=float, default=5.0, help="Seconds between rounds during the ingest.")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "reliability-load.json")
    args = parser.parse_args()
    from assistant.config import Settings
    from assistant.ingest import Ingestor
    from assistant.service import Assistant

    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data"
        settings = Settings(_env_file=None, data_dir=data)
        Ingestor(settings).run([REPO / "corpus"])
        assistant = Assistant(settings)
        one_round(assistant, 5)  # warm
        before: list = []
        for _ in range(args.rounds_before):
            before += one_round(assistant)
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
        started = time.perf_counter()
        ingest = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(shared_dir() / "corpus/lovtidend/council_adopted.jsonl"),
                                   "--map", "date=adoption_date", "--map", "body=adopting_body", "--map", "url=lovdata_url", "--json"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        during: list = []
        rounds = 0
        while ingest.poll() is None:
            during += one_round(assistant)
            rounds += 1
            time.sleep(args.pause)
        out, _ = ingest.communicate()
        report = json.loads(out)
        after = one_round(assistant)
        found = assistant.retriever.search("forskrift om motorferdsel i utmark Porsanger", k=3)
        result = {
            "command": "python scripts/load_during_ingest.py",
            "machine": f"{os.cpu_count()} cores", "pause_between_rounds_s": args.pause,
            "ingest": {"documents_added": report["added"], "seconds": round(time.perf_counter() - started, 1),
                       "failed": len(report["failed"])},
            "without_ingest": summary(before, args.rounds_before),
            "during_ingest": summary(during, rounds),
            "after_ingest": summary(after, 1),
            "reader_sees_new_documents": any(h.doc_id.startswith("FOR-") for h in found),
        }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
