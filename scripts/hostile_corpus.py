"""Generate the hostile corpus (tests/hostile.py), ingest it with `assistant ingest`, and report what happened
to every input: docs/reliability-hostile.json.

    python scripts/hostile_corpus.py [--out docs/reliability-hostile.json]"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import shared_dir  # noqa: E402
from tests.hostile import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "reliability-hostile.json")
    args = parser.parse_args()
    from assistant.config import Settings
    from assistant.keyword import KeywordIndex

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "fiendtlig"
        inputs = generate(folder, shared_dir())
        data = Path(work) / "data"
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_PARSE_TIMEOUT_S": "5"}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(folder), "--json"],
                              capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = json.loads(done.stdout)
        settings = Settings(_env_file=None, data_dir=data)
        stored = set(KeywordIndex.load(data / "keyword" / settings.collection).doc_ids)
        failed: dict[str, list[str]] = {}
        for item in report["failed"]:
            failed.setdefault(Path(item["input"]).name, []).append(item["reason"])
        outcomes = Counter()
        lost, wrong = [], []
        for item in inputs:
            on_disk = (folder / item.name).exists() or (folder / item.name).is_symlink()
            doc_id = f"{folder.name}/{item.name}" if on_disk else item.name
            if doc_id in stored:
                outcomes["ingested"] += 1
                if item.expect == "reject":
                    wrong.append(item.name)
            elif failed.get(item.name):
                outcomes["rejected with a reason"] += 1
                if item.expect == "ok" or (item.expect == "reject" and not any(re.search(item.reason, r) for r in failed[item.name])):
                    wrong.append(item.name)
            else:
                outcomes["unaccounted"] += 1
                lost.append(item.name)
        summary = {
            "command": "python scripts/hostile_corpus.py",
            "inputs": len(inputs), "outcomes": dict(outcomes),
            "crashes": int("Traceback" in done.stderr or done.returncode not in (0, 1)),
            "documents_lost": lost, "unexpected_outcomes": wrong,
            "slowest_file": report["slowest_file"], "ingest_seconds": round(seconds, 1),
            "peak_memory_mb": round(peak_mb), "parse_timeout_s": 5,
            "reasons": {name: reasons for name, reasons in sorted(failed.items())},
        }
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "reasons"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
